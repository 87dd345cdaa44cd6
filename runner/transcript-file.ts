// A trial's transcript: one JSON line an entry, appended whole and in order. The file stays
// open while the trial runs: the recording proxy appends two entries for every model call an
// installed agent makes, on the sweep's main thread, where opening and closing the file for
// each entry cost more than the write. An entry that comes after close (a call cut off as
// its trial ended, recorded once it ends) is still appended, by path.

import { appendFileSync, closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export class TranscriptFile {
  private fd: number | null = null;
  private closed = false;

  constructor(readonly path: string) {}

  append(entry: Record<string, unknown>): void {
    const line = Buffer.from(`${JSON.stringify({ at: new Date().toISOString(), ...entry })}\n`);
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
