// The webhook template through its whole life on the real Docker Engine.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { liveThroughLifecycle, readWeb, setGreeting } from '../../helpers/app-lifecycle.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.stop());

describe('webhook', () => {
  it('goes live on preview, publishes by tag and by API, and rolls back by pushing prod', { timeout: 240_000 }, async () => {
    await liveThroughLifecycle(server, { template: 'webhook', change: setGreeting, read: readWeb }, 'life-webhook'.slice(0, 40));
  });
});
