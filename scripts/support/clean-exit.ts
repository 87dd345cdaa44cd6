// A benchmark that cannot run (no engine, no fixture, a bad argument) says why in one line and
// exits 1, as the CLI does: the error's own message names the problem and the fix. Imported
// first by every script, so a rejection anywhere, top-level await included, lands here.
// PAIRBENCH_DEBUG=1 keeps the stack for whoever is debugging the script itself.

function fail(e: unknown): never {
  const script = process.argv[1]?.split('/').pop()?.replace(/\.js$/, '') ?? 'bench';
  const text = e instanceof Error ? (process.env.PAIRBENCH_DEBUG ? (e.stack ?? e.message) : e.message) : String(e);
  process.stderr.write(`${script}: ${text}\n`);
  process.exit(1);
}

process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);
