// HTTPS with certificates from a real ACME server: Pebble (scripts/services.sh), which validates HTTP-01
// challenges on port 5002 of whatever name it is asked for, its DNS server answering 127.0.0.1 for every name.
// So Slipway runs here with plain HTTP on 5002, and every request of a test goes to 127.0.0.1, the host named by
// SNI and the Host header. The servers run one after another (they share port 5002).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, getViaProxy } from '../../helpers/app-http.js';
import { removeAppFromDocker, uniqueAppName } from '../../helpers/e2e-docker.js';
import { freePort } from '../../helpers/free-port.js';
import { git } from '../../helpers/git-cli.js';
import { pebbleRoot, pebbleService, startExtraPebble, tlsRequest } from '../../helpers/pebble.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

const DOMAIN = 'slipway.test';
const pebble = pebbleService();
const work = mkdtempSync(join(tmpdir(), 'slipway-acme-test-'));
let root = '';

async function startAcmeServer(env: Record<string, string> = {}): Promise<TestServer> {
  const httpsPort = await freePort();
  return startTestServer({
    SLIPWAY_HTTPS: 'acme',
    SLIPWAY_DOMAIN: DOMAIN,
    SLIPWAY_PORT: String(pebble.httpPort),
    SLIPWAY_HTTPS_PORT: String(httpsPort),
    SLIPWAY_ACME_DIRECTORY: pebble.directory,
    SLIPWAY_ACME_CA_FILE: pebble.caFile,
    SLIPWAY_ACME_PROFILE: 'default',
    SLIPWAY_ACME_RETRY_SECONDS: '1',
    ...env,
  });
}

const httpsPortOf = (s: TestServer) => s.httpsPort ?? 0;
const certState = (s: TestServer, host: string) => s.deps.certificates!.status(host);
const waitForCertificate = (s: TestServer, host: string, timeoutMs = 60_000) =>
  eventually(() => certState(s, host).state === 'valid', timeoutMs, `a certificate for ${host} (now: ${JSON.stringify(certState(s, host))})`);

beforeAll(async () => {
  root = await pebbleRoot(pebble.management, pebble.caFile);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('SLIPWAY_HTTPS=acme against Pebble', () => {
  let server: TestServer;
  const app = uniqueAppName('tls');
  beforeAll(async () => {
    server = await startAcmeServer();
  });
  afterAll(async () => {
    await server?.stop();
    await removeAppFromDocker(app);
  });

  it('serves the UI over TLS with a certificate Pebble issued for its host, with HSTS and Secure cookies', { timeout: 90_000 }, async () => {
    await waitForCertificate(server, DOMAIN);
    const page = await tlsRequest({ port: httpsPortOf(server), host: DOMAIN, path: '/sign-in', ca: root });
    expect(page.status).toBe(200);
    expect(page.cert.subjectaltname).toBe(`DNS:${DOMAIN}`);
    expect(page.cert.issuer.CN).toMatch(/Pebble Intermediate/);
    expect(page.headers['strict-transport-security']).toBe('max-age=31536000');
    // Signing in over HTTPS: the session cookie is Secure (and HttpOnly).
    const signIn = await tlsRequest({
      port: httpsPortOf(server),
      host: DOMAIN,
      path: '/sign-in',
      method: 'POST',
      ca: root,
      headers: { origin: `https://${DOMAIN}:${httpsPortOf(server)}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${encodeURIComponent(server.token)}`,
    });
    expect(signIn.status).toBe(303);
    const cookies = [signIn.headers['set-cookie'] ?? []].flat();
    expect(cookies.some((c) => c.startsWith('slipway.session=') && /;\s*secure/i.test(c) && /httponly/i.test(c))).toBe(true);
    // The key and certificate on disk are the server user's only.
    const { statSync } = await import('node:fs');
    expect(statSync(join(server.dataDir, 'tls', 'certs', `${DOMAIN}.key`)).mode & 0o777).toBe(0o600);
    expect(statSync(join(server.dataDir, 'tls', 'account.key')).mode & 0o777).toBe(0o600);
  });

  it('redirects plain HTTP for a certified host to HTTPS, and answers challenges and unknown hosts over plain HTTP', async () => {
    const redirect = await getViaProxy(pebble.httpPort, DOMAIN, '/apps?x=1');
    expect(redirect.status).toBe(308);
    expect(redirect.headers.location).toBe(`https://${DOMAIN}:${httpsPortOf(server)}/apps?x=1`);
    expect((await getViaProxy(pebble.httpPort, DOMAIN, '/.well-known/acme-challenge/nothing-open')).status).toBe(404);
    // An address has no certificate: served as it is (the hooks and the CLI on loopback use it).
    expect((await getViaProxy(pebble.httpPort, `127.0.0.1:${pebble.httpPort}`, '/healthz')).status).toBe(200);
    // The plain answer never carries HSTS.
    expect(redirect.headers['strict-transport-security']).toBeUndefined();
  });

  it('clones and pushes over https://, and the preview is served over TLS with its own certificate', { timeout: 240_000 }, async () => {
    const created = await server.api('POST', '/api/apps', { name: app, template: 'static-site' });
    expect(created.status).toBe(201);
    const cloneUrl = created.body.app?.cloneUrl ?? created.body.cloneUrl;
    expect(cloneUrl).toBe(`https://${DOMAIN}:${httpsPortOf(server)}/git/${app}.git`);
    const caFile = join(work, 'pebble-root.pem');
    writeFileSync(caFile, root);
    const env = {
      GIT_CONFIG_COUNT: '2',
      GIT_CONFIG_KEY_0: 'http.curloptResolve',
      GIT_CONFIG_VALUE_0: `${DOMAIN}:${httpsPortOf(server)}:127.0.0.1`,
      GIT_CONFIG_KEY_1: 'http.sslCAInfo',
      GIT_CONFIG_VALUE_1: caFile,
    };
    const dir = join(work, 'clone');
    const authed = cloneUrl.replace('https://', `https://slipway:${server.token}@`);
    const clone = await git(['clone', '-q', authed, dir], { env });
    expect(clone.code, clone.stderr).toBe(0);
    writeFileSync(join(dir, 'public', 'index.html'), '<h1>served over TLS</h1>\n');
    expect((await git(['commit', '-qam', 'over https'], { cwd: dir, env })).code).toBe(0);
    const push = await git(['push', '-q', 'origin', 'main'], { cwd: dir, env });
    expect(push.code, push.stderr).toBe(0);

    const appHost = `${app}-preview.${DOMAIN}`;
    await waitForCertificate(server, appHost, 120_000);
    const page = await eventually(
      async () => {
        const r = await tlsRequest({ port: httpsPortOf(server), host: appHost, ca: root });
        return r.status === 200 && r.body.includes('served over TLS') ? r : null;
      },
      120_000,
      'the preview over TLS',
    );
    expect(page.cert.subjectaltname).toBe(`DNS:${appHost}`);
    // Not the UI's HSTS: apps decide their own headers.
    expect(page.headers['strict-transport-security']).toBeUndefined();
    // Its plain-HTTP URL now redirects too.
    expect((await getViaProxy(pebble.httpPort, appHost, '/')).headers.location).toBe(`https://${appHost}:${httpsPortOf(server)}/`);
  });

  it('gets a certificate for a custom domain, serves the app on it over TLS, and drops both when it is removed', { timeout: 120_000 }, async () => {
    const domain = `www.${app}.example-shop.test`;
    const added = await server.api('POST', `/api/apps/${app}/domains`, { environment: 'preview', domain });
    expect(added.status).toBe(201);
    await waitForCertificate(server, domain, 60_000);
    const page = await tlsRequest({ port: httpsPortOf(server), host: domain, ca: root });
    expect(page.status).toBe(200);
    expect(page.body).toContain('served over TLS');
    expect(page.cert.subjectaltname).toBe(`DNS:${domain}`);
    // The API shows the certificate's state and end.
    const listed = await server.api('GET', `/api/apps/${app}/domains`);
    expect(listed.body.domains).toEqual([
      expect.objectContaining({ domain, environment: 'preview', certificate: expect.objectContaining({ state: 'valid', notAfter: expect.any(String) }) }),
    ]);

    expect((await server.api('DELETE', `/api/apps/${app}/domains/${domain}`)).status).toBe(204);
    await eventually(() => certState(server, domain).state === 'none', 10_000, 'the certificate dropped');
    await expect(tlsRequest({ port: httpsPortOf(server), host: domain, ca: root })).rejects.toThrow();
    // Over plain HTTP the domain no longer reaches the app.
    const plain = await getViaProxy(pebble.httpPort, domain, '/');
    expect(plain.body).not.toContain('served over TLS');
  });

  it('refuses a TLS handshake for a host it has no certificate for', async () => {
    await expect(tlsRequest({ port: httpsPortOf(server), host: `nobody-preview.${DOMAIN}`, ca: root })).rejects.toThrow();
  });
});

describe('renewal', () => {
  let server: TestServer;
  beforeAll(async () => {
    // Pebble's `short` profile: 24-second certificates, renewed with a third of their life left (after 16 s).
    server = await startAcmeServer({ SLIPWAY_ACME_PROFILE: 'short' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('renews a certificate before it ends and serves the new one without a restart', { timeout: 90_000 }, async () => {
    await waitForCertificate(server, DOMAIN);
    const first = await tlsRequest({ port: httpsPortOf(server), host: DOMAIN, path: '/healthz', ca: root });
    const firstEnd = new Date(first.cert.valid_to).getTime();
    expect(firstEnd - Date.now()).toBeLessThan(30_000);
    const renewed = await eventually(
      async () => {
        const r = await tlsRequest({ port: httpsPortOf(server), host: DOMAIN, path: '/healthz', ca: root });
        return r.cert.serialNumber !== first.cert.serialNumber ? r : null;
      },
      60_000,
      'a renewed certificate',
    );
    expect(renewed.status).toBe(200);
    expect(new Date(renewed.cert.valid_to).getTime()).toBeGreaterThan(firstEnd);
    // Renewed before the first one ended, not after.
    expect(Date.now()).toBeLessThan(firstEnd + 1000);
    const onDisk = new X509Certificate((await import('node:fs')).readFileSync(join(server.dataDir, 'tls', 'certs', `${DOMAIN}.pem`)));
    expect(onDisk.serialNumber.toLowerCase()).toBe(renewed.cert.serialNumber.toLowerCase());
  });
});

describe('the ACME server down', () => {
  let server: TestServer;
  let extra: ReturnType<typeof startExtraPebble> | undefined;
  let acmePort = 0;
  beforeAll(async () => {
    acmePort = await freePort();
    // Nothing listens on this port yet.
    server = await startAcmeServer({ SLIPWAY_ACME_DIRECTORY: `https://127.0.0.1:${acmePort}/dir` });
  });
  afterAll(async () => {
    extra?.stop();
    await server?.stop();
  });

  it('keeps serving over plain HTTP, shows the failure, and gets the certificate once the CA answers', { timeout: 90_000 }, async () => {
    const failed = await eventually(
      () => {
        const s = certState(server, DOMAIN);
        return s.state === 'failed' ? s : null;
      },
      30_000,
      'a failed order',
    );
    expect(failed.error).toMatch(/ECONNREFUSED|connect/i);
    expect(failed.nextAttemptAt).toBeDefined();
    // Served, not redirected, over plain HTTP.
    const plain = await getViaProxy(pebble.httpPort, DOMAIN, '/sign-in');
    expect(plain.status).toBe(200);
    expect(plain.body).toMatch(/Sign in/i);
    // The checks say so.
    const checks = await server.pipeline.checkInstallation();
    const tls = checks.find((c) => c.name === 'TLS');
    expect(tls?.status).toBe('fail');
    expect(tls?.detail).toMatch(DOMAIN);

    const managementPort = await freePort();
    extra = startExtraPebble(pebble, { port: acmePort, managementPort, workDir: work });
    await waitForCertificate(server, DOMAIN, 60_000);
    const extraRoot = await eventually(() => pebbleRoot(`https://127.0.0.1:${managementPort}`, pebble.caFile), 10_000, "the second Pebble's root");
    const page = await tlsRequest({ port: httpsPortOf(server), host: DOMAIN, path: '/healthz', ca: extraRoot });
    expect(page.status).toBe(200);
  });
});
