import type { Command } from 'commander';
import { ERROR_CODES, PairbenchError } from '../../core/errors.js';
import type { ServingEndpoint } from '../../core/serving.js';
import { SWEEP_SETTINGS, settingHelp } from '../../core/sweep-settings.js';
import { DEFAULT_DB } from './run.js';

// The serving options a sweep takes, declared once in core/sweep-settings.ts: a check reaches
// the server exactly as `pairbench run` would.
const TARGET_SETTINGS = [SWEEP_SETTINGS.source, SWEEP_SETTINGS.baseUrl, SWEEP_SETTINGS.model, SWEEP_SETTINGS.dialect, SWEEP_SETTINGS.apiKeyEnv];

interface CheckFlags {
  serving?: string;
  baseUrl?: string;
  model?: string;
  dialect?: string;
  apiKeyEnv?: string;
  db: string;
  save: boolean;
  json?: boolean;
}

const CHECK_HELP = `
What it measures, each as yes / no / unknown with the field and value that decided it:
  health route answers            the dialect's readiness route (llama-server: GET /health)
  usage / cached tokens / timings the figures a sweep records, present in a streamed reply
  thinking switch honoured        the same request with thinking on and off
  speculative keys applied        timings.draft_n on a request carrying speculative.* keys
  cache reuse across turns        a second turn extending the first: cached tokens > 0
  prefix cache off honoured       cache_prompt: false brings cached tokens to ~0
  context size                    /props or /slots n_ctx (llama-server), max_model_len (vLLM)
  output-token cap honoured       completion tokens within max_tokens

Run it before a sweep on a server you did not start with pairbench. The findings are saved in
--db; \`pairbench run\` on the same server and model warns, before the sweep starts, when a
variant asks for a lever this check found not honoured. Seven short chat calls.

Examples:
  pairbench serving check --base-url http://127.0.0.1:8080 --model qwen3 --dialect llama-server
  pairbench serving check --serving serving.toml --json`;

export function registerServing(program: Command): void {
  const serving = program.command('serving').description("Check a model server: what it does with each lever pairbench sends (serving check)");
  const check = serving
    .command('check')
    .description('Measure what a model server does with every lever pairbench sends, and save the findings for sweeps on it');
  for (const decl of TARGET_SETTINGS) check.option(`--${decl.flag} ${decl.arg}`, settingHelp(decl));
  check
    .option('--db <path>', 'SQLite database the findings are saved in; sweeps writing there read them', DEFAULT_DB)
    .option('--no-save', 'print the findings only')
    .option('--json', 'the findings as one JSON object')
    .addHelpText('after', CHECK_HELP)
    .action(async (flags: CheckFlags) => {
      const target = await targetFor(flags);
      try {
        // The probes, the client and the store load only when a check runs, never for help.
        const { checkServing } = await import('../../serving/check/probes.js');
        const { SPECULATIVE_PARAMS } = await import('../../harnesses/agent/request.js');
        const result = await checkServing(target.endpoint, { speculative: SPECULATIVE_PARAMS });
        let savedIn: string | null = null;
        if (flags.save && target.saved) {
          const [{ openStore }, { saveServingCheck }] = await Promise.all([import('../../store/db.js'), import('../../store/serving-checks.js')]);
          const db = openStore(flags.db);
          try {
            saveServingCheck(db, result);
          } finally {
            db.close();
          }
          savedIn = flags.db;
        }
        if (flags.json) {
          process.stdout.write(`${JSON.stringify({ ...result, savedIn })}\n`);
          return;
        }
        const { renderCheck } = await import('../../serving/check/render.js');
        process.stdout.write(renderCheck(result));
        process.stdout.write(
          savedIn !== null
            ? `Saved in ${savedIn}: \`pairbench run --db ${savedIn}\` on this server warns about the levers marked no.\n`
            : `Not saved${target.saved ? ' (--no-save)' : ': a simulated server started for this check only has no address a sweep would reuse'}.\n`,
        );
      } finally {
        await target.stop();
      }
    });
}

interface Target {
  endpoint: ServingEndpoint;
  /** Whether a sweep could reach this server again by its address. */
  saved: boolean;
  stop(): Promise<void>;
}

async function targetFor(flags: CheckFlags): Promise<Target> {
  const { loadServingConfig, servingConfigFromFlags } = await import('../../serving/control/config.js');
  const endpointFlags = ['baseUrl', 'model', 'dialect', 'apiKeyEnv'] as const;
  const given = endpointFlags.filter((k) => flags[k] !== undefined);
  if (flags.serving !== undefined && given.length > 0) {
    throw new PairbenchError(ERROR_CODES.CONFIG_INVALID, '--serving and --base-url/--model/--dialect/--api-key-env name a server twice: give one or the other');
  }
  if (flags.serving === 'simulated') return simulated({});
  if (flags.serving !== undefined) {
    const config = await loadServingConfig(flags.serving);
    const m = config.management;
    if (m.type === 'simulated') return simulated({ seed: m.simulated.seed ?? undefined, faults: m.simulated.faults });
    return remote({ ...config.endpoint, baseUrl: config.endpoint.baseUrl!, simulated: false });
  }
  if (flags.baseUrl === undefined) {
    throw new PairbenchError(
      ERROR_CODES.CONFIG_INVALID,
      'serving check needs a server: --base-url URL --model NAME [--dialect DIALECT] [--api-key-env VAR], or --serving serving.toml, or --serving simulated',
    );
  }
  const config = servingConfigFromFlags(flags);
  return remote({ ...config.endpoint, baseUrl: config.endpoint.baseUrl!, simulated: false });
}

function remote(endpoint: ServingEndpoint): Target {
  return { endpoint, saved: true, stop: async () => {} };
}

/** The simulator on an ephemeral port, in this process, without modelled delays. */
async function simulated(options: { seed?: number; faults?: Record<string, number> }): Promise<Target> {
  const { startSimulatedServer } = await import('../../simulator/server.js');
  const server = await startSimulatedServer({ timeScale: 0, ...(options.seed !== undefined && { seed: options.seed }), ...(options.faults && { faults: options.faults }) });
  return {
    endpoint: { baseUrl: server.url, model: 'simulated', dialect: 'llama-server', apiKeyEnv: null, simulated: true },
    saved: false,
    stop: () => server.close(),
  };
}
