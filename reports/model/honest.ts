// The honest read: what the tables do not say (substrate errors by kind, restarts, crashes,
// pending rows, small cells, intervals that cross 1x), as data and as sentences.

import type { LeversReached } from '../../core/harness.js';
import { isAgentOutcome, SUBSTRATE_OUTCOMES } from '../../core/outcomes.js';
import type { SweepData } from '../queries.js';
import { leversAskedApplied } from '../levers.js';
import { seconds } from '../format.js';
import { concurrencyWarning } from '../settings-text.js';
import type { Prepared } from './prepare.js';
import { SIMULATED_NOTICE, type HonestRead, type OutcomeCell, type RunRow, type WallRow } from './types.js';

/** Which of an installed agent's levers reached the server, as a sentence; null when none was asked. */
export function leversLine(r: LeversReached): string | null {
  const reached: string[] = [];
  const not: string[] = [];
  if (r.thinking !== null) (r.thinking ? reached : not).push('the thinking switch');
  if (r.maxTokens !== null) reached.push(`an output cap of ${r.maxTokens} tokens`);
  if (r.prefixCacheOff !== null) (r.prefixCacheOff ? reached : not).push('prefix cache off (cache_prompt: false)');
  if (reached.length + not.length === 0) return null;
  const parts: string[] = [];
  if (reached.length > 0) parts.push(`${reached.join(', ')} reached the server in every request`);
  if (not.length > 0) parts.push(`${not.join(', ')} did not: the serving dialect has no per-request field for ${not.length === 1 ? 'it' : 'them'}`);
  return `${parts.join('; ')}.`;
}

function countStatus(c: SweepData['trials'], status: string): number {
  const code = c.statusNames.indexOf(status);
  let n = 0;
  for (let i = 0; i < c.length; i++) if (c.status[i] === code) n++;
  return n;
}

export function buildHonest(data: SweepData, p: Prepared, simulated: boolean, outcomes: OutcomeCell[], walls: WallRow[], run: RunRow[]): HonestRead {
  const byKind = new Map<string, Record<string, number>>();
  const c = data.trials;
  const agentCode = c.statusNames.map(isAgentOutcome);
  for (let i = 0; i < c.length; i++) {
    if (p.trialH[i] === -1 || agentCode[c.status[i]!]) continue;
    const status = c.statusNames[c.status[i]!]!;
    const harness = c.harnessNames[c.harness[i]!]!;
    const rec = byKind.get(status) ?? {};
    rec[harness] = (rec[harness] ?? 0) + 1;
    byKind.set(status, rec);
  }
  const kindOrder = (k: string): number => {
    const i = (SUBSTRATE_OUTCOMES as readonly string[]).indexOf(k);
    return i < 0 ? SUBSTRATE_OUTCOMES.length : i;
  };
  const substrateByKind = [...byKind.entries()]
    .sort((a, b) => kindOrder(a[0]) - kindOrder(b[0]) || a[0].localeCompare(b[0]))
    .map(([kind, byHarness]) => ({ kind, total: Object.values(byHarness).reduce((s, v) => s + v, 0), byHarness }));
  const restarts = data.servingEvents
    .filter((e) => e.kind === 'restart')
    .map((e) => ({ at: e.at, reason: e.reason, durationS: e.durationMs === null ? null : e.durationMs / 1000, trialsDone: e.trialsDone }));
  const crashes = data.servingEvents.filter((e) => e.kind === 'crash').length;
  const canaries = data.servingEvents.filter((e) => e.kind === 'canary').length;
  const pending = { running: countStatus(c, 'running'), interrupted: countStatus(c, 'interrupted') };
  const cellsBelowThree = walls.flatMap((w) => w.cells.filter((c) => c.n < 3).map((c) => ({ harness: c.harness, task: w.task, n: c.n })));

  const lines: string[] = [];
  if (simulated) lines.push(`${SIMULATED_NOTICE} Read the walls and ratios as a test of pairbench itself, never as a harness comparison.`);
  const contention = concurrencyWarning(data.sweep.settings);
  if (contention) lines.push(contention);
  const finished = p.finished;
  const substrate = substrateByKind.reduce((s, k) => s + k.total, 0);
  lines.push(
    substrate === 0
      ? `All ${finished} finished trials reached an agent outcome; no substrate errors.`
      : `${substrate} of ${finished} finished trials ended in a substrate error (${substrateByKind.map((k) => `${k.kind} ${k.total}`).join(', ')}); they are out of every pass-rate denominator and every wall.`,
  );
  if (restarts.length > 0) {
    lines.push(
      `The serving layer restarted ${restarts.length} time${restarts.length === 1 ? '' : 's'}: ${restarts
        .map((r) => `${r.reason ?? 'no reason given'}${r.durationS === null ? '' : ` (took ${seconds(r.durationS)})`}`)
        .join('; ')}.`,
    );
  } else {
    lines.push('The serving layer did not restart during the sweep.');
  }
  if (crashes > 0) lines.push(`The serving layer crashed ${crashes} time${crashes === 1 ? '' : 's'}.`);
  if (canaries > 0) lines.push(`${canaries} canary check${canaries === 1 ? '' : 's'} ran.`);
  lines.push(
    p.paired
      ? 'The sweep was paired: every harness ran every (task, trial index) slot, so intervals resample slots and keep each pair together.'
      : 'The sweep was not paired (some harness missed a slot), so intervals resample each harness on its own.',
  );
  const ns = outcomes.map((o) => o.cleanN);
  if (ns.length > 0) lines.push(`Clean trials per cell: ${Math.min(...ns)} to ${Math.max(...ns)}.`);
  if (cellsBelowThree.length > 0) {
    lines.push(
      `${cellsBelowThree.length} cell${cellsBelowThree.length === 1 ? ' has' : 's have'} fewer than 3 clean trials (${cellsBelowThree
        .map((c) => `${c.harness} on ${c.task}: n=${c.n}`)
        .join('; ')}): enough for direction, not for a tight interval.`,
    );
  }
  const crossing = [
    ...walls.flatMap((w) => w.ratios.filter((r) => r.value.crossesOne).map((r) => `${r.harness} on ${w.task}`)),
    ...run.filter((r) => r.wallRatio?.crossesOne).map((r) => `${r.harness} over the run`),
  ];
  if (crossing.length > 0) lines.push(`Wall-ratio intervals that cross 1× (no settled winner): ${crossing.join('; ')}.`);
  if (pending.running + pending.interrupted > 0) {
    lines.push(
      `Left out of every table: ${pending.running + pending.interrupted} trial${pending.running + pending.interrupted === 1 ? '' : 's'} that did not reach an outcome (${pending.running} running, ${pending.interrupted} interrupted).`,
    );
  }
  if (data.sweep.agentIsolation?.enforced === false) {
    lines.push(`Installed agents' containers were not kept from this host's services (${data.sweep.agentIsolation.detail}): anything listening there on all addresses was within their reach.`);
  }
  for (const a of data.agentLevers) {
    const said = leversLine(a.reached);
    if (said !== null) lines.push(`${a.harness} (an installed agent): ${said}`);
  }
  for (const v of data.variantLevers ?? []) {
    const said = leversAskedApplied(v);
    if (said !== null) lines.push(said);
  }
  if (p.superseded > 0) lines.push(`${p.superseded} clean trial${p.superseded === 1 ? ' was' : 's were'} superseded by a later attempt on the same slot; walls use the latest.`);
  return { substrateByKind, restarts, crashes, canaries, pending, superseded: p.superseded, cellsBelowThree, lines };
}
