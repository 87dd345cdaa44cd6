// The serving controller a sweep drives: brings the server up, restarts it when the policy or
// the canary says so, and reports each start, restart, ready, canary, stop and crash through
// onEvent (which the sweep stores as serving_events).

import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ERROR_CODES, PairbenchError, errorMessage, isPairbenchError } from '../../core/errors.js';
import type { ServingEndpoint } from '../../core/serving.js';
import { canaryVerdict, runCanary } from './canary.js';
import { servingKind, type ServingConfig } from './config.js';
import { healthUrl, waitUntilReady } from './health.js';
import { refuseIfAnswering } from './port-guard.js';
import { saysSimulated } from './identity.js';
import { lifecycleFor, type Lifecycle } from './lifecycles.js';
import { describeExit } from './owned-process.js';
import { fetchProvenance } from './provenance.js';
import type { ServingController, ServingEventOut, ServingKind } from './types.js';

export interface ControllerOptions {
  /** The sweep's directory: serving.log goes here. */
  sweepDir: string;
  /** For the simulated server: the loopback port to use; a free one is picked when absent. */
  port?: number;
}

/**
 * Builds the controller. A simulated server gets a free loopback port on its first start();
 * restarts keep that port, so the endpoint stays the same for the whole sweep. Its endpoint
 * is therefore known once start() has resolved.
 */
export function createServingController(config: ServingConfig, options: ControllerOptions): ServingController {
  if (config.management.type !== 'simulated' && !config.endpoint.baseUrl) {
    throw new PairbenchError(ERROR_CODES.CONFIG_INVALID, 'serving config has no base URL');
  }
  return new Controller(config, options);
}

class Controller implements ServingController {
  readonly kind: ServingKind;
  onEvent: (event: ServingEventOut) => void = () => {};
  private baselineMs: number | null = null;
  private trialsSinceRestart = 0;
  private crashed: string | null = null;
  private started = false;
  private stopped = false;
  // Restarts, canaries and stops never overlap, even when parallel trials finish together.
  private queue: Promise<unknown> = Promise.resolve();

  private lifecycle: Lifecycle | null = null;
  private profile: string | null = null;
  private endpointNow: ServingEndpoint | null;
  private readonly logPath: string;

  constructor(
    private readonly config: ServingConfig,
    private readonly options: ControllerOptions,
  ) {
    this.kind = servingKind(config.management);
    this.logPath = join(options.sweepDir, 'serving.log');
    const baseUrl = config.endpoint.baseUrl;
    this.endpointNow = baseUrl ? { ...config.endpoint, baseUrl, simulated: false } : null;
  }

  get endpoint(): ServingEndpoint {
    if (!this.endpointNow) throw new Error('the simulated server\'s endpoint is known once start() has resolved');
    return this.endpointNow;
  }

  /** Picks the simulated server's port on first use and builds the lifecycle once. */
  private async ensureLifecycle(): Promise<Lifecycle> {
    if (this.lifecycle) return this.lifecycle;
    mkdirSync(this.options.sweepDir, { recursive: true });
    let port: number | null = null;
    if (this.config.management.type === 'simulated') {
      port = this.options.port ?? (await freeLoopbackPort());
      this.endpointNow = { ...this.config.endpoint, baseUrl: `http://127.0.0.1:${port}`, simulated: true };
    }
    this.lifecycle = lifecycleFor(this.config.management, port, {
      logPath: this.logPath,
      onCrash: (exit, tail) => {
        this.crashed = describeExit(exit);
        this.emit('crash', this.crashed, null, { logTail: tail });
      },
    });
    return this.lifecycle;
  }

  start(signal?: AbortSignal): Promise<void> {
    return this.serial(async () => {
      const lifecycle = await this.ensureLifecycle();
      const t0 = performance.now();
      await this.guardPort();
      await lifecycle.start();
      this.started = true;
      this.emit('start', null, performance.now() - t0, { baseUrl: this.endpoint.baseUrl, ...lifecycle.identity(), ...this.profileDetail() });
      // A real server can take minutes to load: waiting for it must not outlast a Ctrl-C.
      await this.waitReady(t0, null, signal);
      // Reached by URL, pairbench's own simulated server is still simulated: ask it.
      if (this.config.management.type !== 'simulated' && this.endpointNow && (await saysSimulated(this.endpointNow.baseUrl))) {
        this.endpointNow = { ...this.endpointNow, simulated: true };
      }
      await this.takeBaseline();
    });
  }

  restart(reason: string): Promise<void> {
    return this.serial(() => this.restartNow(reason));
  }

  useProfile(name: string | null, reason: string): Promise<void> {
    return this.serial(async () => {
      const lifecycle = await this.ensureLifecycle();
      // No profile asked and none in use: any server will do, owned or not.
      if (name === this.profile && (this.started || name === null)) return;
      const profile = name === null ? { args: [] } : this.config.profiles?.[name];
      if (!profile) throw new PairbenchError(ERROR_CODES.CONFIG_INVALID, `no serving profile "${name}" in the serving file`);
      if (!lifecycle.setExtraArgs(profile.args)) throw new PairbenchError(ERROR_CODES.CONFIG_INVALID, `serving profile "${name}": a ${this.kind} server takes no start-up flags from pairbench`);
      this.profile = name;
      // Before the first start the profile only shapes it; later it takes a new process.
      if (this.started) await this.restartNow(reason);
    });
  }

  recover(reason: string, options: { restart: boolean; signal?: AbortSignal }): Promise<void> {
    return this.serial(async () => {
      const lifecycle = await this.ensureLifecycle();
      // A crashed or stalled server pairbench owns gets a fresh process; any other is waited on.
      if (lifecycle.canRestart && (options.restart || this.crashed !== null)) {
        await this.restartNow(this.crashed !== null ? `crashed: ${this.crashed}` : reason);
        return;
      }
      await this.waitReady(performance.now(), `health after a serving failure: ${reason}`, options.signal);
    });
  }

  afterTrial(trialsDone: number): Promise<void> {
    return this.serial(async () => {
      this.trialsSinceRestart++;
      if (this.crashed !== null) {
        await this.restartNow(`crashed: ${this.crashed}`);
        return;
      }
      const canary = this.config.canary;
      if (canary && canary.everyTrials > 0 && trialsDone > 0 && trialsDone % canary.everyTrials === 0) await this.checkCanary();
    });
  }

  // The sweep's plan decides where restarts fall (never between the halves of a pair) and why.
  atBoundary(reason: string): Promise<void> {
    return this.serial(async () => {
      if (this.trialsSinceRestart === 0) return; // nothing ran since the last (re)start: already fresh
      await this.restartNow(reason);
    });
  }

  provenance(): Promise<Record<string, unknown>> {
    return fetchProvenance(this.endpoint).then((p) => ({ ...p, kind: this.kind }));
  }

  stop(): Promise<void> {
    return this.serial(async () => {
      if (this.stopped || !this.started) return;
      this.stopped = true;
      const t0 = performance.now();
      await this.lifecycle?.stop();
      this.emit('stop', null, performance.now() - t0);
    });
  }

  private async restartNow(reason: string): Promise<void> {
    const lifecycle = await this.ensureLifecycle();
    if (!lifecycle.canRestart) {
      this.emit('restart', `${reason} (not done: a remote API cannot be restarted)`, null, { performed: false });
      return;
    }
    const t0 = performance.now();
    const before = lifecycle.identity();
    await lifecycle.restart(() => this.guardPort());
    this.crashed = null;
    this.trialsSinceRestart = 0;
    this.baselineMs = null;
    // The new process's identity is the proof that a restart happened.
    this.emit('restart', reason, performance.now() - t0, { performed: true, before, after: lifecycle.identity(), ...this.profileDetail() });
    await this.waitReady(t0, reason);
    await this.takeBaseline();
  }

  /** A server pairbench starts itself must not find its port already answering. */
  private async guardPort(): Promise<void> {
    if (this.config.management.type === 'command') await refuseIfAnswering(healthUrl(this.endpoint.baseUrl, this.endpoint.dialect));
  }

  private async waitReady(since: number, reason: string | null, signal?: AbortSignal): Promise<void> {
    try {
      const ready = await waitUntilReady(this.endpoint, {
        timeoutMs: this.config.health.timeoutMs,
        intervalMs: this.config.health.intervalMs,
        ...(signal && { signal }),
        gaveUp: () => this.lifecycle?.failure() ?? null,
        // A server pairbench does not manage will not come up by waiting: refuse within seconds.
        ...(this.config.management.type === 'none' && { refusalsBeforeGivingUp: 8 }),
      });
      this.emit('ready', reason, performance.now() - since, { url: ready.url, polls: ready.polls });
    } catch (e) {
      const failure = this.lifecycle?.failure() ?? null;
      if (failure) throw new PairbenchError(ERROR_CODES.SERVING_START_FAILED, `serving layer did not start: ${failure}`, { cause: e, outcome: 'serving_failed' });
      throw e;
    }
  }

  private async takeBaseline(): Promise<void> {
    if (!this.config.canary) return;
    const reading = await this.canaryReading();
    if (reading === null) return;
    this.baselineMs = reading;
    this.emit('canary', 'baseline after (re)start', reading, { baselineMs: reading, tripped: false });
  }

  private async checkCanary(): Promise<void> {
    const canary = this.config.canary;
    if (!canary) return;
    const latency = await this.canaryReading();
    if (latency === null) {
      await this.restartNow('canary failed');
      return;
    }
    if (this.baselineMs === null) {
      this.baselineMs = latency;
      this.emit('canary', 'baseline', latency, { baselineMs: latency, tripped: false });
      return;
    }
    const verdict = canaryVerdict(latency, this.baselineMs, canary.factor);
    this.emit('canary', verdict, latency, { baselineMs: this.baselineMs, factor: canary.factor, tripped: verdict !== null });
    if (verdict) await this.restartNow(verdict);
  }

  /** The canary's latency, or null (recorded as a canary event) when the call failed. */
  private async canaryReading(): Promise<number | null> {
    try {
      return (await runCanary(this.endpoint, this.config.health.timeoutMs)).latencyMs;
    } catch (e) {
      this.emit('canary', `canary failed: ${errorMessage(e)}`, null, { code: isPairbenchError(e) ? e.code : null, tripped: true });
      return null;
    }
  }

  private profileDetail(): { profile?: { name: string; args: readonly string[] } } {
    const args = this.profile === null ? null : this.config.profiles?.[this.profile]?.args;
    return this.profile === null || !args ? {} : { profile: { name: this.profile, args } };
  }

  private emit(kind: ServingEventOut['kind'], reason: string | null, durationMs: number | null, detail?: unknown): void {
    const event: ServingEventOut = { kind, reason, at: new Date().toISOString(), durationMs: durationMs === null ? null : Math.round(durationMs * 10) / 10 };
    if (detail !== undefined) event.detail = detail;
    try {
      this.onEvent(event);
    } catch {
      // a failing listener must not take the serving layer down with it
    }
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** A free loopback port: bind port 0, read it, release it. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}
