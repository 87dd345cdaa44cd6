import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ERROR_CODES, PairbenchError } from '../core/errors.js';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';

export type Db = Database.Database;

// The most SQLite maps by default build limits (2 GiB); a larger store is read partly mapped.
const READ_MMAP_BYTES = 0x7fff0000;
// A reader's page cache: SQLite's own default (2 MB), not the 16 MB better-sqlite3 builds in.
// A report reads most pages once; each page of a larger cache is fresh memory the process must
// fault in, which cost more than reading the page again (100k trials: 120 ms -> 45 ms).
const READ_CACHE_KIB = 2000;

/**
 * Opens (creating if needed) a store in WAL mode and brings its schema up to date. A file
 * that is damaged, read-only, another program's database or from a newer pairbench is
 * refused with its own code and the fix, and is never written to: nothing recorded is lost.
 */
export function openStore(path: string, options: { readonly?: boolean } = {}): Db {
  try {
    if (!options.readonly && path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  } catch (cause) {
    throw storeError(cause, path);
  }
  let db: Db;
  try {
    db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  } catch (cause) {
    throw storeError(cause, path, options.readonly);
  }
  try {
    // Several writers (tests, worker pools) may share one file: wait rather than fail.
    db.pragma('busy_timeout = 10000');
    // Read before anything is written: a foreign or newer file is refused untouched.
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) refuseVersion(path, version);
    if (version === 0) refuseForeign(db, path, options.readonly ?? false);
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db, version);
    } else {
      db.pragma(`cache_size = -${READ_CACHE_KIB}`);
      if (version < SCHEMA_VERSION) readAsCurrent(db);
    }
  } catch (error) {
    // A refused or unmigratable file is never handed out, so nobody else would close it.
    db.close();
    throw error instanceof PairbenchError ? error : storeError(error, path, options.readonly);
  }
  return db;
}

/**
 * Whether a reader's pages are mapped (read-only stores only). A read that visits pages all
 * over the file, each trial's turns through an index, is faster mapped: no system call and
 * copy per page. One pass in file order is faster unmapped, as `sqlite3` reads: a first touch
 * of a mapped page costs more than reading it (1M turns: 295 ms mapped, 230 ms read).
 */
export function mapPages(db: Db, mapped: boolean): void {
  db.pragma(`mmap_size = ${mapped ? READ_MMAP_BYTES : 0}`);
}

function migrate(db: Db, version: number): void {
  for (let v = version; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}

/**
 * A reader of a store from an older pairbench sees today's schema without writing a byte:
 * each table the file lacks becomes an empty TEMP table, and each table missing columns a
 * TEMP view adding them with their defaults. SQLite resolves unqualified names in the
 * connection's own temp schema first, and a read-only connection may still write that.
 */
function readAsCurrent(db: Db): void {
  const current = new Database(':memory:');
  try {
    for (const m of MIGRATIONS) current.exec(m);
    const tables = current.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string; sql: string }[];
    const columns = (d: Db, table: string): { name: string; dflt_value: string | null }[] =>
      d.prepare('SELECT name, dflt_value FROM pragma_table_info(?)').all(table) as { name: string; dflt_value: string | null }[];
    for (const t of tables) {
      const have = new Set(columns(db, t.name).map((c) => c.name));
      if (have.size === 0) {
        db.exec(t.sql.replace(/^CREATE TABLE/i, 'CREATE TEMP TABLE'));
        continue;
      }
      const want = columns(current, t.name);
      if (want.every((c) => have.has(c.name))) continue;
      const q = (name: string): string => `"${name.replaceAll('"', '""')}"`;
      // rowid rides along: readers order by it and take its maximum.
      const select = ['rowid AS rowid', ...want.map((c) => (have.has(c.name) ? q(c.name) : `${c.dflt_value ?? 'NULL'} AS ${q(c.name)}`))];
      db.exec(`CREATE TEMP VIEW ${q(t.name)} AS SELECT ${select.join(', ')} FROM main.${q(t.name)}`);
    }
  } finally {
    current.close();
  }
}

/** Schema version 0: a new, empty file is ours to set up; one that already holds tables is not. */
function refuseForeign(db: Db, path: string, readonly: boolean): void {
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map(
    (r) => r.name,
  );
  if (tables.length === 0 && !readonly) return;
  throw new PairbenchError(
    ERROR_CODES.STORE_FOREIGN,
    tables.length === 0
      ? `${path} is not a pairbench database (it is empty): point --db at a file written by 'pairbench run'.`
      : `${path} is an SQLite database but not pairbench's (it holds ${tables.slice(0, 5).join(', ')}${tables.length > 5 ? ', ...' : ''}); pairbench will not write into it. ` +
          `Point --db at a new path, or at a file written by 'pairbench run'.`,
  );
}

function refuseVersion(path: string, version: number): never {
  throw new PairbenchError(
    ERROR_CODES.STORE_TOO_NEW,
    `${path} has schema version ${version}, newer than this pairbench (${SCHEMA_VERSION}). Upgrade pairbench to read it; it was left untouched.`,
  );
}

/** SQLite's and the file system's failures, each as one line with the fix. */
function storeError(cause: unknown, path: string, readonly?: boolean): PairbenchError {
  const code = (cause as { code?: string }).code ?? '';
  const detail = (cause as Error).message;
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new PairbenchError(
      ERROR_CODES.STORE_CORRUPT,
      `${path} is not a readable SQLite database (${detail}): it is damaged or another kind of file. pairbench left it untouched; ` +
        `point --db at another path (a new one starts a fresh store), or restore it from a copy.`,
      { cause },
    );
  }
  if (code.startsWith('SQLITE_READONLY') || code === 'EACCES' || code === 'EROFS' || (code === 'SQLITE_CANTOPEN' && !readonly)) {
    return new PairbenchError(
      ERROR_CODES.STORE_READ_ONLY,
      `cannot write the store at ${path} (${detail}): pairbench records every trial as it ends, so --db must be writable. ` +
        `Give this user write access to the file and its directory, or point --db at a writable path.`,
      { cause },
    );
  }
  return new PairbenchError(
    ERROR_CODES.STORE_UNAVAILABLE,
    `cannot open the store at ${path}: ${detail}. Check the --db path${readonly ? ' (it must name an existing pairbench database)' : ''}.`,
    { cause },
  );
}
