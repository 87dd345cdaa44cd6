// Trial ids held as one NUL-joined string (reports/trial-ids.ts), and the slot order the trial
// read restores when the rows come in another (reports/trial-columns.ts).

import { describe, expect, it } from 'vitest';
import { TrialIds } from '../../reports/trial-ids.js';
import { slotOrder } from '../../reports/trial-columns.js';
import { PairbenchError } from '../../core/errors.js';

describe('TrialIds', () => {
  it('reads each id by position, and matches one without making a string of it', () => {
    const ids = TrialIds.joined('s/terse/a/0\0s/tmux/a/0\0s/é/😀/1', 3);
    expect(ids.length).toBe(3);
    expect(ids.toArray()).toEqual(['s/terse/a/0', 's/tmux/a/0', 's/é/😀/1']);
    expect(ids.is(1, 's/tmux/a/0')).toBe(true);
    expect(ids.is(1, 's/tmux/a/')).toBe(false); // a prefix is not the id
    expect(ids.is(0, 's/terse/a/0\0s')).toBe(false);
    expect(ids.is(2, 's/é/😀/1')).toBe(true);
  });

  it('joins lists so positions run on, skipping empty ones', () => {
    const all = TrialIds.concat([TrialIds.of(['a', 'b']), TrialIds.of([]), TrialIds.of(['c'])]);
    expect(all.toArray()).toEqual(['a', 'b', 'c']);
    expect(all.is(2, 'c')).toBe(true);
    expect(TrialIds.of([]).length).toBe(0);
    expect(TrialIds.of(['']).toArray()).toEqual(['']);
    expect(TrialIds.of(['a', 'b', 'c']).permuted(Int32Array.from([2, 0, 1])).toArray()).toEqual(['c', 'a', 'b']);
  });

  it('refuses a text that does not split into exactly the ids counted', () => {
    // An id holding NUL, as no pairbench store holds: one more separator than ids.
    expect(() => TrialIds.joined('a\0b\0c', 2)).toThrow(PairbenchError);
    expect(() => TrialIds.joined('a', 2)).toThrow(/NUL character/);
    expect(() => TrialIds.joined('a', 0)).toThrow(PairbenchError);
  });
});

it('puts rows in slot order, NULL slots first, then by rowid', () => {
  const slots = Float64Array.from([5, -Infinity, 5, 2, -Infinity]);
  const rowids = Float64Array.from([9, 7, 3, 1, 2]);
  expect(Array.from(slotOrder(slots, rowids))).toEqual([4, 1, 3, 2, 0]);
});
