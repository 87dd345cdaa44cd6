// One agent-harness trial through runTrial against a simulated server, with its turn rows
// and transcript collected: the shared step of the harness e2e files.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { runTrial } from '../../../runner/trial.js';
import type { LoadedTask } from '../../../core/task.js';
import type { TrialResult } from '../../../core/trial.js';
import { parseHarnessVariant } from '../../../harnesses/variants.js';
import type { HarnessLimits } from '../../../core/harness.js';
import type { TurnRecord } from '../../../core/turn.js';

export interface HarnessTrialRun {
  result: TrialResult;
  turns: TurnRecord[];
  transcript: Record<string, unknown>[];
  trialDir: string;
}

export async function runHarnessTrial(o: {
  sweep: string;
  root: string; // parent of the trial directories
  n: number; // unique within the sweep
  variant: string;
  task: LoadedTask;
  baseUrl: string;
  limits?: Partial<HarnessLimits>;
}): Promise<HarnessTrialRun> {
  const trialId = `${o.sweep}-t${o.n}`;
  const trialDir = path.join(o.root, trialId);
  const turns: TurnRecord[] = [];
  const result = await runTrial(
    {
      trialId,
      sweepId: o.sweep,
      task: o.task,
      harness: parseHarnessVariant(o.variant, o.limits),
      trialIndex: o.n,
      attempt: 1,
      trialDir,
      containerName: `pb-${o.sweep}-t${o.n}`,
      selinux: 'auto',
      serving: { baseUrl: o.baseUrl, model: 'pairbench-simulated', dialect: 'llama-server', apiKeyEnv: null, simulated: true },
    },
    { onTurn: (t) => turns.push(t) },
  );
  const file = path.join(trialDir, 'transcript.jsonl');
  const transcript = existsSync(file)
    ? (await readFile(file, 'utf8')).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)
    : [];
  return { result, turns, transcript, trialDir };
}
