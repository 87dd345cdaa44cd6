// What every benchmark shares: run pairbench and its floor interleaved (A/B, then B/A, each
// round), take medians, and print pairbench as a ratio to the floor measured beside it. An
// absolute figure does not survive a move to another machine or a busy neighbour; a ratio to a
// floor measured in the same minutes does. Milliseconds are printed as context only.

import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from '../../reports/stats.js';

/** The checkout root (this file runs from dist/scripts/support/). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** One timed thing: resolves to its milliseconds (so an arm may time only part of its work). */
export type Measure = () => Promise<number>;

export interface Pair {
  /** What pairbench does. */
  subject: Measure;
  /** The floor it is held to, measured beside it. */
  floor: Measure;
}

export interface Samples {
  subject: number[];
  floor: number[];
}

/**
 * Runs each pair's subject and floor `rounds` times, alternating which goes first, after
 * `warmup` untimed rounds (disk cache, module graph). Medians of interleaved runs are what the
 * ratio is taken from: a busy minute lands on both sides.
 */
export async function interleave(pair: Pair, rounds: number, warmup = 1): Promise<Samples> {
  for (let i = 0; i < warmup; i++) {
    await pair.floor();
    await pair.subject();
  }
  const out: Samples = { subject: [], floor: [] };
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      out.subject.push(await pair.subject());
      out.floor.push(await pair.floor());
    } else {
      out.floor.push(await pair.floor());
      out.subject.push(await pair.subject());
    }
  }
  return out;
}

/** Times a function. */
export function timed(run: () => Promise<unknown> | unknown): Measure {
  return async () => {
    const t0 = performance.now();
    await run();
    return performance.now() - t0;
  };
}

/**
 * Times a child process from spawn to exit; its stdout is checked by `expect` (a failed run
 * must never count as a fast one). Output is drained, not kept, beyond what `expect` needs.
 */
export function timedProcess(command: string, args: string[], expect: (stdout: string) => boolean = () => true, env?: NodeJS.ProcessEnv): Measure {
  return () =>
    new Promise((resolve, reject) => {
      const t0 = performance.now();
      const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.once('error', reject);
      child.once('close', (code) => {
        const ms = performance.now() - t0;
        const stdout = Buffer.concat(out).toString('utf8');
        if (code !== 0 || !expect(stdout)) {
          reject(new Error(`${command} ${args.join(' ')} failed (exit ${code}):\n${Buffer.concat(err).toString('utf8').slice(0, 2000)}`));
          return;
        }
        resolve(ms);
      });
    });
}

/** Bare Node start-up: the floor for every command's start-up. */
export const nodeStartFloor = (): Measure => timedProcess(process.execPath, ['-e', '0']);

/**
 * `bin/pairbench.js ...args` as a user's `pairbench` runs it (its launcher included), checked
 * to exit 0. The launcher runs the first `node` on PATH: this one's, as the floor's.
 */
export const pairbenchProcess = (args: string[], expect?: (stdout: string) => boolean): Measure =>
  timedProcess(path.join(ROOT, 'bin/pairbench.js'), args, expect, { ...process.env, PATH: [path.dirname(process.execPath), process.env.PATH].filter(Boolean).join(path.delimiter) });

/**
 * The `sqlite3` command line running `sql` on `db`: the floor for what reads a store. Debian's
 * `sqlite3` is installed when missing (root on Debian; elsewhere the message says what to do).
 */
export function sqliteFloor(db: string, sql: string): Measure {
  ensureCommand('sqlite3', 'sqlite3');
  return timedProcess('sqlite3', ['-readonly', db, sql]);
}

function ensureCommand(command: string, debianPackage: string): void {
  if (spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0) return;
  const r = spawnSync('bash', [path.join(ROOT, 'scripts/apt-install.sh'), debianPackage], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`this benchmark needs the ${command} command line: install ${debianPackage} and run it again`);
}

export interface RatioRow {
  what: string;
  floorName: string;
  samples: Samples;
  /** The ratio pairbench / floor must not exceed. */
  goal: number;
}

export interface Ratio {
  subjectMs: number;
  floorMs: number;
  ratio: number;
  met: boolean;
}

/** The ratio of the medians (what the goals are set on). */
export function ratioOf(row: RatioRow): Ratio {
  const subjectMs = median(row.samples.subject) ?? NaN;
  const floorMs = median(row.samples.floor) ?? NaN;
  const ratio = subjectMs / floorMs;
  return { subjectMs, floorMs, ratio, met: ratio <= row.goal };
}

const ms = (v: number): string => `${Math.round(v).toLocaleString('en-US')} ms`;
const x = (v: number): string => `${v.toFixed(2)}x`;

/** One line as a row is measured, so a long benchmark shows progress. */
export function printRatio(row: RatioRow): Ratio {
  const r = ratioOf(row);
  const n = row.samples.subject.length;
  process.stdout.write(
    `${row.what}: ${x(r.ratio)} the floor (goal <= ${x(row.goal)}: ${r.met ? 'met' : 'MISSED'})  ` +
      `[median ${ms(r.subjectMs)} vs ${ms(r.floorMs)} for ${row.floorName}; ${n} interleaved runs]\n`,
  );
  return r;
}

/** The closing table: ratio and goal first, milliseconds as context. */
export function printRatioTable(rows: RatioRow[]): void {
  const lines = [
    '',
    '| what | ratio to floor | goal | | pairbench (median) | floor (median) | floor | runs |',
    '|---|---:|---:|---|---:|---:|---|---:|',
  ];
  for (const row of rows) {
    const r = ratioOf(row);
    lines.push(
      `| ${row.what} | ${x(r.ratio)} | <= ${x(row.goal)} | ${r.met ? 'met' : 'MISSED'} | ${ms(r.subjectMs)} | ${ms(r.floorMs)} | ${row.floorName} | ${row.samples.subject.length} |`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Rounds from the environment or argv, never fewer than five: a median of fewer is noise. */
export function roundsFrom(value: string | undefined, fallback: number): number {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(n) || n < 5) {
    process.stderr.write(`rounds: a whole number of at least 5 (a median needs them), got ${value}\n`);
    process.exit(2);
  }
  return n;
}
