import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ERROR_CODES, PairbenchError } from '../core/errors.js';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';

export type Db = Database.Database;

// The most SQLite maps by default build limits (2 GiB); a larger store is read partly mapped.
const READ_MMAP_BYTES = 0x7fff0000;

/** Opens (creating if needed) a store in WAL mode and brings its schema up to date. */
export function openStore(path: string, options: { readonly?: boolean } = {}): Db {
  if (!options.readonly && path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  let db: Db;
  try {
    db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  } catch (cause) {
    throw new PairbenchError(
      ERROR_CODES.CONFIG_INVALID,
      `cannot open the store at ${path}: ${(cause as Error).message}. Check the --db path${options.readonly ? ' (it must name an existing pairbench database)' : ''}.`,
      { cause },
    );
  }
  try {
    // Several writers (tests, worker pools) may share one file: wait rather than fail.
    db.pragma('busy_timeout = 10000');
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db, path);
    } else {
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version === 0 || version > SCHEMA_VERSION) refuseVersion(path, version);
      // Readers (report, compare) visit each trial's turns through an index, all over the file:
      // mapped pages are read without a system call and a copy each. Address space only.
      db.pragma(`mmap_size = ${READ_MMAP_BYTES}`);
    }
  } catch (error) {
    // A refused or unmigratable file is never handed out, so nobody else would close it.
    db.close();
    throw error;
  }
  return db;
}

function migrate(db: Db, path: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) refuseVersion(path, version);
  for (let v = version; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}

function refuseVersion(path: string, version: number): never {
  throw new PairbenchError(
    ERROR_CODES.CONFIG_INVALID,
    version === 0
      ? `${path} is not a pairbench database (no schema). Point --db at a file written by 'pairbench run'.`
      : `${path} has schema version ${version}, newer than this pairbench (${SCHEMA_VERSION}). Upgrade pairbench to read it.`,
  );
}
