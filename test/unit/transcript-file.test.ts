// A trial's transcript file: entries whole and in order, the directory made on the first,
// and an entry after close still appended.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { RawJson } from '../../core/raw-json.js';
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

it('writes a RawJson field as its bytes, on one line, where a value would be serialised again', () => {
  dir = mkdtempSync(join(tmpdir(), 'pairbench-transcript-'));
  const file = new TranscriptFile(join(dir, 'transcript.jsonl'));
  const value = { model: 'm', messages: [{ role: 'user', content: 'two\nlines' }], stream: true };
  // Pretty-printed, as some agents send it: line breaks between tokens, one escaped in a string.
  const bytes = Buffer.from(JSON.stringify(value, null, 2));
  file.append({ type: 'request', turn: 3, body: new RawJson(bytes) });
  file.append({ body: new RawJson(Buffer.from('[1, 2]')), other: new RawJson(Buffer.from('{"a" : 1}')) });
  file.close();
  const lines = readFileSync(file.path, 'utf8').split('\n');
  expect(lines.pop()).toBe('');
  expect(lines).toHaveLength(2);
  const [request, both] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(request).toMatchObject({ type: 'request', turn: 3, body: value });
  // The bytes as given, each line break a space: not the compact form a serialiser writes.
  expect(lines[0]).toContain(bytes.toString('utf8').replace(/\n/g, ' '));
  expect(both).toMatchObject({ body: [1, 2], other: { a: 1 } });
  expect(lines[1]).toContain('"other":{"a" : 1}');
  // Whatever else stringifies the entry gets the value.
  expect(JSON.parse(JSON.stringify({ body: new RawJson(bytes) }))).toEqual({ body: value });
});
