// A small ustar writer and reader: the engine API moves files in and out of containers as
// tar archives (build contexts, copyIn, readFile). Task directories are small, so archives
// are built in memory. Long paths use PAX headers; ownership is root so files land as root.

import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';

const BLOCK = 512;

/** Every entry under `dir`, sorted, as paths relative to it (POSIX separators). */
export async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(rel: string): Promise<void> {
    // The directory entry says whether it is a directory (a symlink is not followed), so
    // no lstat is spent per entry here; the callers lstat each entry for its own reasons.
    const entries = await readdir(path.join(dir, rel), { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)); // as Array#sort orders strings
    for (const e of entries) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      out.push(r);
      if (e.isDirectory()) await walk(r);
    }
  }
  await walk('');
  return out;
}

/**
 * Packs the contents of `dir` (not `dir` itself) as a tar archive, each name under `prefix`
 * (e.g. `tests/`). No entries are written for the prefix's own directories, so extracting
 * at `/` creates missing ones and leaves existing ones (and their modes) alone.
 */
export async function packDirectory(dir: string, prefix = ''): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (const rel of await listTree(dir)) {
    const abs = path.join(dir, rel);
    const st = await lstat(abs);
    const mode = st.mode & 0o7777;
    const mtime = Math.floor(st.mtimeMs / 1000);
    if (st.isDirectory()) chunks.push(...entry(`${prefix}${rel}/`, '5', mode, mtime, Buffer.alloc(0)));
    else if (st.isSymbolicLink()) chunks.push(...entry(prefix + rel, '2', mode, mtime, Buffer.alloc(0), await readlink(abs)));
    else if (st.isFile()) chunks.push(...entry(prefix + rel, '0', mode, mtime, await readFile(abs)));
    // sockets, fifos and devices have no place in a task directory: skipped
  }
  chunks.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(chunks);
}

/**
 * Packs the contents of `dir` so that extracting the archive at `/`, as the engine's upload
 * and the stdin copy both do, lands them in the absolute `containerDir`.
 */
export async function packDirectoryAt(dir: string, containerDir: string): Promise<Buffer> {
  if (!containerDir.startsWith('/')) throw new Error(`container path ${containerDir} is not absolute`);
  const prefix = path.posix.normalize(containerDir).replace(/^\/+/, '').replace(/\/*$/, '/');
  return packDirectory(dir, prefix === '/' ? '' : prefix);
}

/** Packs one in-memory file, for writing a single file into a container. */
export function packFile(name: string, data: Buffer, mode = 0o644): Buffer {
  return Buffer.concat([...entry(name, '0', mode, Math.floor(Date.now() / 1000), data), Buffer.alloc(BLOCK * 2)]);
}

function entry(name: string, type: string, mode: number, mtime: number, data: Buffer, linkname = ''): Buffer[] {
  const out: Buffer[] = [];
  const needsPax = Buffer.byteLength(name) > 100 || Buffer.byteLength(linkname) > 100;
  if (needsPax) {
    const records = [paxRecord('path', name)];
    if (linkname) records.push(paxRecord('linkpath', linkname));
    const body = Buffer.from(records.join(''));
    out.push(header('././@PaxHeader', 'x', 0o644, mtime, body.length, ''), body, padding(body.length));
  }
  out.push(header(truncateUtf8(name, 100), type, mode, mtime, data.length, truncateUtf8(linkname, 100)));
  if (data.length > 0) out.push(data, padding(data.length));
  return out;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyLen = Buffer.byteLength(body);
  let len = bodyLen + 1;
  while (String(len).length + bodyLen !== len) len = String(len).length + bodyLen; // the length counts its own digits
  return `${len}${body}`;
}

function header(name: string, type: string, mode: number, mtime: number, size: number, linkname: string): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  octal(h, 100, 8, mode);
  octal(h, 108, 8, 0); // uid
  octal(h, 116, 8, 0); // gid
  octal(h, 124, 12, size);
  octal(h, 136, 12, mtime);
  h.fill(' ', 148, 156); // checksum is computed over spaces
  h.write(type, 156, 1, 'ascii');
  h.write(linkname, 157, 100, 'utf8');
  h.write('ustar\u000000', 257, 8, 'ascii');
  h.write('root', 265, 32, 'ascii');
  h.write('root', 297, 32, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'ascii');
  return h;
}

function octal(h: Buffer, offset: number, width: number, value: number): void {
  h.write(`${value.toString(8).padStart(width - 1, '0')}\u0000`, offset, width, 'ascii');
}

function padding(len: number): Buffer {
  const rest = len % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

function truncateUtf8(s: string, max: number): string {
  const b = Buffer.from(s);
  return b.length <= max ? s : b.subarray(0, max).toString('utf8');
}

export interface TarEntry {
  name: string;
  type: 'file' | 'directory' | 'symlink' | 'other';
  linkname: string;
  data: Buffer;
}

/** Reads a whole (small) archive. Understands ustar, PAX `path`/`linkpath`, GNU long names. */
export function unpack(archive: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let pending: { path?: string; linkpath?: string } = {};
  while (offset + BLOCK <= archive.length) {
    const h = archive.subarray(offset, offset + BLOCK);
    if (h.every((b) => b === 0)) break;
    const size = parseOctal(h.subarray(124, 136));
    const typeflag = String.fromCharCode(h[156] ?? 0x30);
    const body = archive.subarray(offset + BLOCK, offset + BLOCK + size);
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (typeflag === 'x') {
      pending = { ...pending, ...parsePax(body) };
      continue;
    }
    if (typeflag === 'L') {
      pending.path = cstring(body);
      continue;
    }
    if (typeflag === 'K') {
      pending.linkpath = cstring(body);
      continue;
    }
    const prefix = cstring(h.subarray(345, 500));
    const baseName = cstring(h.subarray(0, 100));
    const name = pending.path ?? (prefix ? `${prefix}/${baseName}` : baseName);
    const linkname = pending.linkpath ?? cstring(h.subarray(157, 257));
    pending = {};
    const type = typeflag === '0' || typeflag === '\u0000' ? 'file' : typeflag === '5' ? 'directory' : typeflag === '2' ? 'symlink' : 'other';
    entries.push({ name, type, linkname, data: Buffer.from(body) });
  }
  return entries;
}

export interface FirstEntry {
  type: 'file' | 'directory' | 'symlink' | 'fifo' | 'device' | 'other';
  size: number;
  linkname: string;
  /** The file's bytes; null when it is larger than the cap (they were never read). */
  data: Buffer | null;
}

const KIND: Record<string, FirstEntry['type']> = { '0': 'file', '\u0000': 'file', '5': 'directory', '2': 'symlink', '6': 'fifo', '3': 'device', '4': 'device' };
/** PAX and GNU long-name records are a few paths long; anything bigger is not one. */
const MAX_META_BYTES = 64 * 1024;

/**
 * Reads only the first entry of an archive stream (the engine's answer for one path), and
 * of a file at most `maxBytes`: the stream is dropped as soon as the header says more, so
 * a huge file costs nothing. Null for an empty archive.
 */
export async function readFirstEntry(stream: NodeJS.ReadableStream, maxBytes: number): Promise<FirstEntry | null> {
  const chunks: Buffer[] = [];
  let have = 0;
  const iterator = stream[Symbol.asyncIterator]();
  const take = async (n: number): Promise<Buffer | null> => {
    while (have < n) {
      const next = await iterator.next();
      if (next.done) return null;
      const c = typeof next.value === 'string' ? Buffer.from(next.value) : (next.value as Buffer);
      chunks.push(c);
      have += c.length;
    }
    const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, have);
    chunks.length = 0;
    if (all.length > n) chunks.push(all.subarray(n));
    have = all.length - n;
    return all.subarray(0, n);
  };
  try {
    let pending: { path?: string; linkpath?: string } = {};
    for (;;) {
      const h = await take(BLOCK);
      if (h === null || h.every((b) => b === 0)) return null;
      const size = parseOctal(h.subarray(124, 136));
      const typeflag = String.fromCharCode(h[156] ?? 0x30);
      const padded = Math.ceil(size / BLOCK) * BLOCK;
      if (typeflag === 'x' || typeflag === 'L' || typeflag === 'K') {
        if (size > MAX_META_BYTES) throw new Error(`a tar metadata record of ${size} bytes`);
        const body = await take(padded);
        if (body === null) throw new Error('the archive ends inside a metadata record');
        if (typeflag === 'x') pending = { ...pending, ...parsePax(body.subarray(0, size)) };
        else if (typeflag === 'L') pending.path = cstring(body.subarray(0, size));
        else pending.linkpath = cstring(body.subarray(0, size));
        continue;
      }
      const type = KIND[typeflag] ?? 'other';
      const linkname = pending.linkpath ?? cstring(h.subarray(157, 257));
      if (type !== 'file') return { type, size, linkname, data: null };
      if (size > maxBytes) return { type, size, linkname, data: null };
      const body = await take(size);
      if (body === null) throw new Error('the archive ends inside the file');
      return { type, size, linkname, data: Buffer.from(body) };
    }
  } finally {
    // Whatever follows (the rest of a large file, the end blocks) is never needed.
    (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
  }
}

function parsePax(body: Buffer): { path?: string; linkpath?: string } {
  const out: { path?: string; linkpath?: string } = {};
  let i = 0;
  while (i < body.length) {
    const space = body.indexOf(0x20, i);
    if (space < 0) break;
    const len = Number(body.subarray(i, space).toString('ascii'));
    if (!Number.isFinite(len) || len <= 0) break;
    const rec = body.subarray(space + 1, i + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    const key = rec.slice(0, eq);
    if (key === 'path' || key === 'linkpath') out[key] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

function parseOctal(b: Buffer): number {
  if ((b[0] ?? 0) & 0x80) {
    // base-256 encoding, used for sizes over 8 GiB
    let n = 0;
    for (let i = 1; i < b.length; i++) n = n * 256 + (b[i] ?? 0);
    return n;
  }
  const s = cstring(b).trim();
  return s === '' ? 0 : parseInt(s, 8);
}

function cstring(b: Buffer): string {
  const nul = b.indexOf(0);
  return b.subarray(0, nul < 0 ? b.length : nul).toString('utf8');
}
