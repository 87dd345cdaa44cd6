// A task directory in Harbor's layout, loaded and validated. Fields pairbench does not
// use are kept in `raw` untouched, so a Harbor task loads unchanged.

export interface TaskConfig {
  agent: { timeoutSec: number };
  verifier: { timeoutSec: number; env: Record<string, string> };
  environment: {
    buildTimeoutSec: number;
    cpus: number;
    memoryMb: number;
    pidsLimit: number;
    allowInternet: boolean;
    dockerImage: string | null; // a prebuilt image instead of environment/Dockerfile
  };
  metadata: Record<string, unknown>;
}

export interface LoadedTask {
  name: string; // the directory's name
  dir: string; // absolute path
  instruction: string; // instruction.md, byte for byte
  config: TaskConfig;
  raw: Record<string, unknown>; // the whole parsed task.toml
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

export const TASK_DEFAULTS = {
  agentTimeoutSec: 600,
  verifierTimeoutSec: 120,
  buildTimeoutSec: 600,
  cpus: 1,
  memoryMb: 2048,
  pidsLimit: 512,
} as const;
