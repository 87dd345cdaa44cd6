// Ctrl-C for a sweep: the first request stops scheduling and gives running trials a grace
// period to finish; when it runs out, or on a second request, running trials are aborted
// (each still tears its container down).

export class SweepInterrupt {
  #stopping = false;
  readonly #abort = new AbortController();
  readonly #stop = new AbortController();
  #timer: NodeJS.Timeout | null = null;
  /** The first signal that asked to stop, for the exit code (130 for SIGINT, 143 for SIGTERM). */
  signal: NodeJS.Signals | null = null;
  readonly #listeners: ((kind: 'stop' | 'abort') => void)[] = [];

  /** Scheduling has stopped; no new trial starts. */
  get stopping(): boolean {
    return this.#stopping;
  }

  /** Fires at the first request: waits that run no trial (serving start-up) end at once. */
  get stopSignal(): AbortSignal {
    return this.#stop.signal;
  }

  /** Fires when running trials must be torn down now. */
  get abortSignal(): AbortSignal {
    return this.#abort.signal;
  }

  onChange(listener: (kind: 'stop' | 'abort') => void): void {
    this.#listeners.push(listener);
  }

  /** First call: stop, and abort after graceMs. Any later call: abort now. */
  request(graceMs: number): void {
    if (!this.#stopping) {
      this.#stopping = true;
      this.#stop.abort(new Error('sweep interrupted'));
      for (const l of this.#listeners) l('stop');
      this.#timer = setTimeout(() => this.abortNow(), graceMs);
      this.#timer.unref();
      return;
    }
    this.abortNow();
  }

  abortNow(): void {
    this.#stopping = true;
    if (!this.#stop.signal.aborted) this.#stop.abort(new Error('sweep interrupted'));
    if (this.#abort.signal.aborted) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#abort.abort(new Error('sweep interrupted'));
    for (const l of this.#listeners) l('abort');
  }

  dispose(): void {
    if (this.#timer) clearTimeout(this.#timer);
  }
}

/** Routes SIGINT and SIGTERM to the interrupt; returns the function that unhooks them. */
export function onInterruptSignals(interrupt: SweepInterrupt, graceMs: number): () => void {
  const handler = (signal: NodeJS.Signals): void => {
    interrupt.signal ??= signal;
    interrupt.request(graceMs);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
