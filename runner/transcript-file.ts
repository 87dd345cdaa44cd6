// A trial's transcript: one JSON line an entry, appended whole and in order. The file stays
// open while the trial runs: the recording proxy appends two entries for every model call an
// installed agent makes, on the sweep's main thread, where opening and closing the file for
// each entry cost more than the write. An entry that comes after close (a call cut off as
// its trial ended, recorded once it ends) is still appended, by path. A field given as
// RawJson (a request body as forwarded) is written as its bytes, not serialised again.

import { appendFileSync, closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { RawJson } from '../core/raw-json.js';

export class TranscriptFile {
  private fd: number | null = null;
  private closed = false;

  constructor(readonly path: string) {}

  append(entry: Record<string, unknown>): void {
    const line = entryLine({ at: new Date().toISOString(), ...entry });
    if (this.fd === null) mkdirSync(dirname(this.path), { recursive: true });
    if (this.closed) return appendFileSync(this.path, line);
    this.fd ??= openSync(this.path, 'a');
    for (let done = 0; done < line.length; ) done += writeSync(this.fd, line, done);
  }

  close(): void {
    this.closed = true;
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** One JSON line: the entry's fields, RawJson ones last and as their bytes. */
function entryLine(entry: Record<string, unknown>): Buffer {
  const raw = Object.entries(entry).filter((kv): kv is [string, RawJson] => kv[1] instanceof RawJson);
  if (raw.length === 0) return Buffer.from(`${JSON.stringify(entry)}\n`);
  const rest = JSON.stringify(Object.fromEntries(Object.entries(entry).filter(([, v]) => !(v instanceof RawJson))));
  const parts: Buffer[] = [Buffer.from(rest === '{}' ? '{' : `${rest.slice(0, -1)},`)];
  raw.forEach(([key, value], i) => parts.push(Buffer.from(`${i > 0 ? ',' : ''}${JSON.stringify(key)}:`), value.oneLine()));
  parts.push(Buffer.from('}\n'));
  return Buffer.concat(parts);
}
