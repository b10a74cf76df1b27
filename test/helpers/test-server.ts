// Starts the real Slipway server in-process on a temporary data folder, with helpers to call it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import { startServer, type RunningServer } from '../../src/compose.js';
import { createLogger } from '../../src/shared/log.js';
import { createApi } from './e2e-api.js';
import { removeInstallationFromDocker } from './e2e-docker.js';
import { freePort } from './free-port.js';

export interface TestServer extends RunningServer {
  config: Config;
  dataDir: string;
  token: string;
  /** Clone URL with the token as the Basic password. */
  gitUrl(app: string, token?: string): string;
  api(method: string, path: string, body?: unknown, token?: string | null): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipway-test-'));
  const port = await freePort();
  const config = loadConfig({
    PATH: process.env.PATH,
    SLIPWAY_DATA_DIR: dataDir,
    SLIPWAY_PORT: String(port),
    SLIPWAY_LOG_LEVEL: process.env.SLIPWAY_TEST_LOG ?? 'warn',
    // Offline base images (scripts/build-base-images.sh, exported by scripts/test.sh).
    ...(process.env.SLIPWAY_BUILD_ARGS ? { SLIPWAY_BUILD_ARGS: process.env.SLIPWAY_BUILD_ARGS } : {}),
    ...env,
  });
  const running = await startServer(config, createLogger(config.logLevel));
  const token = running.firstAdminToken ?? config.adminToken;
  if (!token) throw new Error('no admin token');
  const base = running.url;
  return {
    ...running,
    config,
    dataDir,
    token,
    gitUrl: (app, t = token) => `http://slipway:${t}@127.0.0.1:${config.port}/git/${app}.git`,
    api: createApi(base, token),
    async stop() {
      // Apps' containers outlive the server by design; tests remove theirs.
      for (const app of running.deps.store.apps.list()) await running.pipeline.deleteApp(app.name).catch(() => undefined);
      await running.close();
      if (config.runtime === 'docker') await removeInstallationFromDocker(dataDir).catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
