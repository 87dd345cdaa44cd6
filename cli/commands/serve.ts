import type { Command } from 'commander';
import type { SimLaunch } from '../../simulator/options.js';
import { ERROR_CODES, PairbenchError } from '../../core/errors.js';
import type { CostModel } from '../../simulator/cost-model.js';
import type { FaultRates } from '../../simulator/faults.js';

interface ServeFlags {
  simulated?: boolean;
  host: string;
  port: string;
  timeScale: string;
  tasksDir: string;
  loadTimeMs: string;
  slots: string;
  nCtx?: string;
  model?: string;
  seed: string;
  specDefault?: string | true;
  parentPid?: string;
  prefillTps?: string;
  decodeTps?: string;
  reasoningTokens?: string;
  specSpeedup?: string;
  specAcceptance?: string;
  requestOverheadMs?: string;
  slowdownPerRequest?: string;
  faultRefuse?: string;
  fault503?: string;
  faultStall?: string;
  faultMalformed?: string;
  faultGarbage?: string;
  faultCrash?: string;
  faultBurstLength?: string;
  launch?: string;
}

// Strings become numbers here; a bad one becomes NaN and is reported, with every other
// problem, by the server's option validation.
const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));

// Draft window when --spec-default is given without a value.
const DEFAULT_SPEC_N_MAX = 16;

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Run the simulated llama-server (scripted policy, cost-model clock) on a real HTTP port.')
    .option('--simulated', 'serve the simulator (the only server pairbench runs itself)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 = ephemeral)', '8080')
    .option('--time-scale <s>', 'real delay = modelled time x s (0 = no waiting, 1 = real time)', '1')
    .option('--tasks-dir <dir>', 'tasks whose reference solutions the policy plays', './tasks')
    .option('--load-time-ms <n>', 'milliseconds /health answers 503 after start', '0')
    .option('--slots <n>', 'parallel slots, each with its own prefix cache (like -np)', '1')
    .option('--n-ctx <n>', 'context size reported per slot')
    .option('--model <name>', 'model id to report')
    .option('--seed <n>', 'seed for fault injection', '1')
    .option('--spec-default [nMax]', 'draft on every request, as a server started with a draft model')
    .option('--prefill-tps <n>', 'uncached prompt tokens per second')
    .option('--decode-tps <n>', 'decode tokens per second')
    .option('--reasoning-tokens <n>', 'reasoning block length when thinking is on')
    .option('--spec-speedup <x>', 'decode speed-up when speculative decoding runs')
    .option('--spec-acceptance <r>', 'share of drafted tokens accepted')
    .option('--request-overhead-ms <n>', 'fixed cost per request')
    .option('--slowdown-per-request <f>', 'added latency per request served since start (0.005 = +0.5%)')
    .option('--fault-refuse <rate>', 'rate of connections destroyed at once')
    .option('--fault-503 <rate>', 'rate of 503 bursts (this and the next few requests)')
    .option('--fault-burst-length <n>', 'requests one 503 burst answers')
    .option('--fault-stall <rate>', 'rate of streams that stop mid-way and hold the connection')
    .option('--fault-malformed <rate>', 'rate of streams with a data line that is not JSON')
    .option('--fault-garbage <rate>', 'rate of replies that break the reply contract')
    .option('--fault-crash <rate>', 'rate of requests during which the process exits')
    .option('--parent-pid <pid>', 'exit when this process is gone (pairbench passes its own pid, so no server outlives a killed runner)')
    .option('--launch <json>', 'every setting at once, as the JSON pairbench starts its simulated server with; no other flag beside it')
    .action(async (flags: ServeFlags, command: Command) => {
      if (!flags.simulated) {
        throw new PairbenchError(
          ERROR_CODES.CONFIG_INVALID,
          'pairbench serves only the simulator: use `pairbench serve --simulated`. Real servers (llama-server, vLLM, Ollama, OpenAI-compatible APIs) run on their own and are reached with `pairbench run --base-url URL --dialect DIALECT`.',
        );
      }
      const launch = flags.launch !== undefined ? launchFromJson(flags.launch, command) : launchFromFlags(flags);
      // The simulator loads only when the command runs, never for help.
      const { startSimulatedServer } = await import('../../simulator/server.js');
      const server = await startSimulatedServer({ ...launch.options, crash: 'exit' });
      process.stdout.write(`listening on ${server.url}\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGTERM', stop);
          process.off('SIGINT', stop);
          void server.close().then(resolve);
        };
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
        // A SIGKILLed runner cannot stop its server: the server notices its parent is gone.
        if (launch.parentPid !== null) {
          const parent = launch.parentPid;
          const watch = setInterval(() => {
            if (alive(parent)) return;
            clearInterval(watch);
            stop();
          }, 250);
          watch.unref();
        }
      });
    });
}

/** The settings a user gave as flags. */
function launchFromFlags(flags: ServeFlags): SimLaunch {
  const cost: Partial<CostModel> = {
    prefillTps: num(flags.prefillTps),
    decodeTps: num(flags.decodeTps),
    reasoningTokens: num(flags.reasoningTokens),
    specSpeedup: num(flags.specSpeedup),
    specAcceptance: num(flags.specAcceptance),
    requestOverheadMs: num(flags.requestOverheadMs),
    slowdownPerRequest: num(flags.slowdownPerRequest),
  };
  const faults: Partial<FaultRates> = {
    refuse: num(flags.faultRefuse),
    http503: num(flags.fault503),
    stall: num(flags.faultStall),
    malformed: num(flags.faultMalformed),
    garbage: num(flags.faultGarbage),
    crash: num(flags.faultCrash),
  };
  return {
    options: {
      host: flags.host,
      port: Number(flags.port),
      timeScale: Number(flags.timeScale),
      tasksDir: flags.tasksDir,
      loadTimeMs: Number(flags.loadTimeMs),
      slots: Number(flags.slots),
      nCtx: num(flags.nCtx),
      model: flags.model,
      seed: Number(flags.seed),
      specDefault: flags.specDefault === undefined ? null : flags.specDefault === true ? DEFAULT_SPEC_N_MAX : Number(flags.specDefault),
      burstLength: num(flags.faultBurstLength),
      cost,
      faults,
    },
    parentPid: flags.parentPid === undefined ? null : Number(flags.parentPid),
  };
}

/**
 * The settings pairbench starts its simulated server with, as one JSON object: nothing is
 * rendered into flags and read back. The server's own validation checks the values.
 */
function launchFromJson(json: string, command: Command): SimLaunch {
  const beside = command.options
    .filter((o) => o.long !== '--launch' && o.long !== '--simulated' && command.getOptionValueSource(o.attributeName()) === 'cli')
    .map((o) => o.long);
  if (beside.length > 0) throw new PairbenchError(ERROR_CODES.CONFIG_INVALID, `--launch carries every setting: drop ${beside.join(', ')}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (e) {
    throw new PairbenchError(ERROR_CODES.CONFIG_INVALID, `--launch: not JSON (${(e as Error).message})`);
  }
  const launch = parsed as Partial<SimLaunch> | null;
  if (typeof launch !== 'object' || launch === null || typeof launch.options !== 'object' || launch.options === null) {
    throw new PairbenchError(ERROR_CODES.CONFIG_INVALID, '--launch: must be a JSON object { "options": {...}, "parentPid": N | null }');
  }
  return { options: launch.options, parentPid: typeof launch.parentPid === 'number' ? launch.parentPid : null };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
