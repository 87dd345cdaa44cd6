// Numbers for people: seconds with sensible precision, ratios like 4.4×, intervals [3.1×, 6.0×].
// Every renderer for humans (markdown, html) formats through here, so they agree.

import type { Interval } from './bootstrap.js';

export const DASH = '–';

export function seconds(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return DASH;
  const a = Math.abs(s);
  if (a === 0) return '0 s';
  if (a < 1) return `${s.toFixed(2)} s`;
  if (a < 10) return `${s.toFixed(1)} s`;
  if (a < 10_000) return `${Math.round(s)} s`;
  return `${count(Math.round(s))} s`;
}

export function millis(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return DASH;
  if (Math.abs(ms) < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

export function ratio(r: number | null): string {
  if (r === null || !Number.isFinite(r)) return DASH;
  if (r >= 9.95) return `${Math.round(r)}×`;
  if (r >= 0.995) return `${r.toFixed(1)}×`; // 0.999 reads as 1.0×, not 1.00×
  return `${r.toFixed(2)}×`;
}

export function interval(ci: Interval | null): string {
  return ci === null ? DASH : `[${ratio(ci[0])}, ${ratio(ci[1])}]`;
}

export function ratioWithInterval(r: number | null, ci: Interval | null): string {
  if (r === null) return DASH;
  return ci === null ? ratio(r) : `${ratio(r)} ${interval(ci)}`;
}

export function percent(x: number | null, digits = 0): string {
  if (x === null || !Number.isFinite(x)) return DASH;
  return `${(x * 100).toFixed(digits)}%`;
}

/** Two significant digits: 0.024, 0.0037, 1.2. */
export function rate(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return DASH;
  if (x === 0) return '0';
  return x >= 100 ? String(Math.round(x)) : String(Number(x.toPrecision(2)));
}

export function tokensPerSecond(x: number | null): string {
  return x === null || !Number.isFinite(x) ? DASH : `${x.toFixed(1)} tok/s`;
}

/**
 * An integer with thousands separators, as toLocaleString('en-US') writes it, without loading
 * Intl's number formatting (its first use costs more than the rest of a report's formatting).
 */
export function count(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString('en-US');
  const digits = String(Math.abs(n));
  let out = digits.slice(0, ((digits.length - 1) % 3) + 1);
  for (let i = out.length; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`;
  return n < 0 || Object.is(n, -0) ? `-${out}` : out;
}
