// A test-only fault: makes the agent loop's own code throw a real TypeError, so the suite can
// prove a harness bug is recorded as the harness's outcome (harness_error) and not the
// machine's. Off unless PAIRBENCH_TEST_HARNESS_THROW names the variant and the task's
// instruction carries the marker below; no user sweep sets either.

export const HARNESS_THROW_ENV = 'PAIRBENCH_TEST_HARNESS_THROW';
export const HARNESS_THROW_MARKER = 'pairbench-test: harness-throw';

interface Step {
  readonly actions: readonly unknown[];
}

/** Called with each parsed reply; throws exactly as a buggy loop would, by dereferencing null. */
export function maybeThrowForTest(variant: string, instruction: string): void {
  const wanted = process.env[HARNESS_THROW_ENV];
  if (wanted === undefined || wanted === '' || !instruction.includes(HARNESS_THROW_MARKER)) return;
  if (!wanted.split(',').includes(variant)) return;
  const step = null as unknown as Step;
  void step.actions.length; // TypeError: Cannot read properties of null
}
