// The recording proxy: an OpenAI-compatible endpoint between installed agents and the
// serving layer, one per sweep. Each trial gets its own key; a call is recorded into the
// trial whose key it carries and refused without one. The proxy applies the trial's levers
// to the request, adds the user's real API key on the upstream side only, streams the
// response straight through (each chunk is written on before it is read) and turns the
// call into a turn row with the same telemetry code the built-in harnesses use.

import { isUtf8 } from 'node:buffer';
import { createServer, request as httpRequest, Agent, type ClientRequest, type IncomingMessage, type ServerResponse, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { ERROR_CODES, PairbenchError, errorMessage } from '../core/errors.js';
import type { ProxyLevers } from '../core/harness.js';
import type { ServingEndpoint } from '../core/serving.js';
import type { TurnRecord } from '../core/turn.js';
import { openAiUrl, readApiKey } from '../serving/client/create.js';
import { turnFromTelemetry } from '../serving/client/turn-row.js';
import { CallTap } from './call-tap.js';
import { KeyRing, keyOf } from './keys.js';
import { applyLevers, leversEdit } from './levers.js';
import { readBody } from '../core/http-body.js';
import { RawJson } from '../core/raw-json.js';

export interface ProxyTrialOptions {
  trialId: string;
  task: string;
  levers: ProxyLevers;
  onTurn(turn: TurnRecord): void;
  /** Appends one entry to the trial's transcript. */
  transcript(entry: Record<string, unknown>): void;
}

export interface ProxyTrial {
  /** The key the trial's agent authenticates with; useless once the trial is closed. */
  readonly key: string;
  /** Model calls recorded so far. */
  readonly turns: number;
  close(): void;
}

export interface RecordingProxy {
  /** Where agents reach it, e.g. http://172.30.0.1:41234; they append /v1. */
  readonly url: string;
  readonly port: number;
  openTrial(options: ProxyTrialOptions): ProxyTrial;
  close(): Promise<void>;
}

export interface ProxyOptions {
  upstream: ServingEndpoint;
  host?: string;
  port?: number;
  /** Where the upstream API key (named by upstream.apiKeyEnv) is looked up; process.env by default. */
  env?: Record<string, string | undefined>;
}

interface TrialState extends ProxyTrialOptions {
  next: number;
}

const MAX_BODY_BYTES = 64 * 1024 * 1024;
// A server that closes a connection this soon after a stream ends closes it because the stream ended.
const CLOSED_AFTER_STREAM_MS = 50;
const DONE = Buffer.from('data: [DONE]');
// Response headers that describe the body as the upstream sent it; the rest are hop-by-hop or the proxy's own.
const PASSED_HEADERS = ['content-type', 'cache-control', 'x-pairbench-simulated'];

export async function startRecordingProxy(options: ProxyOptions): Promise<RecordingProxy> {
  const upstream = options.upstream;
  const target = new URL(openAiUrl(upstream.baseUrl, '/chat/completions'));
  const secure = target.protocol === 'https:';
  // Keep-alive to the server, so a call costs no new connection.
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new Agent({ keepAlive: true });
  // For calls that must not reuse a socket: one agent, rather than a new one per call.
  const fresh = secure ? new HttpsAgent() : new Agent();
  const env = options.env ?? process.env;
  // Read now, so a missing key is one clear error at start, not a failure per call.
  const apiKey = readApiKey(upstream.apiKeyEnv, env);
  const trials = new KeyRing<TrialState>();
  // llama-server announces keep-alive on a stream but closes the connection once it ends, so
  // a kept-alive socket reused for the next call meets a reset and the call goes twice. Once
  // the upstream is seen doing that, streamed calls take a socket of their own from the start.
  let closesStreams = false;
  // Calls forwarded and not yet recorded: closing waits for them, so no turn lands after it.
  let unrecorded = 0;
  const allRecorded: Array<() => void> = [];

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) sendError(res, 500, `proxy: ${errorMessage(e)}`);
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const { key, path } = keyOf(req.headers, url.pathname);
    const trial = trials.find(key);
    if (trial === null) {
      req.resume();
      return sendError(res, 401, key === null ? 'no API key: use the key pairbench gave this trial' : 'unknown or expired key for this proxy');
    }
    const route = path.replace(/\/+$/, '');
    if (req.method === 'GET' && (route === '/v1/models' || route === '/models')) {
      return sendJson(res, 200, { object: 'list', data: [{ id: upstream.model, object: 'model', owned_by: 'pairbench-proxy' }] });
    }
    if (req.method !== 'POST' || !(route === '/v1/chat/completions' || route === '/chat/completions')) {
      req.resume();
      return sendError(res, 404, `the proxy serves POST /v1/chat/completions only (got ${req.method} ${path})`);
    }
    const raw = await readBody(req, MAX_BODY_BYTES);
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(raw.toString('utf8'));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
      body = parsed as Record<string, unknown>;
    } catch (e) {
      return sendError(res, 400, `request body: ${errorMessage(e)}`);
    }
    forward(trial, body, raw, res);
  }

  function forward(trial: TrialState, body: Record<string, unknown>, raw: Buffer, res: ServerResponse): void {
    const turnIndex = trial.next++;
    const streamed = body.stream === true;
    const options = body.stream_options;
    const usageAsked = typeof options === 'object' && options !== null && (options as { include_usage?: unknown }).include_usage === true;
    // The body goes on as the agent sent it unless something in it must change: serialising
    // an agent's whole history again is the proxy's largest cost per call.
    const same = !leversEdit(trial.levers) && body.model === upstream.model && (!streamed || usageAsked);
    const levers = applyLevers(body, upstream.dialect, trial.levers);
    body.model = upstream.model;
    // The usage chunk carries the prompt and cached tokens on servers without timings.
    if (streamed && !usageAsked) body.stream_options = { ...(typeof options === 'object' ? options : {}), include_usage: true };
    const payload = same ? raw : Buffer.from(JSON.stringify(body));

    const headers: OutgoingHttpHeaders = {
      'content-type': 'application/json',
      'content-length': payload.length,
      accept: streamed ? 'text/event-stream' : 'application/json',
      'x-pairbench-task': trial.task,
      'x-pairbench-trial': trial.trialId,
    };
    if (apiKey !== null) headers.authorization = `Bearer ${apiKey}`;
    const tap = new CallTap(streamed);
    const sentAt = performance.now();
    let status: number | null = null;
    let recorded = false;

    unrecorded += 1;
    // `at`: when the call ended, for a call that ended without the stream's last event.
    const record = (errorCode: string | null, at = performance.now()): void => {
      if (recorded) return;
      recorded = true;
      if (--unrecorded === 0) for (const w of allRecorded.splice(0)) w();
      const endedAt = tap.doneAt ?? at;
      const telemetry = tap.acc.telemetry({
        dialect: upstream.dialect,
        sentAt,
        endedAt,
        httpStatus: status ?? 0,
        speculativeSent: false,
        speculativeAsked: false,
        thinkingSent: levers.thinking,
      });
      const row = turnFromTelemetry(turnIndex, { ...telemetry, httpStatus: status });
      const calls = tap.acc.toolCalls.filter((c) => c !== undefined);
      row.tool_calls = calls.length;
      row.tool_names = calls.length > 0 ? calls.map((c) => c.name).join(',') : null;
      row.error_code = errorCode;
      trial.onTurn(row);
      trial.transcript({ type: 'reply', turn: turnIndex, via: 'proxy', status, content: tap.acc.content, reasoning: tap.acc.reasoning, toolCalls: calls, telemetry: row, serverTimings: tap.acc.serverTimings, ...(errorCode && { errorCode }) });
    };

    const onResponse = (ur: IncomingMessage): void => {
      status = ur.statusCode ?? 0;
      const upSocket = ur.socket as Socket | null; // gone from the response by its end
      const out: OutgoingHttpHeaders = {};
      for (const h of PASSED_HEADERS) if (ur.headers[h] !== undefined) out[h] = ur.headers[h];
      // The head goes out with the first chunk when that came in the same read (one write,
      // one wake-up of the agent), and on its own at the end of this tick when it did not.
      // (headersSent turns true at writeHead, before anything is sent, hence a flag of our own.)
      res.writeHead(status, out);
      let written = false;
      const sse = String(ur.headers['content-type'] ?? '').includes('text/event-stream');
      const reader = status === 200 && (sse || !streamed) ? tap : null;
      ur.on('data', (chunk: Buffer) => {
        written = true;
        if (!res.destroyed) {
          res.write(chunk); // on to the agent first; the tap reads it after the write
          // The stream's last event: hold it until the response's end, which usually comes in
          // the same read, so the two leave in one write (one wake-up of the agent, not two).
          if (sse && endsStream(chunk) && res.socket) holdUntilEnd(res.socket);
        }
        reader?.feed(chunk, performance.now());
      });
      // After the data handler, so a chunk the stream buffered is written (with the head) first.
      process.nextTick(() => {
        if (!written && !res.destroyed) res.flushHeaders();
      });
      ur.on('end', () => {
        res.end();
        const endedAt = performance.now();
        if (streamed && !closesStreams && upSocket !== null) {
          const closed = (): void => {
            closesStreams = true;
          };
          upSocket.once('end', closed);
          setTimeout(() => upSocket.off('end', closed), CLOSED_AFTER_STREAM_MS).unref();
        }
        tap.then(() => {
          reader?.end(endedAt);
          if (status !== 200) record(ERROR_CODES.SERVING_HTTP, endedAt);
          else if (tap.malformed !== null || (streamed && !sse)) record(ERROR_CODES.SERVING_MALFORMED, endedAt);
          else record(null, endedAt);
        });
      });
      // Cut off before its end (an error, or the proxy closing under it).
      ur.on('close', () => {
        if (ur.readableEnded) return;
        res.destroy();
        const endedAt = performance.now();
        tap.then(() => record(ERROR_CODES.SERVING_MALFORMED, endedAt));
      });
      ur.on('error', () => undefined); // handled at 'close'
    };
    const send = (again: boolean): ClientRequest => {
      // The second try takes a socket of its own: another kept-alive one may be closing too.
      const own = again || (streamed && closesStreams);
      const req = (secure ? httpsRequest : httpRequest)(target, { method: 'POST', agent: own ? fresh : agent, headers });
      req.on('response', onResponse);
      req.on('error', (e: NodeJS.ErrnoException) => {
        // After the response began its own handlers record it; after the agent left, res's did.
        if (status !== null || recorded) return;
        // A kept-alive socket the server closed just as it was reused (llama-server closes a
        // stream's connection once it ends): the call never reached the server; once more, on a new one.
        if (!again && req.reusedSocket && (e.code === 'ECONNRESET' || e.code === 'EPIPE')) {
          up = send(true);
          return;
        }
        sendError(res, 502, `the serving layer did not answer the proxy (${e.code ?? e.message})`);
        record(ERROR_CODES.SERVING_REFUSED);
      });
      req.end(payload);
      return req;
    };
    // The agent went away before the reply began: stop the upstream call. Once it has begun
    // it is read to its end (clients often hang up right after the finish reason, before the
    // usage chunk), so the turn keeps its figures.
    res.on('close', () => {
      if (!res.writableFinished && status === null) {
        up?.destroy();
        record(ERROR_CODES.SERVING_MALFORMED);
      }
    });
    let up: ClientRequest | undefined;
    try {
      up = send(false);
    } catch (e) {
      record(ERROR_CODES.SERVING_REFUSED); // e.g. a header value http refuses; handle() answers 500
      throw e;
    }
    // Written after the request is on its way and whatever I/O is waiting has run, so the
    // transcript (a file append of the whole body) never holds up a reply's first byte. The
    // body is the bytes forwarded, not serialised again: an agent's history can be 100 KB a
    // call. Bytes that are not UTF-8 (JSON.parse took them, each bad byte as U+FFFD) would make
    // the line unreadable to strict readers: those are serialised from the parsed body.
    setImmediate(() => trial.transcript({ type: 'request', turn: turnIndex, via: 'proxy', levers, body: isUtf8(payload) ? new RawJson(payload) : body }));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) =>
      reject(new PairbenchError(ERROR_CODES.SERVING_START_FAILED, `recording proxy could not listen on ${options.host ?? '127.0.0.1'}:${options.port ?? 0}: ${e.message}`, { cause: e })),
    );
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host ?? '127.0.0.1';
  let closing: Promise<void> | null = null;

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    openTrial(o) {
      const state: TrialState = { ...o, next: 0 };
      const key = trials.issue(state);
      return {
        key,
        get turns() {
          return state.next;
        },
        close: () => trials.revoke(key),
      };
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
        fresh.destroy();
      }).then(() => (unrecorded === 0 ? undefined : new Promise<void>((resolve) => allRecorded.push(resolve))));
      return closing;
    },
  };
}


/** Whether a chunk ends with the stream's closing event. */
function endsStream(chunk: Buffer): boolean {
  let end = chunk.length;
  while (end > 0 && (chunk[end - 1] === 0x0a || chunk[end - 1] === 0x0d)) end--;
  return end >= DONE.length && chunk.subarray(end - DONE.length, end).equals(DONE);
}

/** Keeps the socket corked one more event-loop turn at most: res.end() uncorks it at once. */
function holdUntilEnd(socket: Socket): void {
  socket.cork();
  setImmediate(() => {
    if (socket.writableCorked > 0) socket.uncork();
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { error: { code: status, message, type: status === 401 ? 'authentication_error' : 'proxy_error' } });
}
