// A trial's transcript file: entries whole and in order, the directory made on the first,
// and an entry after close still appended.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { TranscriptFile } from '../../runner/transcript-file.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('appends each entry as one JSON line, in order, and one that comes after close as well', () => {
  dir = mkdtempSync(join(tmpdir(), 'pairbench-transcript-'));
  const file = new TranscriptFile(join(dir, 'trial', 'transcript.jsonl'));
  const big = 'x'.repeat(200_000);
  file.append({ type: 'request', turn: 0, body: big });
  file.append({ type: 'reply', turn: 0 });
  file.close();
  file.append({ type: 'reply', turn: 1, late: true });
  const lines = readFileSync(file.path, 'utf8').split('\n');
  expect(lines.pop()).toBe('');
  const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(entries.map((e) => [e.type, e.turn])).toEqual([['request', 0], ['reply', 0], ['reply', 1]]);
  expect(entries[0]!.body).toBe(big);
  expect(entries.every((e) => typeof e.at === 'string')).toBe(true);
});
