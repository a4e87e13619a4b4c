import { defineConfig } from 'vitest/config';

// Each test file opens its own database (a PGlite costs ~4 s and ~0.8 GB), and the CI machines
// have 2 cores: two forked workers at most, with generous hook timeouts for that start-up.
export default defineConfig({
  // graphql@16 has no "exports" map: Node resolves it to the CommonJS build for everyone, but Vite
  // would give our code the ESM build while Apollo Server requires the CommonJS one, and a
  // schema from one copy is refused by the other. Resolve it as Node does.
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    // Builds the real IP-to-AS database once per run (see the file).
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
