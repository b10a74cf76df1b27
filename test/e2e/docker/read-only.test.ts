// An app from a template runs as slipway.yaml says (readOnly: true): its files cannot be changed while it runs,
// /tmp can; and with no new privileges and all capabilities dropped but those web servers use.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForPreview } from '../../helpers/e2e-api.js';
import { removeAppFromDocker, servingContainerName, uniqueAppName } from '../../helpers/e2e-docker.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

const run = promisify(execFile);
const app = uniqueAppName('readonly');
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
  await removeAppFromDocker(app);
});

describe('an app container', () => {
  it('cannot change its image files, can write /tmp, and runs with no new privileges', { timeout: 180_000 }, async () => {
    expect((await server.api('POST', '/api/apps', { name: app, template: 'simple-api' })).status).toBe(201);
    await waitForPreview(server.port, app, 'Hello from Slipway', 150_000);
    const name = servingContainerName(server.dataDir, app);
    const inside = (script: string) =>
      run('docker', ['exec', name, 'sh', '-c', script]).then(
        (r) => ({ code: 0, out: r.stdout + r.stderr }),
        (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` }),
      );
    const outside = await inside('echo changed > /app/main.py');
    expect(outside.code).not.toBe(0);
    expect(outside.out).toMatch(/Read-only file system/);
    expect((await inside('echo scratch > /tmp/scratch && cat /tmp/scratch')).out.trim()).toBe('scratch');
    const { stdout } = await run('docker', ['inspect', '-f', '{{json .HostConfig}}', name]);
    const host = JSON.parse(stdout) as {
      ReadonlyRootfs: boolean;
      Tmpfs: Record<string, string>;
      SecurityOpt: string[];
      CapDrop: string[];
      Privileged: boolean;
    };
    expect(host).toMatchObject({ ReadonlyRootfs: true, Privileged: false, Tmpfs: { '/tmp': 'rw,nosuid,nodev,size=64m' } });
    expect(host.SecurityOpt).toContain('no-new-privileges:true');
    expect(host.CapDrop).toEqual(['ALL']);
  });
});
