// Whether a read goes through the whole table or through an index. When the rows asked for are
// most of the table, one sequential scan that skips the rest is cheapest: it reads each page
// once, in file order, as `sqlite3` does. Otherwise the index finds the rows, visiting pages all
// over the file but only those that hold them. The trials' count decides for both tables.

import type { Db } from '../store/db.js';

/** A scan beats the index once the rows asked for are this share of the table. */
const SCAN_SHARE = 0.5;

/** The table's largest rowid: a count of its rows, for a store pairbench wrote, free to read. */
export const maxRowid = (db: Db, table: 'trials' | 'turns'): number => (db.prepare(`SELECT max(rowid) AS n FROM ${table}`).get() as { n: number | null }).n ?? 0;

/** Whether `trials` of the store's `storeTrials` (its largest rowid) are read by a scan. */
export const scanPays = (trials: number, storeTrials: number): boolean => storeTrials > 0 && trials / storeTrials >= SCAN_SHARE;
