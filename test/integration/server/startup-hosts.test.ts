// An environment added to an installation that already has apps: when it would take an existing app's host
// (staging.yaml with {app}-staging.{domain} while app x-staging exists), Slipway refuses to start and says which
// app and which file; creating such an app afterwards is refused the same way.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { openPipeline, startServer } from '../../../src/compose.js';
import { createLogger } from '../../../src/shared/log.js';
import { freePort } from '../../helpers/free-port.js';

const root = mkdtempSync(join(tmpdir(), 'slipway-startup-hosts-'));
const dataDir = join(root, 'data');
const envDir = join(root, 'environments');
const shipped = join(import.meta.dirname, '..', '..', '..', 'environments');
mkdirSync(envDir);
for (const f of ['preview.yaml', 'prod.yaml']) copyFileSync(join(shipped, f), join(envDir, f));

const config = async () =>
  loadConfig({
    PATH: process.env.PATH,
    SLIPWAY_DATA_DIR: dataDir,
    SLIPWAY_ENVIRONMENTS_DIR: envDir,
    SLIPWAY_RUNTIME: 'docker',
    SLIPWAY_PORT: String(await freePort()),
    SLIPWAY_LOG_LEVEL: 'error',
  });

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('start-up with an environment that takes an existing app’s host', () => {
  it('refuses to start, naming the app, its host and the environment file', async () => {
    const before = await openPipeline(await config(), createLogger('error'));
    await before.createApp({ name: 'x-staging', template: 'static-site' });
    await before.close();

    writeFileSync(
      join(envDir, 'staging.yaml'),
      'title: staging\nref: refs/heads/staging\nhost: "{app}-staging.{domain}"\nresources: {cpu: "250m", memory: "128Mi"}\n',
    );
    const c = await config();
    await expect(startServer(c, createLogger('error'))).rejects.toThrow(
      'app "x-staging" would lose its production host x-staging.localhost: it is the staging host of app "x" (environments/staging.yaml)',
    );
    await expect(startServer(c, createLogger('error'))).rejects.toMatchObject({ code: 'CONFIG' });

    // Creating such an app now is refused the same way, naming the environment.
    const after = await openPipeline(c, createLogger('error'));
    try {
      await expect(after.createApp({ name: 'y-staging', template: 'static-site' })).rejects.toMatchObject({
        code: 'INVALID_APP_NAME',
        message: expect.stringContaining('the staging host of app "y" (environments/staging.yaml)'),
      });
    } finally {
      await after.close();
    }
  });
});
