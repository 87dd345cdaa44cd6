// Prints one plain closing line, `tests: N passed, N failed, N skipped`, after vitest's own
// summary, so any log reader (CI included) can count results without knowing vitest's format.
import type { Reporter, TestModule } from 'vitest/node';

export default class ClosingLineReporter implements Reporter {
  private line = '';

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      // A file that failed to load has no tests but is a failure all the same.
      if (mod.state() === 'failed' && [...mod.children.allTests()].length === 0) failed++;
    }
    this.line = `tests: ${passed} passed, ${failed} failed, ${skipped} skipped`;
  }

  // Written at process exit so it stands after the default reporter's summary.
  onInit(): void {
    process.once('exit', () => {
      if (this.line) process.stdout.write(`${this.line}\n`);
    });
  }
}
