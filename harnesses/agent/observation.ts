// Cutting command output to the observation budget. The model is told how much was cut, so
// it never mistakes a truncated listing for the whole thing.

const isContinuation = (byte: number | undefined): boolean => byte !== undefined && (byte & 0xc0) === 0x80;

/** Keeps the head and the tail (errors tend to be at the end) and marks the bytes cut between them. */
export function cutToBudget(text: string, maxBytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  const budget = Math.max(0, maxBytes);
  let headEnd = Math.floor(budget / 2);
  let tailStart = buf.length - (budget - headEnd);
  // Never split a UTF-8 sequence.
  while (headEnd > 0 && isContinuation(buf[headEnd])) headEnd--;
  while (tailStart < buf.length && isContinuation(buf[tailStart])) tailStart++;
  const cut = tailStart - headEnd;
  return `${buf.subarray(0, headEnd).toString('utf8')}\n[... ${cut} bytes cut: output was ${buf.length} bytes, budget ${budget} ...]\n${buf.subarray(tailStart).toString('utf8')}`;
}
