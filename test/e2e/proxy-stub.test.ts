// The recording proxy against stub upstreams that do one thing each: hold a chunk back, close
// a stream's connection, drop a socket as it is reused, never answer. What the proxy passes
// on, what it sends upstream, and what it records, over real HTTP.

import { isUtf8 } from 'node:buffer';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../core/errors.js';
import { AGENT_DEFAULT_LEVERS, type ProxyLevers } from '../../core/harness.js';
import type { Dialect } from '../../core/serving.js';
import type { TurnRecord } from '../../core/turn.js';
import { startRecordingProxy, type RecordingProxy } from '../../proxy/server.js';
import { TranscriptFile } from '../../runner/transcript-file.js';

/** A proxy in front of a stub upstream, for the length of `run`. */
async function withStub(handler: RequestListener, run: (proxy: RecordingProxy) => Promise<void>, dialect: Dialect = 'openai'): Promise<void> {
  const up = createServer(handler);
  await new Promise<void>((r) => up.listen(0, '127.0.0.1', () => r()));
  const proxy = await startRecordingProxy({ upstream: { baseUrl: `http://127.0.0.1:${(up.address() as AddressInfo).port}`, model: 'm', dialect, apiKeyEnv: null, simulated: false } });
  try {
    await run(proxy);
  } finally {
    await proxy.close();
    up.closeAllConnections();
    await new Promise((r) => up.close(r));
  }
}

function openTrial(proxy: RecordingProxy, trialId: string, levers: Partial<ProxyLevers> = {}) {
  const turns: TurnRecord[] = [];
  const handle = proxy.openTrial({ trialId, task: 'git-init', levers: { ...AGENT_DEFAULT_LEVERS, ...levers }, onTurn: (r) => turns.push(r), transcript: () => undefined });
  return { key: handle.key, turns };
}

/** A streamed call as agents send it, or `body` as it is. */
function post(proxy: RecordingProxy, key: string, body?: string): Promise<Response> {
  body ??= JSON.stringify({ model: 'm', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] });
  return fetch(`${proxy.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body });
}

/** A promise that passes once opened. */
function gate(): { passed: Promise<void>; open: () => void } {
  let open!: () => void;
  const passed = new Promise<void>((r) => (open = r));
  return { passed, open };
}

const sse = (delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}): string =>
  `data: ${JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;

/** An upstream that notes each request body it gets in `got` and answers one streamed "ok". */
function answeringOk(got: string[]): RequestListener {
  return (req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', () => {
      got.push(Buffer.concat(parts).toString('utf8'));
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`${sse({ content: 'ok' }, 'stop', { usage: { prompt_tokens: 3, completion_tokens: 1 } })}data: [DONE]\n\n`);
    });
  };
}

describe('recording proxy streaming', () => {
  it('passes the head and then the first chunk on before the upstream has sent what follows them', async () => {
    const released = gate();
    const headArrived = gate();
    const slow: RequestListener = (req, res) => {
      req.resume();
      req.on('end', async () => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.flushHeaders();
        await headArrived.passed; // the first chunk waits until the client has the response's head
        res.write(sse({ content: 'first' }, null));
        await released.passed; // the rest waits until the client has seen the first chunk
        res.write(sse({}, 'stop', { usage: { prompt_tokens: 5, completion_tokens: 1 } }));
        res.end('data: [DONE]\n\n');
      });
    };
    await withStub(slow, async (proxy) => {
      const t = openTrial(proxy, 'slow');
      const res = await post(proxy, t.key, JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] }));
      expect(res.status).toBe(200);
      headArrived.open();
      const reader = res.body!.getReader();
      const first = new TextDecoder().decode((await reader.read()).value);
      expect(first).toContain('"first"');
      expect(t.turns).toHaveLength(0); // the call is still open upstream
      released.open();
      while (!(await reader.read()).done);
      await new Promise((r) => setTimeout(r, 50));
      expect(t.turns).toHaveLength(1);
      expect(t.turns[0]).toMatchObject({ prompt_tokens: 5, completion_tokens: 1, finish_reason: 'stop', http_status: 200 });
    });
  });

  it('passes the stream\'s last event on before the upstream ends the response, and whatever follows it', async () => {
    let ended = false;
    const released = gate();
    const lastThenWait: RequestListener = (req, res) => {
      req.resume();
      req.on('end', async () => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`${sse({ content: 'ok' }, 'stop')}data: [DONE]\n\n`);
        await released.passed; // the end waits until the client has the last event
        ended = true;
        res.end(': after the end\n\n');
      });
    };
    await withStub(lastThenWait, async (proxy) => {
      const reader = (await post(proxy, openTrial(proxy, 'last').key)).body!.getReader();
      let text = '';
      while (!text.includes('data: [DONE]')) text += new TextDecoder().decode((await reader.read()).value);
      expect(ended).toBe(false);
      released.open();
      for (let r = await reader.read(); !r.done; r = await reader.read()) text += new TextDecoder().decode(r.value);
      expect(text.endsWith('data: [DONE]\n\n: after the end\n\n')).toBe(true);
    });
  });
});

describe('recording proxy upstream connections', () => {
  it('a kept-alive upstream socket closed just as a call is sent on it costs the agent nothing', async () => {
    // The keep-alive race: a server (llama-server closes a stream's connection once it ends)
    // drops an idle socket as the proxy reuses it. Here every second request on a socket meets it.
    let served = 0;
    const perSocket = new WeakMap<object, number>();
    const racy: RequestListener = (req, res) => {
      const n = (perSocket.get(req.socket) ?? 0) + 1;
      perSocket.set(req.socket, n);
      if (n > 1) return void req.socket.destroy();
      req.resume();
      req.on('end', () => {
        served += 1;
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(sse({ content: 'ok' }, 'stop', { usage: { prompt_tokens: 3, completion_tokens: 1 } }));
        res.end('data: [DONE]\n\n');
      });
    };
    await withStub(racy, async (proxy) => {
      const t = openTrial(proxy, 'race');
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await post(proxy, t.key, JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] }));
        await res.text();
        statuses.push(res.status);
      }
      expect(statuses).toEqual([200, 200, 200, 200]);
      expect(served).toBe(4);
      await new Promise((r) => setTimeout(r, 50));
      expect(t.turns.map((r) => r.error_code)).toEqual([null, null, null, null]);
    });
  });

  it('stops offering to keep a connection to an upstream that closes a stream\'s connection, and keeps it with one that does not', async () => {
    // A socket reused after the server closed it costs a call a reset and a second try.
    const serve = async (closesStreams: boolean): Promise<{ connection: string[]; sockets: number }> => {
      const connection: string[] = [];
      const sockets = new Set<object>();
      const stub: RequestListener = (req, res) => {
        connection.push(String(req.headers.connection));
        sockets.add(req.socket);
        req.resume();
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'text/event-stream', connection: 'keep-alive' });
          if (closesStreams) res.once('finish', () => req.socket.end());
          res.end(`${sse({ content: 'ok' }, 'stop')}data: [DONE]\n\n`);
        });
      };
      await withStub(stub, async (proxy) => {
        const t = openTrial(proxy, 'c');
        for (let i = 0; i < 3; i++) {
          const res = await post(proxy, t.key);
          expect(res.status).toBe(200);
          await res.text();
          await new Promise((r) => setTimeout(r, 20));
        }
      });
      return { connection, sockets: sockets.size };
    };
    expect(await serve(true)).toEqual({ connection: ['keep-alive', 'close', 'close'], sockets: 3 });
    expect(await serve(false)).toEqual({ connection: ['keep-alive', 'keep-alive', 'keep-alive'], sockets: 1 });
  });

  it('does not send again a call whose agent hung up before the reply began', async () => {
    let held = 0;
    const heldArrived = gate();
    const holds: RequestListener = (req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (b: Buffer) => parts.push(b));
      req.on('end', () => {
        if (Buffer.concat(parts).includes('"hold"')) {
          held += 1;
          heldArrived.open();
          return; // no answer: the agent hangs up first
        }
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(`${sse({ content: 'ok' }, 'stop')}data: [DONE]\n\n`);
      });
    };
    await withStub(holds, async (proxy) => {
      const t = openTrial(proxy, 'gone');
      await (await post(proxy, t.key)).text(); // leaves a kept-alive socket to the upstream
      const gone = new AbortController();
      const body = JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hold' }] });
      const call = fetch(`${proxy.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${t.key}` }, body, signal: gone.signal });
      await heldArrived.passed;
      gone.abort();
      await call.catch(() => undefined);
      while (t.turns.length < 2) await new Promise((r) => setTimeout(r, 5));
      await (await post(proxy, t.key)).text();
      expect(held).toBe(1);
      expect(t.turns.map((r) => r.error_code)).toEqual([null, ERROR_CODES.SERVING_MALFORMED, null]);
    });
  });

  it('a call that cannot be sent upstream is answered, recorded, and does not hold up closing', async () => {
    const never: RequestListener = (_req, res) => res.end();
    await withStub(never, async (proxy) => {
      const turns: TurnRecord[] = [];
      // http refuses a header value with a newline; the proxy sends the task's name in one.
      const h = proxy.openTrial({ trialId: 'bad', task: 'bad\nname', levers: AGENT_DEFAULT_LEVERS, onTurn: (r) => turns.push(r), transcript: () => undefined });
      const res = await post(proxy, h.key);
      expect(res.status).toBe(500);
      expect(turns.map((r) => r.error_code)).toEqual([ERROR_CODES.SERVING_REFUSED]);
      await proxy.close();
    });
  });

  it('closing with a call under way records that call before it resolves', async () => {
    const hangs: RequestListener = (req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(sse({ content: 'first' }, null)); // and no more
      });
    };
    await withStub(hangs, async (proxy) => {
      const t = openTrial(proxy, 'cut');
      const reader = (await post(proxy, t.key)).body!.getReader();
      expect(new TextDecoder().decode((await reader.read()).value)).toContain('"first"');
      await proxy.close();
      expect(t.turns.map((r) => r.error_code)).toEqual([ERROR_CODES.SERVING_MALFORMED]);
      await reader.read().catch(() => undefined);
    });
  });
});

describe('recording proxy request bodies', () => {
  it('sends a body no lever or field needs changed as the agent wrote it, and rewrites one that does', async () => {
    const got: string[] = [];
    const noting = answeringOk(got);
    await withStub(
      noting,
      async (proxy) => {
        const send = async (levers: Partial<ProxyLevers>, body: string): Promise<void> => {
          await (await post(proxy, openTrial(proxy, `b-${got.length}`, levers).key, body)).text();
        };
        // Spacing JSON.stringify would not write: only the agent's own bytes keep it.
        const asSent = '{ "model": "m", "stream": true, "stream_options": { "include_usage": true }, "messages": [ { "role": "user", "content": "hi" } ] }';
        await send({}, asSent);
        await send({}, asSent.replace('"m"', '"other"'));
        await send({}, asSent.replace('"include_usage": true', '"include_usage": false'));
        await send({ prefixCache: false }, asSent);
        expect(got[0]).toBe(asSent);
        expect(JSON.parse(got[1]!)).toMatchObject({ model: 'm' });
        expect(JSON.parse(got[2]!)).toMatchObject({ stream_options: { include_usage: true } });
        expect(JSON.parse(got[3]!)).toMatchObject({ model: 'm', cache_prompt: false });
        expect(got.slice(1).every((b) => b !== asSent && !b.includes(' '))).toBe(true);
      },
      'llama-server',
    );
  });
});

describe('recording proxy transcript', () => {
  it('writes the request body to the trial transcript as the bytes it forwarded, not serialised again', async () => {
    const forwarded: string[] = [];
    const upstream = answeringOk(forwarded);
    const dir = mkdtempSync(join(tmpdir(), 'pairbench-proxy-transcript-'));
    const file = new TranscriptFile(join(dir, 'transcript.jsonl'));
    // Pretty-printed, as some agents send it: nothing in it needs changing, so it goes on as sent.
    const body = JSON.stringify({ model: 'm', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] }, null, 2);
    try {
      await withStub(upstream, async (proxy) => {
        const turns: TurnRecord[] = [];
        const h = proxy.openTrial({ trialId: 'raw', task: 'git-init', levers: AGENT_DEFAULT_LEVERS, onTurn: (r) => turns.push(r), transcript: (e) => file.append(e) });
        await (await post(proxy, h.key, body)).text();
        while (turns.length === 0) await new Promise((r) => setTimeout(r, 10));
      });
      file.close();
      const lines = readFileSync(file.path, 'utf8').trim().split('\n');
      const request = lines.find((l) => (JSON.parse(l) as { type: string }).type === 'request')!;
      expect(forwarded).toEqual([body]);
      // The forwarded bytes, each line break a space so the entry stays one line.
      expect(request).toContain(`"body":${body.replace(/\n/g, ' ')}}`);
      expect((JSON.parse(request) as { body: unknown }).body).toEqual(JSON.parse(body));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the transcript UTF-8 when an agent sends bytes that are not', async () => {
    const upstream = answeringOk([]);
    const dir = mkdtempSync(join(tmpdir(), 'pairbench-proxy-transcript-'));
    const file = new TranscriptFile(join(dir, 'transcript.jsonl'));
    // JSON.parse takes it (the stray byte as U+FFFD), so the call goes on; the line must still be UTF-8.
    const body = Buffer.concat([Buffer.from('{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"a'), Buffer.from([0xff]), Buffer.from('b"}]}')]);
    try {
      await withStub(upstream, async (proxy) => {
        const turns: TurnRecord[] = [];
        const h = proxy.openTrial({ trialId: 'bad-bytes', task: 'git-init', levers: AGENT_DEFAULT_LEVERS, onTurn: (r) => turns.push(r), transcript: (e) => file.append(e) });
        const res = await fetch(`${proxy.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${h.key}` }, body });
        expect(res.status).toBe(200);
        await res.text();
        while (turns.length === 0) await new Promise((r) => setTimeout(r, 10));
      });
      file.close();
      const bytes = readFileSync(file.path);
      expect(isUtf8(bytes)).toBe(true);
      const request = bytes.toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; body: { messages: { content: string }[] } }).find((e) => e.type === 'request')!;
      expect(request.body.messages[0]!.content).toBe('a\ufffdb');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
