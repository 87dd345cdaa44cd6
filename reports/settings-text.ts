// The settings a figure depends on, in words: one line per sweep, the warning a concurrent
// sweep needs, and for compare the settings that differ between its two sweeps.

import type { FigureSettings } from './sweep-settings.js';

const UNKNOWN = 'not recorded';

function parts(s: FigureSettings): [label: string, value: string][] {
  const concurrency =
    s.concurrency === null ? UNKNOWN : `${s.concurrency}${s.engines.length > 0 ? ` (${s.engines.map((e) => `${e.ref} ${e.concurrency}`).join(', ')})` : ''}`;
  return [
    ['model', s.model ?? UNKNOWN],
    ['dialect', s.dialect ?? UNKNOWN],
    ['server flags', s.serverFlags.length > 0 ? s.serverFlags.join(', ') : 'none known'],
    ['concurrency', concurrency],
    ['time scale', !s.simulated ? 'real time (not simulated)' : s.timeScale === null ? `${UNKNOWN} (simulated)` : `${s.timeScale} (simulated)`],
    ['restarts', `${s.restarts ?? UNKNOWN}${s.canary ? `; ${s.canary}` : ''}`],
  ];
}

export function settingsLine(s: FigureSettings): string {
  return `Settings: ${parts(s).map(([label, value]) => `${label} ${value}`).join(' · ')}`;
}

/** Empty when the sweep ran one trial at a time. */
export function concurrencyWarning(s: FigureSettings): string | null {
  if (s.concurrency === null || s.concurrency <= 1) return null;
  return (
    `Concurrency ${s.concurrency}: up to ${s.concurrency} trials ran at once against one serving layer and competed for it, ` +
    'so walls and time to first token include that contention; compare them only with sweeps run at the same concurrency.'
  );
}

/** Each setting that differs between two sweeps, as `label: a → b`. */
export function settingsChanges(a: FigureSettings, b: FigureSettings): string[] {
  const pb = new Map(parts(b));
  return parts(a)
    .filter(([label, value]) => pb.get(label) !== value)
    .map(([label, value]) => `${label}: ${value} → ${pb.get(label)!}`);
}
