// The scheduled-job template through its whole life on the real Docker Engine.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { liveThroughLifecycle, readJob, setGreeting } from '../../helpers/app-lifecycle.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.stop());

describe('scheduled-job', () => {
  it('goes live on preview, publishes by tag and by API, and rolls back by pushing prod', { timeout: 240_000 }, async () => {
    await liveThroughLifecycle(server, { template: 'scheduled-job', change: setGreeting, read: readJob }, 'life-scheduled-job'.slice(0, 40));
  });
});
