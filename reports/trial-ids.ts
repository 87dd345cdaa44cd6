// A sweep's trial ids, by position, held as one string (SQL's group_concat of them, NUL apart)
// with where each starts. Kept as 100,000 strings apart, they are objects the heap copies from
// its young generation and grows its old one for; reading them so cost more than the rows.

import { ERROR_CODES, PairbenchError } from '../core/errors.js';

const SEP = '\0';

export class TrialIds {
  /** `starts[i]` is where id i begins in `text`; `starts[length]` is one past the end (plus the separator). */
  private constructor(
    private readonly text: string,
    private readonly starts: Int32Array,
  ) {}

  get length(): number {
    return this.starts.length - 1;
  }

  /** Exactly `count` ids joined by NUL, as `group_concat(id, char(0))` gives them. */
  static joined(text: string, count: number): TrialIds {
    const starts = new Int32Array(count + 1);
    let at = 0;
    let whole = true;
    for (let i = 0; i < count; i++) {
      starts[i] = at;
      const end = text.indexOf(SEP, at);
      // Every id but the last ends at a separator; the last ends the text.
      if ((end < 0) !== (i === count - 1)) whole = false;
      at = end < 0 ? text.length + 1 : end + 1;
    }
    starts[count] = at;
    if (!whole || (count === 0 && text.length > 0)) {
      // Only an id holding NUL itself splits so (pairbench never writes one).
      throw new PairbenchError(ERROR_CODES.STORE_CORRUPT, 'a trial id in the store holds a NUL character, so pairbench did not write it: report from an untouched copy of the store.');
    }
    return new TrialIds(text, starts);
  }

  static of(ids: readonly string[]): TrialIds {
    return TrialIds.joined(ids.join(SEP), ids.length);
  }

  /** Several lists as one, in order: positions run on from one list into the next. */
  static concat(lists: readonly TrialIds[]): TrialIds {
    if (lists.length === 1) return lists[0]!;
    const nonEmpty = lists.filter((l) => l.length > 0);
    return TrialIds.joined(nonEmpty.map((l) => l.text).join(SEP), nonEmpty.reduce((n, l) => n + l.length, 0));
  }

  at(i: number): string {
    return this.text.slice(this.starts[i]!, this.starts[i + 1]! - 1);
  }

  /** Whether id i is `id`, without making a string of it. */
  is(i: number, id: string): boolean {
    const from = this.starts[i]!;
    return this.starts[i + 1]! - 1 - from === id.length && this.text.startsWith(id, from);
  }

  /** The ids at `order`, in that order. */
  permuted(order: Int32Array): TrialIds {
    return TrialIds.of(Array.from(order, (i) => this.at(i)));
  }

  toArray(): string[] {
    return Array.from({ length: this.length }, (_, i) => this.at(i));
  }
}
