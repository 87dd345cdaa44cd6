// The closing summary for people: counts, wall time, the sweep id, and how to go on.

import chalk from 'chalk';
import { formatDuration } from './format.js';
import type { SweepReporter } from './types.js';

export function summaryReporter(out: NodeJS.WritableStream = process.stdout): SweepReporter {
  return {
    onSweepEnd(i) {
      const c = i.counts;
      const status = i.status === 'completed' ? chalk.green(i.status) : chalk.yellow(i.status);
      const lines = [
        `sweep ${chalk.bold(i.sweepId)} ${status} in ${formatDuration(i.wallMs)}: ${c.done}/${c.total} trials done, ` +
          `${c.passed} passed, ${c.failed} failed, ${c.substrate} substrate errors, ${c.restarts} serving restarts` +
          (c.interrupted ? `, ${c.interrupted} interrupted` : ''),
        `results: ${i.dbPath}  (pairbench report --db ${i.dbPath})`,
      ];
      if (i.resumeCommand) lines.push(`resume with: ${i.resumeCommand}`);
      out.write(`${lines.join('\n')}\n`);
    },
  };
}
