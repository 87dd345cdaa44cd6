import { defineConfig } from 'vitest/config';

// The suite against a real llama-server binary (`npm run test:real-server`). It is apart from
// `npm test` because it needs the binary and a model, named by PAIRBENCH_LLAMA_SERVER and
// PAIRBENCH_LLAMA_MODEL; without them every file fails with a message saying so.
export default defineConfig({
  test: {
    include: ['test/real-server/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Each file starts its own servers; one file at a time keeps a 2-core machine steady.
    fileParallelism: false,
    setupFiles: ['./test/real-server/support/require-env.ts'],
    reporters: ['default', './test/support/closing-line-reporter.ts'],
  },
});
