// The findings of `pairbench serving check`, kept per server (its root URL and model) so a
// later sweep on that server can say, before it starts, which asked-for levers it ignores.

import type { Db } from './db.js';
import type { ServingCheck } from '../serving/check/findings.js';
import { serverRoot } from '../serving/client/create.js';

export function saveServingCheck(db: Db, check: ServingCheck): void {
  const t = check.target;
  db.prepare('INSERT INTO serving_checks (base_url, model, dialect, simulated, checked_at, findings_json) VALUES (?, ?, ?, ?, ?, ?)').run(
    serverRoot(t.baseUrl),
    t.model,
    t.dialect,
    t.simulated ? 1 : 0,
    check.checkedAt,
    JSON.stringify(check.findings),
  );
}

/** The newest check of the server at `baseUrl` (with or without /v1) serving `model`, or null. */
export function latestServingCheck(db: Db, baseUrl: string, model: string): ServingCheck | null {
  const row = db
    .prepare('SELECT base_url, model, dialect, simulated, checked_at, findings_json FROM serving_checks WHERE base_url = ? AND model = ? ORDER BY checked_at DESC, id DESC LIMIT 1')
    .get(serverRoot(baseUrl), model) as { base_url: string; model: string; dialect: ServingCheck['target']['dialect']; simulated: number; checked_at: string; findings_json: string } | undefined;
  if (!row) return null;
  return {
    target: { baseUrl: row.base_url, model: row.model, dialect: row.dialect, simulated: row.simulated === 1 },
    checkedAt: row.checked_at,
    findings: JSON.parse(row.findings_json) as ServingCheck['findings'],
  };
}
