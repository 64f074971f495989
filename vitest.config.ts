import { defineConfig } from 'vitest/config';

// Two projects: unit tests (core in plain Node, components in happy-dom) and end-to-end tests that
// drive Debian's Chromium against the built dist/ (run after `npm run build`).
export default defineConfig({
  // Lit ships a server build under the "node" condition; components must get the browser build
  // (isServer === false) or code guarded by !isServer silently never runs.
  resolve: { conditions: ['browser'] },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**'],
          environment: 'node',
          // Property-based and model-based runs take a few seconds alone and several times that on a loaded 2-core
          // machine; a timeout is a hang detector here, never a performance assertion (those live in npm run bench).
          testTimeout: 30_000,
          // Marks Lit's "dev mode" banner as issued before Lit loads (test/setup/quiet-lit.ts).
          setupFiles: ['test/setup/quiet-lit.ts'],
          server: { deps: { inline: ['lit', 'lit-html', 'lit-element', '@lit/reactive-element'] } },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e.ts', 'test/package/**/*.e2e.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // No retry: a real-browser test that fails once in a few runs has a cause to find, not to hide (the
          // discovery delete flake was the test's own click landing elsewhere). Waits are on conditions, not sleeps.
          fileParallelism: false,
        },
      },
    ],
  },
});
