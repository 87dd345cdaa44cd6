// Waiting for a server to be ready: the message names the URL and what the server last said,
// even when the poll that the window's end cut short got no answer at all.

import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import { ERROR_CODES, PairbenchError } from '../../core/errors.js';
import { waitUntilReady } from '../../serving/control/health.js';

it('keeps the last answer when the final poll, cut short by the window, gets none', async () => {
  const held: ServerResponse[] = [];
  let polls = 0;
  // Loading: the first poll gets a 503; the next one hangs past the window's end.
  const server = createServer((_req, res) => {
    polls += 1;
    if (polls === 1) res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"message":"Loading model"}}');
    else held.push(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const e = await waitUntilReady({ baseUrl, dialect: 'llama-server', apiKeyEnv: null }, { timeoutMs: 1_500, intervalMs: 20 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PairbenchError);
    expect((e as PairbenchError).code).toBe(ERROR_CODES.SERVING_NOT_READY);
    const message = (e as Error).message;
    expect(message).toContain(`${baseUrl}/health`);
    expect(message).toContain('HTTP 503');
    expect(message).toMatch(/then no answer within \d+ ms \(the rest of the window\)/);
    expect(polls).toBe(2);
  } finally {
    for (const res of held) res.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
