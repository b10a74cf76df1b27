// The simple-api template through its whole life on the real Docker Engine.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { liveThroughLifecycle, readWeb, setGreeting } from '../../helpers/app-lifecycle.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.stop());

describe('simple-api', () => {
  it('goes live on preview, publishes by tag and by API, and rolls back by pushing prod', { timeout: 240_000 }, async () => {
    await liveThroughLifecycle(server, { template: 'simple-api', change: setGreeting, read: readWeb }, 'life-simple-api'.slice(0, 40));
  });
});
