// The codes and outcome lists land in SQLite as they are and users' tables are keyed by them:
// a rename or a move between families must fail here, on purpose, before it ships.

import { expect, it } from 'vitest';
import { ERROR_CODES } from '../../core/errors.js';
import { AGENT_OUTCOMES, PENDING_STATUSES, SUBSTRATE_OUTCOMES } from '../../core/outcomes.js';

it('pins every error code and outcome list', async () => {
  const pinned = {
    errorCodes: ERROR_CODES,
    agentOutcomes: AGENT_OUTCOMES,
    substrateOutcomes: SUBSTRATE_OUTCOMES,
    pendingStatuses: PENDING_STATUSES,
  };
  await expect(`${JSON.stringify(pinned, null, 2)}\n`).toMatchFileSnapshot('./__snapshots__/codes-and-outcomes.json');
});

it('gives each failure family its own codes, not one catch-all', () => {
  const family = (prefix: string): string[] => Object.values(ERROR_CODES).filter((c) => c.startsWith(prefix));
  expect(family('PB_STORE_').length).toBeGreaterThanOrEqual(4);
  expect(family('PB_SWEEP_').length).toBeGreaterThanOrEqual(3);
  expect(family('PB_WORKER_').length).toBeGreaterThanOrEqual(1);
  expect(family('PB_CONFIG_')).toEqual(['PB_CONFIG_INVALID']);
});
