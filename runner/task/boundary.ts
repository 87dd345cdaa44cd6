// A task directory is input from whoever wrote it, and what it names reaches the engine and
// the model. So its entries must be what they say and live inside the directory (a link to
// a host path would copy host files into the container or into the prompt), an image
// reference must be one before the engine parses it, and every timeout must fit a Node
// timer (setTimeout fires after 1 ms past 2^31-1 ms, which would end every trial at once).
// Each check returns problems in the loader's `where: what; fix` form, never throws.

import { lstat, readlink } from 'node:fs/promises';
import path from 'node:path';

/** What an entry is, without following a link; 'other' is a FIFO, socket or device. */
export type EntryKind = 'file' | 'dir' | 'missing' | 'link' | 'other';

export async function entryKind(p: string): Promise<EntryKind> {
  try {
    const s = await lstat(p);
    if (s.isSymbolicLink()) return 'link';
    if (s.isDirectory()) return 'dir';
    if (s.isFile()) return 'file';
    return 'other';
  } catch {
    return 'missing';
  }
}

/** The entries pairbench reads or copies, relative to the task directory, and what each must be. */
export const TASK_ENTRIES = [
  { rel: 'task.toml', want: 'file' },
  { rel: 'instruction.md', want: 'file' },
  { rel: 'environment', want: 'dir' },
  { rel: 'environment/Dockerfile', want: 'file' },
  { rel: 'environment/docker-compose.yaml', want: 'file' },
  { rel: 'solution', want: 'dir' },
  { rel: 'solution/solve.sh', want: 'file' },
  { rel: 'tests', want: 'dir' },
  { rel: 'tests/test.sh', want: 'file' },
] as const;

export type TaskEntry = (typeof TASK_ENTRIES)[number]['rel'];

export interface EntryCheck {
  kinds: Record<TaskEntry, EntryKind>;
  /** Links and special files, named; the loader reads none of them and reports each once. */
  problems: string[];
  /** Entries that must not be read (a link or a special file, or under one). */
  unsafe: Set<TaskEntry>;
}

/** lstat's every entry; a link is refused whatever it points at, so nothing outside is ever read. */
export async function checkEntries(taskDir: string): Promise<EntryCheck> {
  const kinds = {} as Record<TaskEntry, EntryKind>;
  const problems: string[] = [];
  const unsafe = new Set<TaskEntry>();
  for (const { rel, want } of TASK_ENTRIES) {
    const parent = rel.includes('/') ? (rel.split('/')[0] as TaskEntry) : null;
    if (parent && unsafe.has(parent)) {
      // Under a refused directory: not looked at (lstat would follow the parent link).
      kinds[rel] = 'missing';
      unsafe.add(rel);
      continue;
    }
    const abs = path.join(taskDir, rel);
    const kind = await entryKind(abs);
    kinds[rel] = kind;
    if (kind === 'link') {
      unsafe.add(rel);
      const target = await readlink(abs).catch(() => '?');
      problems.push(
        `${rel}: is a symbolic link (to ${target}), not a ${want === 'dir' ? 'directory' : 'file'} inside the task directory; ` +
          `a task may only use what it holds, so replace the link with a copy of what it points at`,
      );
    } else if (kind === 'other') {
      unsafe.add(rel);
      problems.push(`${rel}: is a FIFO, socket or device, not a ${want === 'dir' ? 'directory' : 'regular file'}; replace it with a regular ${want === 'dir' ? 'directory' : 'file'}`);
    }
  }
  return { kinds, problems, unsafe };
}

// Docker's reference grammar (distribution/reference): [domain[:port]/]path[:tag][@digest],
// the path lowercase components joined by . _ __ or -, at most 255 characters before the tag.
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^(${NAME})(?::${TAG})?(?:@${DIGEST})?$`);
export const IMAGE_NAME_MAX = 255;

/** Why `ref` is not an image reference the engine accepts, or null when it is one. */
export function imageReferenceProblem(ref: string): string | null {
  const m = REFERENCE.exec(ref);
  if (!m) return 'not an image reference';
  // As Docker normalizes it: a first component without '.' or ':' (and not localhost) is a
  // path component, not a registry, so it must be lowercase too.
  const slash = m[1]!.indexOf('/');
  const first = slash < 0 ? '' : m[1]!.slice(0, slash);
  if (first !== '' && !/[.:]/.test(first) && first !== 'localhost' && !new RegExp(`^${PATH_COMPONENT}$`).test(first)) {
    return 'not an image reference (a repository name is lowercase)';
  }
  if (m[1]!.length > IMAGE_NAME_MAX) return `too long (a name has at most ${IMAGE_NAME_MAX} characters)`;
  return null;
}

/** Node timers hold at most 2^31-1 ms; a longer delay fires after 1 ms instead. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
export const MAX_TIMEOUT_SEC = Math.floor(MAX_TIMER_MS / 1000); // 2147483 s, about 24.8 days

/** Every `*timeout_sec` key pairbench turns into a timer, as [section, key]. */
export const TIMEOUT_KEYS = [
  ['agent', 'timeout_sec'],
  ['verifier', 'timeout_sec'],
  ['environment', 'build_timeout_sec'],
] as const;

function section(raw: Record<string, unknown>, name: string): Record<string, unknown> | null {
  const s = raw[name];
  return s !== null && typeof s === 'object' && !Array.isArray(s) ? (s as Record<string, unknown>) : null;
}

/**
 * Problems in a parsed task.toml that its schema cannot see: timeouts too long for a timer
 * and image references the engine would choke on. Values of the wrong type are the schema's
 * to report, so they are skipped here and each problem is named once.
 */
export function checkTomlBounds(raw: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [name, key] of TIMEOUT_KEYS) {
    const v = section(raw, name)?.[key];
    if (typeof v === 'number' && Number.isFinite(v) && v > MAX_TIMEOUT_SEC) {
      problems.push(
        `task.toml [${name}] ${key}: ${v} s is longer than pairbench can time; the largest allowed value is ${MAX_TIMEOUT_SEC} (about 24 days)`,
      );
    }
  }
  const image = section(raw, 'environment')?.['docker_image'];
  if (typeof image === 'string' && image.trim() !== '') {
    const why = imageReferenceProblem(image.trim());
    if (why) {
      problems.push(
        `task.toml [environment] docker_image: ${JSON.stringify(image.length > 80 ? `${image.slice(0, 80)}…` : image)} is ${why}; ` +
          `write one such as "pairbench/base:bookworm" or "registry.example.com/team/image:1.2" (or remove it and use environment/Dockerfile)`,
      );
    }
  }
  return problems;
}
