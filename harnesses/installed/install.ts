// Installs an agent's npm package once per machine, into a cache directory named for the
// package and version (~/.cache/pairbench/agents/<name>@<version>), which trials mount
// read-only. Install scripts are not run: the host never executes an agent's code, and the
// shipped agents need none (opencode's binary comes as a platform package).

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AgentDefinition } from '../../core/agent.js';
import { ERROR_CODES, PairbenchError, errorMessage } from '../../core/errors.js';

const run = promisify(execFile);
const MARKER = '.pairbench-installed';
const INSTALL_TIMEOUT_MS = 15 * 60_000;

/** PAIRBENCH_AGENT_CACHE, else $XDG_CACHE_HOME/pairbench/agents, else ~/.cache/pairbench/agents. */
export function agentCacheRoot(env: Record<string, string | undefined> = process.env): string {
  if (env.PAIRBENCH_AGENT_CACHE) return env.PAIRBENCH_AGENT_CACHE;
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'pairbench', 'agents');
}

export function installDirFor(def: AgentDefinition, root = agentCacheRoot()): string {
  return join(root, `${def.install.npm.replace('/', '+')}@${def.install.version}`);
}

export interface Installed {
  dir: string;
  /** Absolute path of the entry point on the host. */
  entry: string;
  /** false when the cache already held it. */
  fresh: boolean;
}

/** Installs the agent unless the cache has it; safe to call from several processes at once. */
export async function ensureAgentInstalled(def: AgentDefinition, root = agentCacheRoot()): Promise<Installed> {
  const dir = installDirFor(def, root);
  const entry = join(dir, def.install.entry);
  if (existsSync(join(dir, MARKER))) return { dir, entry, fresh: false };
  await mkdir(root, { recursive: true });
  const lock = `${dir}.lock`;
  await takeLock(lock);
  try {
    if (existsSync(join(dir, MARKER))) return { dir, entry, fresh: false };
    // Install beside the final place, then rename: a half-done install is never mistaken for one.
    const staging = `${dir}.staging-${process.pid}`;
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    const spec = `${def.install.npm}@${def.install.version}`;
    try {
      await run('npm', ['install', '--prefix', staging, '--ignore-scripts', '--no-audit', '--no-fund', '--omit=dev', '--no-save', '--loglevel=error', spec], {
        timeout: INSTALL_TIMEOUT_MS,
        maxBuffer: 16 * 1024 * 1024,
      });
    } catch (e) {
      await rm(staging, { recursive: true, force: true });
      const stderr = String((e as { stderr?: unknown }).stderr ?? '').trim().split('\n').slice(-5).join('\n');
      throw new PairbenchError(ERROR_CODES.CONFIG_INVALID, `agent ${def.name}: npm install ${spec} failed: ${stderr || errorMessage(e)}`);
    }
    if (!existsSync(join(staging, def.install.entry))) {
      await rm(staging, { recursive: true, force: true });
      throw new PairbenchError(ERROR_CODES.CONFIG_INVALID, `agent ${def.name}: ${spec} installed, but install.entry "${def.install.entry}" is not in it; fix install.entry in ${def.dir}/agent.toml`);
    }
    await rm(dir, { recursive: true, force: true });
    await rename(staging, dir);
    await writeFile(join(dir, MARKER), `${spec}\n${new Date().toISOString()}\n`);
    return { dir, entry, fresh: true };
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/** A directory as a lock between processes; a lock older than the install timeout is stale. */
async function takeLock(lock: string): Promise<void> {
  const started = Date.now();
  for (;;) {
    try {
      await mkdir(lock);
      return;
    } catch {
      if (Date.now() - started > INSTALL_TIMEOUT_MS) {
        await rm(lock, { recursive: true, force: true });
        continue;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
