// A simulated llama-server over real HTTP: health, models, props, slots, metrics and chat
// completions, with a scripted policy as its model and a cost model as its clock.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ERROR_CODES, PairbenchError } from '../core/errors.js';
import { handleChat } from './completion.js';
import { metricsText, modelsBody, propsBody, slotsBody } from './introspection.js';
import { SIMULATED_IDENTITY, SIMULATED_IDENTITY_ROUTE } from '../core/serving.js';
import { CRASH_EXIT_CODE, resolveSimOptions, type SimOptions } from './options.js';
import { sendJson, sendText } from './respond.js';
import { createState, isLoading, type SimState } from './state.js';
import { errorBody } from './wire.js';
import { readBody } from '../core/http-body.js';

export type { SimOptions } from './options.js';

export interface SimulatedServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const LOADING = errorBody(503, 'Loading model', 'unavailable_error');
const MAX_BODY_BYTES = 32 * 1024 * 1024;


async function route(state: SimState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  res.setHeader('x-pairbench-simulated', '1');
  const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '') || '/';
  const method = req.method ?? 'GET';

  // What it is, for any client that asks (pairbench records a sweep against it as simulated,
  // however it was pointed here); answered while loading too: identity does not wait for a model.
  if (method === 'GET' && path === SIMULATED_IDENTITY_ROUTE) {
    sendJson(res, 200, SIMULATED_IDENTITY);
    return;
  }
  if (method === 'GET' && (path === '/health' || path === '/v1/health')) {
    if (isLoading(state)) sendJson(res, 503, LOADING);
    else sendJson(res, 200, { status: 'ok' });
    return;
  }
  const known = ['/v1/models', '/models', '/props', '/slots', '/metrics', '/v1/chat/completions', '/chat/completions'];
  if (!known.includes(path)) {
    sendJson(res, 404, errorBody(404, 'File Not Found', 'not_found_error'));
    return;
  }
  // llama-server answers every route with 503 while the model loads.
  if (isLoading(state)) {
    sendJson(res, 503, LOADING);
    return;
  }
  if (method === 'GET') {
    if (path === '/v1/models' || path === '/models') return sendJson(res, 200, modelsBody(state));
    if (path === '/props') return sendJson(res, 200, propsBody(state));
    if (path === '/slots') return sendJson(res, 200, slotsBody(state));
    if (path === '/metrics') return sendText(res, 200, 'text/plain; version=0.0.4', metricsText(state));
  }
  if (method === 'POST' && path.endsWith('/chat/completions')) {
    let body: unknown;
    try {
      body = JSON.parse((await readBody(req, MAX_BODY_BYTES)).toString('utf8'));
    } catch (e) {
      // llama-server answers a body it cannot parse with its JSON library's exception: HTTP 500.
      sendJson(res, 500, errorBody(500, `[json.exception.parse_error.101] parse error: ${(e as Error).message}`, 'server_error'));
      return;
    }
    await handleChat(state, req, res, body);
    return;
  }
  sendJson(res, 405, errorBody(405, `${method} not allowed on ${path}`, 'invalid_request_error'));
}

/** Starts a simulated llama-server; resolves once it accepts connections. */
export async function startSimulatedServer(options: SimOptions = {}): Promise<SimulatedServer> {
  const opts = resolveSimOptions(options);
  let closing: Promise<void> | null = null;

  const server = createServer();
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      state.lifetime.abort();
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  };
  const state = createState(opts, () => {
    if (opts.crash === 'exit') {
      process.stderr.write('simulated crash: exiting\n');
      process.exit(CRASH_EXIT_CODE);
    }
    void close();
  });

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    route(state, req, res).catch((e: unknown) => {
      if (!res.headersSent) sendJson(res, 500, errorBody(500, (e as Error).message, 'server_error'));
      else res.destroy();
    });
  });
  // Keep-alive sockets idle between turns, as a harness's HTTP agent leaves them.
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) =>
      reject(new PairbenchError(ERROR_CODES.SERVING_START_FAILED, `simulated server could not listen on ${opts.host}:${opts.port}: ${e.message}`, { cause: e })),
    );
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return { url: `http://${host}:${port}`, port, close };
}
