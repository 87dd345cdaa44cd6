// `npm run bench:startup`: every command's start-up against bare Node start-up (`node -e 0`),
// measured beside it. `--help` runs the CLI's whole path to the point where a command would
// start its work: what a user waits for before anything happens.
//
//   npm run bench:startup [-- <rounds>]   (default 9; at least 5)

import './support/clean-exit.js';
import { interleave, nodeStartFloor, pairbenchProcess, printRatio, printRatioTable, roundsFrom, type RatioRow } from './support/floor.js';

const rounds = roundsFrom(process.argv[2] ?? process.env.PB_BENCH_RUNS, 9);
const GOAL = 1.5;
const COMMANDS: string[][] = [[], ['run'], ['tasks'], ['cleanup'], ['serve'], ['serving', 'check'], ['agents'], ['report'], ['compare']];

console.log(`${rounds} rounds each, pairbench and node -e 0 alternating which goes first\n`);
const rows: RatioRow[] = [];
for (const command of COMMANDS) {
  const args = [...command, '--help'];
  const row = {
    what: `\`pairbench ${args.join(' ')}\``,
    floorName: 'node -e 0',
    goal: GOAL,
    samples: await interleave({ subject: pairbenchProcess(args, (out) => out.includes('Usage:')), floor: nodeStartFloor() }, rounds),
  };
  printRatio(row);
  rows.push(row);
}
printRatioTable(rows);
