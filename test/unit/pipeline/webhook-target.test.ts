// Where a webhook may go, with DNS answered by the test: a name resolving to a private or loopback address, or to
// this server's own public address, is refused; a name whose answer changes to a private address after the hook
// was made (DNS rebinding) is refused at delivery; an admin's allowPrivate, or the setting, lets them through.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { parseWebhookUrl } from '../../../src/domain/webhook-url.js';
import { WebhookUrlRefusedError } from '../../../src/shared/errors.js';
import { createWebhookTargets, WebhookDnsError, type Lookup } from '../../../src/pipeline/webhook-target.js';

const config = (env: Record<string, string> = {}) =>
  loadConfig({ SLIPWAY_DOMAIN: 'apps.example.net', SLIPWAY_PUBLIC_URL: 'https://slipway.example.net', SLIPWAY_DATA_DIR: '/tmp/unused', ...env });

/** DNS as the test says: each name's answers, in turn (the last one repeats). */
function fakeDns(answers: Record<string, string[][]>): Lookup {
  const asked: Record<string, number> = {};
  return async (name) => {
    const list = answers[name];
    if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    const n = asked[name] ?? 0;
    asked[name] = n + 1;
    return list[Math.min(n, list.length - 1)]!.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

const url = (href: string) => parseWebhookUrl(href);

describe('webhook targets', () => {
  it('gives the checked public address to connect to', async () => {
    const targets = createWebhookTargets(config(), fakeDns({ 'hooks.example.org': [['93.184.215.14']] }));
    expect(await targets.resolve(url('https://hooks.example.org/in'), false)).toEqual({ address: '93.184.215.14', family: 4 });
  });

  it('refuses a name resolving to loopback or a private address, naming both', async () => {
    const targets = createWebhookTargets(config(), fakeDns({ 'evil.example.org': [['127.0.0.1']], 'mixed.example.org': [['93.184.215.14', '10.0.0.8']] }));
    await expect(targets.resolve(url('http://evil.example.org/'), false)).rejects.toThrow(
      /evil\.example\.org resolves to 127\.0\.0\.1, which is a loopback address/,
    );
    // One private answer among public ones is enough to refuse.
    await expect(targets.resolve(url('http://mixed.example.org/'), false)).rejects.toThrow(/resolves to 10\.0\.0\.8, which is a private address/);
  });

  it("refuses this server's own addresses and names", async () => {
    const targets = createWebhookTargets(
      config(),
      fakeDns({ 'slipway.example.net': [['93.184.215.99']], 'alias.example.org': [['93.184.215.99']], 'apps.example.net': [['93.184.215.99']] }),
    );
    await expect(targets.resolve(url('https://alias.example.org/'), false)).rejects.toThrow(/which is one of this server's own addresses/);
    await expect(targets.resolve(url('https://slipway.example.net/api'), false)).rejects.toThrow(/is served by this Slipway/);
    await expect(targets.resolve(url('https://blog.apps.example.net/'), false)).rejects.toThrow(/is served by this Slipway/);
  });

  it('refuses at delivery what DNS rebinding turned private after the hook was made', async () => {
    const targets = createWebhookTargets(config(), fakeDns({ 'rebind.example.org': [['93.184.215.14'], ['169.254.169.254']] }));
    expect((await targets.resolve(url('http://rebind.example.org/'), false)).address).toBe('93.184.215.14');
    const refused = await targets.resolve(url('http://rebind.example.org/'), false).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WebhookUrlRefusedError);
    expect((refused as Error).message).toMatch(/169\.254\.169\.254, which is a link-local address/);
  });

  it('lets an admin allow private addresses, per hook or for every hook', async () => {
    const dns = fakeDns({ 'intranet.example.org': [['10.0.0.8']] });
    expect((await createWebhookTargets(config(), dns).resolve(url('http://intranet.example.org/'), true)).address).toBe('10.0.0.8');
    const everyHook = createWebhookTargets(config({ SLIPWAY_WEBHOOKS_ALLOW_PRIVATE: 'true' }), dns);
    expect((await everyHook.resolve(url('http://intranet.example.org/'), false)).address).toBe('10.0.0.8');
    expect((await everyHook.resolve(url('http://[::1]:9000/'), false)).address).toBe('::1');
  });

  it('says when a name does not resolve (a bad URL at creation, a retry at delivery)', async () => {
    const targets = createWebhookTargets(config(), fakeDns({}));
    const e = await targets.resolve(url('https://nowhere.example.org/'), false).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(WebhookDnsError);
    expect((e as Error).message).toBe('nowhere.example.org does not resolve (ENOTFOUND)');
  });
});
