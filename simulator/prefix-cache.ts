// Per-slot prefix cache, as llama-server keeps one KV cache per slot (`-np N`). A request
// takes an idle slot by its prompt (see pick); when all are busy it waits. The cache lives
// in this process's memory, so a restart (new process) empties it.

import { CHARS_PER_TOKEN } from './tokens.js';

export interface Slot {
  readonly id: number;
  /** Rendered text in the slot's KV cache: last prompt plus what was generated. */
  text: string;
  processing: boolean;
  /** When it was last released (a counter); 0 for never. */
  usedAt: number;
}

export interface SlotLease {
  slot: Slot;
  /** Whole tokens of the prompt already in the slot's cache. */
  cachedTokens: number;
}

/** The share of a prompt a slot's cache must cover for the request to choose that slot by prefix. */
const SIMILARITY = 0.5;

function commonPrefixChars(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

export class SlotPool {
  readonly slots: Slot[];
  private readonly waiters: Array<() => void> = [];
  private clock = 0;

  constructor(count: number) {
    this.slots = Array.from({ length: Math.max(1, count) }, (_, id) => ({ id, text: '', processing: false, usedAt: 0 }));
  }

  /**
   * The idle slot whose cache covers at least half the prompt, the longest such; else the
   * least recently used idle slot (llama-server's rule, `--slot-prompt-similarity 0.5`), so a
   * new conversation does not evict a running one while an older slot is free. Null if all
   * are busy.
   */
  pick(prompt: string): SlotLease | null {
    let best: SlotLease | null = null;
    let lru: SlotLease | null = null;
    for (const slot of this.slots) {
      if (slot.processing) continue;
      const cachedTokens = Math.floor(commonPrefixChars(slot.text, prompt) / CHARS_PER_TOKEN);
      if (best === null || cachedTokens > best.cachedTokens) best = { slot, cachedTokens };
      if (lru === null || slot.usedAt < lru.slot.usedAt) lru = { slot, cachedTokens };
    }
    if (best === null) return null;
    const promptTokens = prompt.length / CHARS_PER_TOKEN;
    return best.cachedTokens >= SIMILARITY * promptTokens ? best : lru;
  }

  async acquire(prompt: string): Promise<SlotLease> {
    for (;;) {
      const lease = this.pick(prompt);
      if (lease) {
        lease.slot.processing = true;
        return lease;
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Frees the slot; `text` is what its cache now holds (null leaves it as it was). */
  release(slot: Slot, text: string | null): void {
    if (text !== null) slot.text = text;
    slot.processing = false;
    slot.usedAt = ++this.clock;
    this.waiters.shift()?.();
  }

  cachedTokens(slot: Slot): number {
    return Math.floor(slot.text.length / CHARS_PER_TOKEN);
  }
}
