// What changed on a terminal since the last look, from two captures of its whole history.

function lines(capture: string): string[] {
  const out = capture.split('\n').map((l) => l.trimEnd());
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

/**
 * The new part of the screen: from the line the cursor was on last time (the prompt, now
 * with the typed command) to the end. When the old history is no longer a prefix (cleared
 * screen, history limit), the last `screenRows` lines instead.
 */
export function screenDiff(previous: string, current: string, screenRows = 50): string {
  const before = lines(previous);
  const now = lines(current);
  const keep = Math.max(0, before.length - 1);
  const samePrefix = now.length >= before.length && before.slice(0, keep).every((l, i) => now[i] === l);
  const fresh = samePrefix ? now.slice(keep) : now.slice(-screenRows);
  return fresh.join('\n');
}
