// Task images, built once per content: the tag carries a hash of environment/, so a second
// sweep finds its images and builds nothing. A build that fails (a base image that cannot
// be had, a failing step, the build timeout) is the trial's `build_failed` outcome, and the
// whole build log is kept where the error message says.

import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import type { EnsureImageOptions, EnsuredImage } from '../../core/engine.js';
import type { ComposeService, LoadedTask } from '../../core/task.js';
import { ERROR_CODES, PairbenchError, errorMessage } from '../../core/errors.js';
import { environmentHash, imageNameFor, taskImageTag } from '../image-tags.js';
import { packDirectory } from '../tar.js';

// Concurrent trials of one task share one build instead of racing the engine; each engine
// (a pool may hold several) builds its own.
const inFlightByEngine = new WeakMap<Docker, Map<string, Promise<EnsuredImage>>>();

/** `buildOptions` are added to the engine's build query (Podman's RUN steps need ulimits). */
export async function ensureTaskImage(docker: Docker, task: LoadedTask, opts: EnsureImageOptions, buildOptions: Record<string, string> = {}): Promise<EnsuredImage> {
  const timeoutMs = opts.timeoutMs ?? task.config.environment.buildTimeoutSec * 1000;
  const prebuilt = task.config.environment.dockerImage;
  const key = prebuilt ?? (await taskImageTag(task));
  const inFlight = inFlightByEngine.get(docker) ?? new Map<string, Promise<EnsuredImage>>();
  inFlightByEngine.set(docker, inFlight);
  const running = inFlight.get(key);
  if (running) return running;
  const source = { contextDir: task.paths.environmentDir, dockerfile: task.paths.dockerfile };
  const job = (prebuilt ? ensurePrebuilt(docker, prebuilt, opts.logPath, timeoutMs, opts.signal) : ensureBuilt(docker, task, source, key, opts.logPath, timeoutMs, buildOptions, opts.signal)).finally(
    () => inFlight.delete(key),
  );
  inFlight.set(key, job);
  return job;
}

/** A compose sidecar's image: built from its context inside environment/ (tagged by its content), else its image. */
export async function ensureServiceImage(docker: Docker, task: LoadedTask, service: ComposeService, opts: EnsureImageOptions, buildOptions: Record<string, string> = {}): Promise<EnsuredImage> {
  const timeoutMs = opts.timeoutMs ?? task.config.environment.buildTimeoutSec * 1000;
  const build = service.build;
  const key = build ? `${imageNameFor(`${task.name}-${service.name}`)}:${await environmentHash(build.context)}` : service.image!;
  const inFlight = inFlightByEngine.get(docker) ?? new Map<string, Promise<EnsuredImage>>();
  inFlightByEngine.set(docker, inFlight);
  const running = inFlight.get(key);
  if (running) return running;
  const source = build ? { contextDir: build.context, dockerfile: path.join(build.context, build.dockerfile) } : null;
  const job = (source ? ensureBuilt(docker, task, source, key, opts.logPath, timeoutMs, buildOptions, opts.signal) : ensurePrebuilt(docker, key, opts.logPath, timeoutMs, opts.signal)).finally(
    () => inFlight.delete(key),
  );
  inFlight.set(key, job);
  return job;
}

// Each image's ENTRYPOINT, as the last look at it found it: a trial container runs its boot
// script before it (container.ts), and the look ensureImage takes anyway saves asking again.
const entrypoints = new WeakMap<Docker, Map<string, string[]>>();

async function imageExists(docker: Docker, ref: string): Promise<boolean> {
  try {
    const info = await docker.getImage(ref).inspect();
    remember(docker, ref, info.Config?.Entrypoint);
    return true;
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return false;
    throw e;
  }
}

function remember(docker: Docker, ref: string, entrypoint: string | string[] | null | undefined): string[] {
  const list = entrypoint == null ? [] : Array.isArray(entrypoint) ? entrypoint : [entrypoint];
  const known = entrypoints.get(docker) ?? new Map<string, string[]>();
  entrypoints.set(docker, known);
  known.set(ref, list);
  return list;
}

/** The image's ENTRYPOINT ([] for none), from ensureImage's look when it took one, else asked now. */
export async function imageEntrypoint(docker: Docker, ref: string): Promise<string[]> {
  const known = entrypoints.get(docker)?.get(ref);
  if (known) return known;
  const info = await docker.getImage(ref).inspect();
  return remember(docker, ref, info.Config?.Entrypoint);
}

async function ensureBuilt(
  docker: Docker,
  task: LoadedTask,
  source: { contextDir: string; dockerfile: string | null },
  tag: string,
  logPath: string,
  timeoutMs: number,
  buildOptions: Record<string, string>,
  signal?: AbortSignal,
): Promise<EnsuredImage> {
  if (await imageExists(docker, tag)) return { image: tag, built: false, buildMs: 0 };
  const started = performance.now();
  const log = await openLog(logPath);
  log.write(`# pairbench: building ${tag} for task ${task.name} from ${source.contextDir}\n`);
  try {
    if (!source.dockerfile) throw new Error('the task has neither environment/Dockerfile nor [environment] docker_image');
    const context = await packDirectory(source.contextDir);
    const dockerfile = path.relative(source.contextDir, source.dockerfile).split(path.sep).join('/');
    const stream = await docker.buildImage(context as unknown as NodeJS.ReadableStream, {
      t: tag,
      dockerfile,
      rm: true,
      forcerm: true,
      labels: { [`pairbench.task`]: task.name, 'pairbench.managed': 'true' },
      ...buildOptions,
    });
    await followToLog(docker, stream, log, timeoutMs, `build of ${tag}`, signal);
    if (!(await imageExists(docker, tag))) throw new Error('the engine reported no error but the image is missing');
  } catch (e) {
    log.write(`\n# pairbench: build failed: ${errorMessage(e)}\n`);
    await closeLog(log);
    throw buildFailed(task.name, tag, logPath, e);
  }
  log.write(`\n# pairbench: built ${tag}\n`);
  await closeLog(log);
  return { image: tag, built: true, buildMs: Math.round(performance.now() - started) };
}

async function ensurePrebuilt(docker: Docker, ref: string, logPath: string, timeoutMs: number, signal?: AbortSignal): Promise<EnsuredImage> {
  if (await imageExists(docker, ref)) return { image: ref, built: false, buildMs: 0 };
  const started = performance.now();
  const log = await openLog(logPath);
  log.write(`# pairbench: ${ref} is not present locally; pulling it\n`);
  try {
    const stream = (await docker.pull(ref)) as NodeJS.ReadableStream;
    await followToLog(docker, stream, log, timeoutMs, `pull of ${ref}`, signal);
  } catch (e) {
    log.write(`\n# pairbench: pull failed: ${errorMessage(e)}\n`);
    await closeLog(log);
    throw buildFailed(ref, ref, logPath, e);
  }
  await closeLog(log);
  return { image: ref, built: true, buildMs: Math.round(performance.now() - started) };
}

function buildFailed(task: string, image: string, logPath: string, cause: unknown): PairbenchError {
  return new PairbenchError(
    ERROR_CODES.BUILD_FAILED,
    `image ${image} for task ${task} could not be had: ${firstLine(errorMessage(cause))} (build log: ${logPath})`,
    { cause, outcome: 'build_failed' },
  );
}

interface ProgressEvent {
  stream?: string;
  status?: string;
  progress?: string;
  id?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/** Writes every progress event to the log; rejects on an error event, the timeout or the signal. */
function followToLog(docker: Docker, stream: NodeJS.ReadableStream, log: WriteStream, timeoutMs: number, what: string, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let failure: string | null = null;
    const cancel = (why: string): void => {
      if (failure) return;
      failure = why;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      // Dropping the connection makes the engine cancel the build.
      (stream as NodeJS.ReadableStream & { destroy(): void }).destroy();
      reject(new Error(failure));
    };
    const timer = setTimeout(() => cancel(`${what} timed out after ${Math.round(timeoutMs / 1000)} s`), timeoutMs);
    const onAbort = (): void => cancel(`${what} cancelled: the sweep was interrupted`);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    docker.modem.followProgress(
      stream,
      (err: Error | null) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (failure) return;
        if (err) reject(err);
        else resolve();
      },
      (ev: ProgressEvent) => {
        if (ev.stream) log.write(ev.stream);
        else if (ev.status) log.write(`${ev.id ? `${ev.id}: ` : ''}${ev.status}${ev.progress ? ` ${ev.progress}` : ''}\n`);
        const message = ev.errorDetail?.message ?? ev.error;
        if (message && !failure) {
          failure = message;
          log.write(`${message}\n`);
          clearTimeout(timer);
          reject(new Error(message));
        }
      },
    );
  });
}

async function openLog(logPath: string): Promise<WriteStream> {
  await mkdir(path.dirname(logPath), { recursive: true });
  return createWriteStream(logPath, { flags: 'w' });
}

function closeLog(log: WriteStream): Promise<void> {
  return new Promise((resolve) => log.end(resolve));
}

function firstLine(s: string): string {
  return s.trim().split('\n')[0] ?? s;
}
