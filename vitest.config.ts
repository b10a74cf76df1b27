import { defineConfig } from 'vitest/config';

// Tests that need neither Docker nor Kubernetes (nor a built dist/): `npm run test:fast` runs only these.
// A test file that starts a server with the real Docker runtime, builds images or talks to a cluster goes elsewhere.
const FAST = ['test/unit/**/*.test.ts', 'test/integration/codegen/**/*.test.ts', 'test/integration/web/**/*.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Integration tests start servers, Docker containers and git processes: two at a time on two cores.
    maxWorkers: 2,
    reporters: ['default'],
    // `vitest run` (npm test) runs both projects; `vitest run --project fast` the first alone.
    projects: [
      // One module cache per worker for the fast files (no per-file re-import of the server's modules): what keeps
      // `npm run test:fast` under a minute on two cores. They share no module state that a test changes.
      { extends: true, test: { name: 'fast', include: FAST, isolate: false } },
      { extends: true, test: { name: 'services', include: ['test/**/*.test.ts'], exclude: FAST } },
    ],
  },
});
