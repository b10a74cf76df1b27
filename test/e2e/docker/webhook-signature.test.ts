// The webhook template checks X-Hub-Signature-256 against WEBHOOK_SECRET (a Slipway secret), verified with a
// signature made by an independent implementation (@octokit/webhooks-methods).
import { sign } from '@octokit/webhooks-methods';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, getViaProxy } from '../../helpers/app-http.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.stop());

describe('webhook template', () => {
  it('accepts a correctly signed delivery and rejects a wrong signature with 401', { timeout: 120_000 }, async () => {
    const app = 'hooks';
    expect((await server.api('POST', '/api/apps', { name: app, template: 'webhook' })).status).toBe(201);
    await eventually(async () => (await server.api('GET', `/api/apps/${app}/environments`)).body.environments[0].status === 'live', 90_000, 'the preview');
    const secret = 'it-is-a-secret-to-everybody';
    const before = (await server.api('GET', `/api/apps/${app}/deployments`)).body.deployments.length;
    expect((await server.api('PUT', `/api/apps/${app}/secrets/preview/WEBHOOK_SECRET`, { value: secret })).status).toBe(204);
    // Setting a secret redeploys the environment with it (same commit, fresh container).
    await eventually(
      async () => {
        const list = (await server.api('GET', `/api/apps/${app}/deployments`)).body.deployments;
        return list.length > before && list[0].status === 'live' && list[0].trigger === 'config';
      },
      60_000,
      'the redeploy with the secret',
    );
    expect((await server.api('GET', `/api/apps/${app}/secrets/preview`)).body).toEqual({ names: ['WEBHOOK_SECRET'], missing: [] });

    const payload = JSON.stringify({ action: 'opened', number: 7 });
    const host = `${app}-preview.localhost`;
    const good = await getViaProxy(
      server.port,
      host,
      '/webhook',
      { 'content-type': 'application/json', 'x-hub-signature-256': await sign(secret, payload), 'x-github-event': 'pull_request' },
      'POST',
      payload,
    );
    expect(good.status, good.body).toBe(200);
    expect(JSON.parse(good.body)).toMatchObject({ received: true, event: 'pull_request' });
    const bad = await getViaProxy(
      server.port,
      host,
      '/webhook',
      { 'content-type': 'application/json', 'x-hub-signature-256': await sign('another-secret', payload) },
      'POST',
      payload,
    );
    expect(bad.status).toBe(401);
    const missing = await getViaProxy(server.port, host, '/webhook', { 'content-type': 'application/json' }, 'POST', payload);
    expect(missing.status).toBe(401);
  });
});
