// Report -> tables of formatted cells, shared by the markdown and HTML renderers so the
// two always show the same figures.

import { DEPTH_BUCKETS, WALL_PARTS, type Report, type WallPart } from './model.js';
import { count, DASH, millis, percent, rate, ratio, ratioWithInterval, seconds, tokensPerSecond } from './format.js';
import type { Comparison } from './compare.js';

export interface TableData {
  header: string[];
  rows: string[][];
  /** Said instead of the table when there are no rows. */
  empty?: string;
}

/** A titled table and the sentence to read it by: both renderers draw the same list. */
export interface Section {
  title: string;
  lead?: string;
  table: TableData;
  /** The HTML chart drawn under this table. */
  chart?: 'walls' | 'depth' | 'turns';
}

const td = (header: string[], rows: string[][]): TableData => ({ header, rows });
const empty = (message: string): TableData => ({ header: [], rows: [], empty: message });

const PART_LABEL: Record<WallPart, string> = {
  ttft: 'model: TTFT',
  decode: 'model: decode',
  exec: 'commands',
  wait: 'harness waiting',
  agent: "agent's own",
  setup: 'container set-up',
  verify: 'verification',
  other: 'other',
};

export function sweepLine(r: Report): string {
  const s = r.sweep;
  const bits = [
    `created ${s.createdAt}`,
    `status ${s.status}`,
    `serving ${s.servingKind ?? 'unknown'}${r.simulated && s.servingKind !== 'simulated' ? ' (simulated)' : ''}`,
  ];
  if (s.gitCommit) bits.push(`commit ${s.gitCommit.slice(0, 12)}${s.gitDirty ? ' (dirty)' : ''}`);
  if (s.host) bits.push(`host ${s.host}`);
  if (s.pairbenchVersion) bits.push(`pairbench ${s.pairbenchVersion}`);
  if (s.forcedOffline) bits.push('network none (every container offline)');
  return bits.join(' · ');
}

/** The header line a `--network none` sweep carries: its figures are from offline containers only. */
export const FORCED_OFFLINE_LINE =
  'Network: none. This sweep ran with --network none: every container of every trial was offline, whatever its task allows.';

/** Lines under the sweep line that qualify every figure below them. */
export function conditionLines(r: Report): string[] {
  return r.sweep.forcedOffline ? [FORCED_OFFLINE_LINE] : [];
}

export function methodLine(r: Report): string {
  return (
    `Baseline: **${r.baseline}**. Ratios are harness ÷ baseline (a wall ratio above 1× means slower than the baseline; ` +
    `a passes-per-wall-second ratio above 1× means more passes per second). ` +
    `Intervals: 95%, seeded bootstrap (seed ${r.bootstrap.seed}, ${count(r.bootstrap.resamples)} resamples, ` +
    `${r.bootstrap.method === 'paired-slots' ? 'resampling (task, trial index) slots so pairs stay together' : 'resampling each harness independently'}, stratified by task). ` +
    `Clean trials: no substrate error.`
  );
}

function outcomesRows(r: Report): TableData {
  return td(
    ['harness', 'task', 'n', 'pass rate', 'passes', 'agent failures', 'of which harness errors', 'substrate errors', 'mean wall (clean)'],
    r.outcomes.map((o) => [
      o.harness,
      o.task,
      String(o.trials),
      percent(o.passRate),
      String(o.passes),
      String(o.agentFailures),
      String(o.harnessErrors),
      String(o.substrateErrors),
      o.cleanN === 0 ? DASH : `${seconds(o.meanWallS)} (n=${o.cleanN})`,
    ]),
  );
}

function wallsRows(r: Report): TableData {
  const others = r.harnesses.slice(1);
  return td(
    ['task', ...r.harnesses.map((h) => `${h} mean wall (n)`), ...others.map((h) => `${h} ÷ ${r.baseline} [95% CI]`), 'notes'],
    r.walls.map((w) => [
      w.task,
      ...w.cells.map((c) => (c.n === 0 ? `${DASH} (n=0)` : `${seconds(c.meanWallS)} (n=${c.n})`)),
      ...w.ratios.map((x) => ratioWithInterval(x.value.ratio, x.value.ci)),
      w.notes.join('; '),
    ]),
  );
}

function runRows(r: Report): TableData {
  return td(
    ['harness', 'trials', 'passes', 'pass rate', 'substrate errors', 'mean wall (clean)', 'passes per wall-s', 'passes/wall-s ratio [95% CI]', 'wall ratio [95% CI]', 'notes'],
    r.run.map((x) => [
      x.harness === r.baseline ? `${x.harness} (baseline)` : x.harness,
      String(x.trials),
      String(x.passes),
      percent(x.passRate),
      String(x.substrateErrors),
      x.cleanN === 0 ? DASH : `${seconds(x.meanWallS)} (n=${x.cleanN})`,
      rate(x.passesPerWallS),
      x.ppsRatio === null ? '1×' : ratioWithInterval(x.ppsRatio.ratio, x.ppsRatio.ci),
      x.wallRatio === null ? '1×' : ratioWithInterval(x.wallRatio.ratio, x.wallRatio.ci),
      x.notes.join('; '),
    ]),
  );
}

function depthRows(r: Report): TableData {
  if (r.turns.buckets.length === 0) return empty('No turns with prompt-token counts were recorded.');
  return td(
    ['input tokens', ...r.harnesses.flatMap((h) => [`${h} median TTFT (n)`, `${h} median decode`])],
    r.turns.buckets.map((b) => [
      b.bucket,
      ...b.cells.flatMap((c) => [c.ttftN === 0 ? DASH : `${millis(c.medianTtftMs)} (n=${count(c.ttftN)})`, tokensPerSecond(c.medianDecodeTps)]),
    ]),
  );
}

function byTurnRows(r: Report): TableData {
  if (r.turns.byTurn.length === 0) return empty('No turns with a first-token time were recorded.');
  return td(
    ['turn', ...r.harnesses.map((h) => `${h} median TTFT (n)`)],
    r.turns.byTurn.map((t) => [String(t.turnIndex), ...t.cells.map((c) => (c.n === 0 ? DASH : `${millis(c.medianTtftMs)} (n=${count(c.n)})`))]),
  );
}

function cacheRows(r: Report): TableData {
  return td(
    ['harness', 'turns', 'prompt tokens', 'cached tokens', 'served from cache'],
    r.turns.cache.map((c) => [c.harness, count(c.turns), count(c.promptTokens), count(c.cachedTokens), percent(c.share, 1)]),
  );
}

function breakdownRows(r: Report): TableData {
  return td(
    ['harness', 'clean n', 'wall per trial', ...WALL_PARTS.map((p) => PART_LABEL[p])],
    r.breakdown.map((b) => [
      b.harness,
      String(b.cleanN),
      seconds(b.wallPerTrialS),
      ...WALL_PARTS.map((p) => (b.perTrialS[p] === null ? DASH : `${seconds(b.perTrialS[p])} (${percent(b.shares[p])})`)),
    ]),
  );
}

export function reportSections(r: Report): Section[] {
  return [
    { title: 'Outcomes per harness and task', table: outcomesRows(r) },
    { title: 'Clean-trial walls per task', table: wallsRows(r), chart: 'walls' },
    { title: 'The run as a whole', table: runRows(r) },
    {
      title: 'Time to first token and decode by input depth',
      lead: `Median per bucket of prompt tokens (${DEPTH_BUCKETS.map((b) => b.label).join(', ')}), over the turns of clean trials (the attempts the wall tables count).`,
      table: depthRows(r),
      chart: 'depth',
    },
    { title: 'Time to first token by turn', table: byTurnRows(r), chart: 'turns' },
    { title: 'Prompt tokens served from cache', table: cacheRows(r) },
    {
      title: 'Where the wall goes',
      lead:
        'Seconds per clean trial and share of wall. Model time is the sum of turn model times (TTFT, then decode). ' +
        "For an installed agent, \"agent's own\" is the rest of its run: its tools, its start-up, its overhead (pairbench sees its model calls, not its commands). " +
        '"Other" is the wall left over.',
      table: breakdownRows(r),
    },
  ];
}

/** The honest read's tables, each after the line that introduces it; only those with rows. */
export function honestTables(r: Report): { lead: string; table: TableData }[] {
  const h = r.honest;
  const out: { lead: string; table: TableData }[] = [];
  if (h.substrateByKind.length > 0) {
    out.push({
      lead: 'Substrate errors by kind:',
      table: td(['kind', 'total', ...r.harnesses], h.substrateByKind.map((k) => [k.kind, String(k.total), ...r.harnesses.map((x) => String(k.byHarness[x] ?? 0))])),
    });
  }
  if (h.restarts.length > 0) {
    out.push({
      lead: 'Serving restarts:',
      table: td(
        ['at', 'reason', 'took', 'after trials'],
        h.restarts.map((x) => [x.at, x.reason ?? DASH, seconds(x.durationS), x.trialsDone === null ? DASH : String(x.trialsDone)]),
      ),
    });
  }
  return out;
}

export function compareMethodLine(c: Comparison): string {
  return (
    `Changes are b ÷ a (a wall change below 1× means b is faster). Intervals: 95%, seeded bootstrap (seed ${c.bootstrap.seed}, ` +
    `${count(c.bootstrap.resamples)} resamples, each sweep resampled on its own, stratified by task). Clean trials only.`
  );
}

function compareWallsRows(c: Comparison): TableData {
  const a = c.a.sweep.id;
  const b = c.b.sweep.id;
  return td(
    ['task', 'harness', `${a} mean wall (n)`, `${b} mean wall (n)`, 'change [95% CI]', 'notes'],
    c.walls.map((w) => [
      w.task,
      w.harness,
      w.a ? `${seconds(w.a.meanWallS)} (n=${w.a.n})` : DASH,
      w.b ? `${seconds(w.b.meanWallS)} (n=${w.b.n})` : DASH,
      ratioWithInterval(w.change.ratio, w.change.ci),
      w.notes.join('; '),
    ]),
  );
}

function compareRunRows(c: Comparison): TableData {
  const a = c.a.sweep.id;
  const b = c.b.sweep.id;
  const signed = (x: number | null): string => (x === null ? DASH : `${x >= 0 ? '+' : ''}${x.toFixed(0)} pts`);
  const side = (r: Comparison['run'][number]['a']): string =>
    r ? `${percent(r.passRate)} (${r.passes}/${r.trials - r.substrateErrors}, ${r.substrateErrors} substrate)` : DASH;
  return td(
    ['harness', `${a} pass rate`, `${b} pass rate`, 'pass-rate change', `${a} passes per wall-s`, `${b} passes per wall-s`, 'passes/wall-s change [95% CI]', 'mean wall change [95% CI]'],
    c.run.map((r) => [
      r.harness,
      side(r.a),
      side(r.b),
      signed(r.passRateChange),
      rate(r.a?.passesPerWallS ?? null),
      rate(r.b?.passesPerWallS ?? null),
      ratioWithInterval(r.ppsChange.ratio, r.ppsChange.ci),
      ratioWithInterval(r.wallChange.ratio, r.wallChange.ci),
    ]),
  );
}

function compareDepthRows(c: Comparison): TableData {
  const a = c.a.sweep.id;
  const b = c.b.sweep.id;
  if (c.depth.length === 0) return empty('No turns with prompt-token counts in either sweep.');
  return td(
    ['input tokens', 'harness', `${a} median TTFT`, `${b} median TTFT`, 'TTFT change', `${a} median decode`, `${b} median decode`, 'decode change'],
    c.depth.map((d) => [
      d.bucket,
      d.harness,
      millis(d.aMedianTtftMs),
      millis(d.bMedianTtftMs),
      ratio(d.ttftChange),
      tokensPerSecond(d.aMedianDecodeTps),
      tokensPerSecond(d.bMedianDecodeTps),
      ratio(d.decodeChange),
    ]),
  );
}

function compareCacheRows(c: Comparison): TableData {
  return td(['harness', `${c.a.sweep.id} served from cache`, `${c.b.sweep.id} served from cache`], c.cache.map((x) => [x.harness, percent(x.aShare, 1), percent(x.bShare, 1)]));
}

export function compareSections(c: Comparison): Section[] {
  return [
    { title: 'Clean-trial walls per task', table: compareWallsRows(c) },
    { title: 'The run as a whole', table: compareRunRows(c) },
    { title: 'Time to first token and decode by input depth', table: compareDepthRows(c) },
    { title: 'Prompt tokens served from cache', table: compareCacheRows(c) },
  ];
}
