import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The real llama-server suite has its own config and command (npm run test:real-server).
    exclude: ['test/real-server/**', '**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Docker-backed e2e files share one engine; run files one at a time so timings and
    // container limits do not fight each other on 2-core machines.
    fileParallelism: false,
    reporters: ['default', './test/support/closing-line-reporter.ts'],
  },
});
