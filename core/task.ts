// A task directory in Harbor's layout, loaded and validated. Fields pairbench does not
// use are kept in `raw` untouched, so a Harbor task loads unchanged; the ones it cannot
// honour are named in `warnings`.

/** Harbor's network modes that pairbench enforces (allowlist is run as no-network, with a warning). */
export type NetworkMode = 'public' | 'no-network';

/** Harbor's [environment.healthcheck]: run after start, all before the agent begins. */
export interface Healthcheck {
  command: string;
  intervalSec: number;
  timeoutSec: number;
  startPeriodSec: number;
  startIntervalSec: number;
  retries: number;
}

/**
 * An env table as task.toml wrote it: values may be `${HOST_VAR}` or `${HOST_VAR:-default}`
 * templates. They are resolved only when a command runs (core/env-templates.ts), so a
 * resolved secret never sits in a loaded task, the store, a log or a report.
 */
export type EnvTemplates = Record<string, string>;

export interface TaskConfig {
  /** [task] name (Harbor's org/name), when the task has one; the directory name is pairbench's key. */
  harborName: string | null;
  agent: { timeoutSec: number; user: string | null; network: NetworkMode };
  verifier: { timeoutSec: number; env: EnvTemplates; user: string | null; network: NetworkMode };
  solution: { env: EnvTemplates };
  environment: {
    buildTimeoutSec: number;
    cpus: number;
    memoryMb: number;
    pidsLimit: number;
    /** The baseline for setup and any phase that names none. */
    network: NetworkMode;
    dockerImage: string | null; // a prebuilt image instead of environment/Dockerfile
    workdir: string | null;
    env: EnvTemplates;
    healthcheck: Healthcheck | null;
  };
  metadata: Record<string, unknown>;
}

/** A compose healthcheck, as pairbench runs it: an argv exec'd in the service's container. */
export interface ServiceHealthcheck {
  argv: string[];
  intervalSec: number;
  timeoutSec: number;
  startPeriodSec: number;
  startIntervalSec: number;
  retries: number;
}

/**
 * One sidecar of environment/docker-compose.yaml (every service but Harbor's `main`): started
 * before the trial's own container, on the trial's network, reachable by its service name.
 */
export interface ComposeService {
  name: string;
  /** Built from a directory inside environment/ (absolute path; dockerfile relative to it), else `image`. */
  build: { context: string; dockerfile: string } | null;
  /** A local image (or the tag its build gets). */
  image: string | null;
  entrypoint: string[] | null;
  command: string[] | null;
  /** Values may be ${HOST_VAR} templates, resolved only when the service starts. */
  environment: EnvTemplates;
  workingDir: string | null;
  user: string | null;
  /** Services that must be up first; `healthy` waits on their healthcheck. */
  dependsOn: { service: string; healthy: boolean }[];
  healthcheck: ServiceHealthcheck | null;
}

/** environment/docker-compose.yaml, as pairbench runs it: Harbor's main service plus sidecars. */
export interface ComposeEnvironment {
  /** Sidecars in start order: each after every service it depends on. */
  services: ComposeService[];
  /** The main service's own `environment` (container env, templates allowed). */
  mainEnvironment: EnvTemplates;
}

export interface LoadedTask {
  name: string; // the directory's name
  dir: string; // absolute path
  instruction: string; // instruction.md, byte for byte
  config: TaskConfig;
  raw: Record<string, unknown>; // the whole parsed task.toml
  /** Harbor fields this task sets that pairbench does not honour, one line each. */
  warnings: string[];
  /** Files that still hold a `pairbench tasks new` placeholder; empty once the task is written. */
  unfinished: string[];
  /** environment/docker-compose.yaml's services, when the task has one. */
  compose: ComposeEnvironment | null;
  paths: {
    taskToml: string;
    instruction: string;
    environmentDir: string;
    dockerfile: string | null;
    solveSh: string;
    testsDir: string;
    testSh: string;
  };
}

// Harbor's defaults (src/harbor/models/task/config.py), except where pairbench must bound a
// value Harbor leaves open: the agent timeout (None in Harbor) and pids_limit (pairbench's own).
export const TASK_DEFAULTS = {
  agentTimeoutSec: 600,
  verifierTimeoutSec: 600,
  buildTimeoutSec: 600,
  cpus: 1,
  memoryMb: 2048,
  pidsLimit: 512,
  network: 'public',
} as const;

/** Harbor's HealthcheckConfig defaults. */
export const HEALTHCHECK_DEFAULTS = {
  intervalSec: 5,
  timeoutSec: 30,
  startPeriodSec: 0,
  startIntervalSec: 5,
  retries: 3,
} as const;
