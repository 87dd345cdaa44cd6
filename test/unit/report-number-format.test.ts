// Counts are written with thousands separators without Intl; they must read exactly as
// toLocaleString('en-US') writes them, or every report's tables would change.

import { expect, it } from 'vitest';
import { count, seconds } from '../../reports/format.js';

it('writes counts and long walls exactly as toLocaleString en-US does', () => {
  const values = [0, -0, 1, 9, 10, 99, 100, 999, 1000, 1001, 9999, 10_000, 65_535, 100_000, 999_999, 1_000_000, 1_071_464, 59_303_852_422, -1, -1234, -1_234_567, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 1.5, 1234.5678, 2 ** 60];
  for (const v of values) expect(count(v), String(v)).toBe(v.toLocaleString('en-US'));
  for (const s of [10_000, 12_345.4, 1_234_567.5, -98_765.2]) expect(seconds(s)).toBe(`${Math.round(s).toLocaleString('en-US')} s`);
});
