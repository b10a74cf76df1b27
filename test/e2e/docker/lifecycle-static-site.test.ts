// The static-site template through its whole life on the real Docker Engine.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { liveThroughLifecycle, readWeb } from '../../helpers/app-lifecycle.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.stop());

describe('static-site', () => {
  it('goes live on preview, publishes by tag and by API, and rolls back by pushing prod', { timeout: 240_000 }, async () => {
    await liveThroughLifecycle(
      server,
      {
        template: 'static-site',
        change: (dir, marker) => {
          const f = join(dir, 'public', 'index.html');
          writeFileSync(f, readFileSync(f, 'utf8').replace(/<h1>.*<\/h1>/, `<h1>${marker}</h1>`));
        },
        read: readWeb,
      },
      'life-static-site'.slice(0, 40),
    );
  });
});
