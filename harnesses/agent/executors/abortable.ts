// Waiting that ends early when the agent timeout fires. An engine exec takes no signal, so
// the harness stops waiting on it and lets teardown remove the container.

export const ABORTED = Symbol('aborted');

export function untilAborted(signal: AbortSignal): { promise: Promise<typeof ABORTED>; dispose(): void } {
  let onAbort: () => void = () => undefined;
  const promise = new Promise<typeof ABORTED>((resolve) => {
    onAbort = () => resolve(ABORTED);
    if (signal.aborted) resolve(ABORTED);
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}

/** Resolves to the promise's value, or ABORTED as soon as the signal fires. */
export async function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | typeof ABORTED> {
  const abort = untilAborted(signal);
  try {
    return await Promise.race([promise, abort.promise]);
  } finally {
    abort.dispose();
    promise.catch(() => undefined); // a late rejection after an abort is not ours to report
  }
}

/** Sleeps `ms`, or less if the signal fires; returns the milliseconds actually waited. */
export async function sleep(ms: number, signal: AbortSignal): Promise<number> {
  const start = performance.now();
  if (ms <= 0 || signal.aborted) return 0;
  let timer: NodeJS.Timeout | undefined;
  await raceAbort(
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
    signal,
  );
  clearTimeout(timer);
  return performance.now() - start;
}
