// What a simulated server is started with, its defaults, and validation that lists every
// bad setting at once.

import { ERROR_CODES, ValidationError } from '../core/errors.js';
import { costModelProblems, DEFAULT_COST_MODEL, type CostModel } from './cost-model.js';
import { faultRateProblems, NO_FAULTS, type FaultRates } from './faults.js';

export interface SimOptions {
  host?: string;
  /** 0 (the default) picks an ephemeral port. */
  port?: number;
  /** Real delay = modelled time x timeScale. 0 = no waiting; 1 = real time. Default 0. */
  timeScale?: number;
  /** Tasks the scripted policy knows (subdirectories with instruction.md and solution/solve.sh). */
  tasksDir?: string | null;
  /** Real milliseconds /health answers 503 after start. Default 0. */
  loadTimeMs?: number;
  /** Parallel slots, each with its own prefix cache (llama-server `-np`). Default 1. */
  slots?: number;
  /** Context size per slot, reported in /props and /slots. */
  nCtx?: number;
  cost?: Partial<CostModel>;
  faults?: Partial<FaultRates>;
  /** Requests one injected 503 burst answers, the first included. Default 3. */
  burstLength?: number;
  seed?: number;
  /** Draft on every request, as a server started with a draft model does; the number is n_max. */
  specDefault?: number | null;
  model?: string;
  /** What a simulated crash does: exit the process (the CLI) or close the server (in-process). */
  crash?: 'exit' | 'close';
}

/**
 * How pairbench starts a simulated server process: the options as one typed object, handed
 * over as JSON (`pairbench serve --simulated --launch <json>`), never rendered into flags.
 */
export interface SimLaunch {
  options: SimOptions;
  /** Exit when this process is gone (a SIGKILLed runner cannot stop its server). */
  parentPid: number | null;
}

export interface ResolvedSimOptions {
  host: string;
  port: number;
  timeScale: number;
  tasksDir: string | null;
  loadTimeMs: number;
  slots: number;
  nCtx: number;
  cost: CostModel;
  faults: FaultRates;
  burstLength: number;
  seed: number;
  specDefault: number | null;
  model: string;
  crash: 'exit' | 'close';
}

export const SIMULATED_MODEL = 'pairbench-simulated';
export const SIMULATED_FINGERPRINT = 'pairbench-simulated';
/** Exit code of the CLI server when a crash fault fires. */
export const CRASH_EXIT_CODE = 3;

export function resolveSimOptions(options: SimOptions): ResolvedSimOptions {
  const resolved: ResolvedSimOptions = {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    timeScale: options.timeScale ?? 0,
    tasksDir: options.tasksDir ?? null,
    loadTimeMs: options.loadTimeMs ?? 0,
    slots: options.slots ?? 1,
    nCtx: options.nCtx ?? 131072,
    cost: { ...DEFAULT_COST_MODEL, ...definedOnly(options.cost ?? {}) },
    faults: { ...NO_FAULTS, ...definedOnly(options.faults ?? {}) },
    burstLength: options.burstLength ?? 3,
    seed: options.seed ?? 1,
    specDefault: options.specDefault ?? null,
    model: options.model ?? SIMULATED_MODEL,
    crash: options.crash ?? 'close',
  };
  const problems = [
    ...costModelProblems(resolved.cost).map((p) => `cost ${p}`),
    ...faultRateProblems(resolved.faults),
  ];
  const int = (name: string, v: number, min: number, max = Number.MAX_SAFE_INTEGER): void => {
    if (!(Number.isInteger(v) && v >= min && v <= max)) problems.push(`${name}: must be an integer in [${min}, ${max}] (got ${v})`);
  };
  int('port', resolved.port, 0, 65535);
  int('slots', resolved.slots, 1, 64);
  int('nCtx', resolved.nCtx, 1);
  int('burstLength', resolved.burstLength, 1);
  int('seed', resolved.seed, 0);
  if (!(Number.isFinite(resolved.timeScale) && resolved.timeScale >= 0)) problems.push(`timeScale: must be a number >= 0 (got ${resolved.timeScale})`);
  if (!(Number.isFinite(resolved.loadTimeMs) && resolved.loadTimeMs >= 0)) problems.push(`loadTimeMs: must be a number >= 0 (got ${resolved.loadTimeMs})`);
  if (resolved.specDefault !== null) int('specDefault', resolved.specDefault, 1, 256);
  if (problems.length > 0) throw new ValidationError(ERROR_CODES.CONFIG_INVALID, 'invalid simulated server options', problems);
  return resolved;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
