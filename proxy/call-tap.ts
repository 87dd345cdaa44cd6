// Reads a response as it streams past on its way to the agent, without holding it up: the
// bytes are already forwarded when they arrive here. Server-sent events go through the same
// accumulator the model client uses, so a proxied turn has the same figures as a built-in
// one; a whole JSON response is read once it has ended. Reading waits until the I/O at hand
// has run (setImmediate), so the bytes leave, and other calls' bytes move, before they are parsed.

import { createParser, type EventSourceParser } from 'eventsource-parser';
import { CallAccumulator, type StreamChunk } from '../serving/client/telemetry.js';

export class CallTap {
  readonly acc = new CallAccumulator();
  private readonly parser: EventSourceParser | null;
  private readonly decoder = new TextDecoder();
  private readonly whole: Buffer[] | null;
  /** When the last event arrived ([DONE], or the end of a whole body). */
  doneAt: number | null = null;
  malformed: string | null = null;

  constructor(streamed: boolean) {
    this.whole = streamed ? null : [];
    this.parser = streamed
      ? createParser({
          onEvent: (ev) => this.onEvent(ev.data),
          onError: (err) => {
            this.malformed ??= `not server-sent events (${err.message})`;
          },
        })
      : null;
  }

  private now = 0;
  private readonly queued: Array<{ bytes: Buffer; at: number } | (() => void)> = [];

  /** Reads `bytes`, which arrived at `now`, once the I/O at hand has run. */
  feed(bytes: Buffer, now: number): void {
    this.later({ bytes, at: now });
  }

  /** Runs `fn` once everything fed so far has been read. */
  then(fn: () => void): void {
    this.later(fn);
  }

  private later(item: { bytes: Buffer; at: number } | (() => void)): void {
    if (this.queued.push(item) === 1) setImmediate(this.drain);
  }

  private readonly drain = (): void => {
    // Items queued while draining are read in this same pass, in order.
    for (let i = 0; i < this.queued.length; i++) {
      const item = this.queued[i]!;
      if (typeof item === 'function') item();
      else this.read(item.bytes, item.at);
    }
    this.queued.length = 0;
  };

  private read(bytes: Buffer, now: number): void {
    this.now = now;
    if (this.whole) this.whole.push(bytes);
    else this.parser!.feed(this.decoder.decode(bytes, { stream: true }));
  }

  end(now: number): void {
    this.now = now;
    if (this.parser) {
      this.parser.feed(this.decoder.decode());
      this.parser.reset({ consume: true });
      return;
    }
    const text = Buffer.concat(this.whole!).toString('utf8');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      this.malformed = 'response body is not JSON';
      return;
    }
    // A whole message read as one chunk: its first token is its last.
    const b = body as { choices?: Array<{ message?: Record<string, unknown>; finish_reason?: unknown }>; usage?: unknown; timings?: unknown };
    const choices = (b.choices ?? []).map((c) => ({ delta: c.message ?? null, finish_reason: c.finish_reason }));
    this.acc.add({ choices, usage: b.usage, timings: b.timings } as StreamChunk, now);
    this.doneAt = now;
  }

  private onEvent(data: string): void {
    if (this.doneAt !== null) return;
    if (data === '[DONE]') {
      this.doneAt = this.now;
      return;
    }
    try {
      const chunk = JSON.parse(data) as StreamChunk;
      if (typeof chunk === 'object' && chunk !== null) this.acc.add(chunk, this.now);
    } catch {
      this.malformed ??= 'a data line is not JSON';
    }
  }
}
