import type { Command } from 'commander';
import { ERROR_CODES, PairbenchError } from '../../core/errors.js';
import type { CostModel } from '../../simulator/cost-model.js';
import type { FaultKind } from '../../simulator/faults.js';
import type { SimLaunch, SimOptions } from '../../simulator/options.js';

// Each setting flag of `pairbench serve`, declared once: its option, its help, and where its
// value goes in the server's options (a number unless `text`). The options, help and the
// mapping into SimOptions all come from this table.
type Target = Exclude<keyof SimOptions, 'cost' | 'faults' | 'crash'> | `cost.${keyof CostModel}` | `faults.${FaultKind}`;
interface ServeFlag {
  option: string;
  help: string;
  to: Target;
  default?: string;
  text?: true;
}
const SERVE_FLAGS: ServeFlag[] = [
  { option: '--host <host>', help: 'address to listen on', to: 'host', default: '127.0.0.1', text: true },
  { option: '--port <port>', help: 'port to listen on (0 = ephemeral)', to: 'port', default: '8080' },
  { option: '--time-scale <s>', help: 'real delay = modelled time x s (0 = no waiting, 1 = real time)', to: 'timeScale', default: '1' },
  { option: '--tasks-dir <dir>', help: 'tasks whose reference solutions the policy plays', to: 'tasksDir', default: './tasks', text: true },
  { option: '--load-time-ms <n>', help: 'milliseconds /health answers 503 after start', to: 'loadTimeMs', default: '0' },
  { option: '--slots <n>', help: 'parallel slots, each with its own prefix cache (like -np)', to: 'slots', default: '1' },
  { option: '--n-ctx <n>', help: 'context size reported per slot', to: 'nCtx' },
  { option: '--model <name>', help: 'model id to report', to: 'model', text: true },
  { option: '--seed <n>', help: 'seed for fault injection', to: 'seed', default: '1' },
  { option: '--spec-default [nMax]', help: 'draft on every request, as a server started with a draft model', to: 'specDefault' },
  { option: '--prefill-tps <n>', help: 'uncached prompt tokens per second', to: 'cost.prefillTps' },
  { option: '--decode-tps <n>', help: 'decode tokens per second', to: 'cost.decodeTps' },
  { option: '--reasoning-tokens <n>', help: 'reasoning block length when thinking is on', to: 'cost.reasoningTokens' },
  { option: '--spec-speedup <x>', help: 'decode speed-up when speculative decoding runs', to: 'cost.specSpeedup' },
  { option: '--spec-acceptance <r>', help: 'share of drafted tokens accepted', to: 'cost.specAcceptance' },
  { option: '--request-overhead-ms <n>', help: 'fixed cost per request', to: 'cost.requestOverheadMs' },
  { option: '--slowdown-per-request <f>', help: 'added latency per request served since start (0.005 = +0.5%)', to: 'cost.slowdownPerRequest' },
  { option: '--fault-refuse <rate>', help: 'rate of connections destroyed at once', to: 'faults.refuse' },
  { option: '--fault-503 <rate>', help: 'rate of 503 bursts (this and the next few requests)', to: 'faults.http503' },
  { option: '--fault-burst-length <n>', help: 'requests one 503 burst answers', to: 'burstLength' },
  { option: '--fault-stall <rate>', help: 'rate of streams that stop mid-way and hold the connection', to: 'faults.stall' },
  { option: '--fault-malformed <rate>', help: 'rate of streams with a data line that is not JSON', to: 'faults.malformed' },
  { option: '--fault-garbage <rate>', help: 'rate of replies that break the reply contract', to: 'faults.garbage' },
  { option: '--fault-rejected <rate>', help: "rate of replies the server's chat parser rejects (HTTP 500, or an error line mid-stream)", to: 'faults.rejected' },
  { option: '--fault-crash <rate>', help: 'rate of requests during which the process exits', to: 'faults.crash' },
];

interface ServeFlags {
  simulated?: boolean;
  parentPid?: string;
  launch?: string;
}

// Draft window when --spec-default is given without a value.
const DEFAULT_SPEC_N_MAX = 16;

export function registerServe(program: Command): void {
  const serve = program
    .command('serve')
    .description('Run the simulated llama-server (scripted policy, cost-model clock) on a real HTTP port.')
    .option('--simulated', 'serve the simulator (the only server pairbench runs itself)');
  for (const f of SERVE_FLAGS) serve.option(f.option, f.help, f.default);
  serve
    .option('--parent-pid <pid>', 'exit when this process is gone (pairbench passes its own pid, so no server outlives a killed runner)')
    .option('--launch <json>', 'every setting at once, as the JSON pairbench starts its simulated server with; no other flag beside it')
    .action(async (flags: ServeFlags, command: Command) => {
      if (!flags.simulated) {
        throw new PairbenchError(
          ERROR_CODES.CONFIG_INVALID,
          'pairbench serves only the simulator: use `pairbench serve --simulated`. Real servers (llama-server, vLLM, Ollama, OpenAI-compatible APIs) run on their own and are reached with `pairbench run --base-url URL --dialect DIALECT`.',
        );
      }
      const launch = flags.launch !== undefined ? launchFromJson(flags.launch, command) : launchFromFlags(flags, command);
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
function launchFromFlags(flags: ServeFlags, command: Command): SimLaunch {
  const options: Record<string, unknown> = {};
  const cost: Record<string, unknown> = {};
  const faults: Record<string, unknown> = {};
  for (const f of SERVE_FLAGS) {
    const option = command.options.find((o) => o.flags === f.option)!;
    const given = command.getOptionValue(option.attributeName()) as string | true | undefined;
    if (given === undefined) continue;
    // A bad number becomes NaN and is reported, with every other problem, by the server's
    // option validation.
    const value = f.text ? given : given === true ? DEFAULT_SPEC_N_MAX : Number(given);
    const [where, key] = f.to.startsWith('cost.') ? [cost, f.to.slice(5)] : f.to.startsWith('faults.') ? [faults, f.to.slice(7)] : [options, f.to];
    where[key] = value;
  }
  return {
    options: { ...options, cost, faults } as SimOptions,
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
