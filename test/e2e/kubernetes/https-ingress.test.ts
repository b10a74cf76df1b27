// HTTPS on a real Kubernetes node: with SLIPWAY_HTTPS=acme, Slipway gets certificates from a real ACME server (a
// Pebble of this test's own, validating HTTP-01 challenges on Slipway's plain HTTP port) for an app's host and its
// custom domain, and gives them to the cluster: kubernetes.io/tls Secrets and the environment's HTTPS Ingress, so
// that Traefik's TLS entrypoint on 127.0.0.1 serves the app with Pebble's certificate for each SNI name. ACME's
// challenges of those hosts are routed through Traefik to the Service SLIPWAY_KUBE_ACME_SERVICE names (in the
// cluster, Slipway's own; here another app, whose answer shows where Traefik sent the request).
import { mkdtempSync, rmSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, getViaProxy } from '../../helpers/app-http.js';
import { freePort } from '../../helpers/free-port.js';
import { adminApi, testKubeConfigPath, testTraefik, testTraefikHttps, uniqueApp } from '../../helpers/k8s-cluster.js';
import { pebbleRoot, pebbleService, startExtraPebble, tlsRequest } from '../../helpers/pebble.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

const DOMAIN = 'tls-node.test';
const api = adminApi();
const traefik = testTraefik();
const traefikTls = testTraefikHttps();
const pebble = pebbleService();
const work = mkdtempSync(join(tmpdir(), 'slipway-k8s-tls-'));
const site = uniqueApp('tls-site');
const responder = uniqueApp('tls-acme');
const domain = `www.${site}.example-shop.test`;
const previewHost = `${site}-preview.${DOMAIN}`;

let server: TestServer;
let extra: ReturnType<typeof startExtraPebble> | undefined;
let root = '';

interface SecretObject {
  type: string;
  data: Record<string, string>;
  metadata: { name: string; annotations?: Record<string, string> };
}
interface IngressObject {
  metadata: { name: string };
  spec: { rules: { host: string; http: { paths: { path: string; backend: unknown }[] } }[]; tls?: { hosts: string[]; secretName: string }[] };
}

const certState = (host: string) => server.deps.certificates!.status(host);
const tlsSecrets = async () => (await api.list<SecretObject>(`/api/v1/namespaces/app-${site}/secrets`, { labelSelector: 'slipway.dev/tls=true' })).items;
const tlsIngress = () => api.get<IngressObject>(`/apis/networking.k8s.io/v1/namespaces/app-${site}/ingresses/preview.tls`).catch(() => undefined);
const viaTraefikTls = (host: string) => tlsRequest({ port: traefikTls.port, host, ca: root });

beforeAll(async () => {
  process.env.KUBECONFIG = testKubeConfigPath();
  const httpPort = await freePort();
  const acmePort = await freePort();
  const managementPort = await freePort();
  // Pebble validates challenges on Slipway's plain HTTP port: the test process is not in the cluster, so Traefik
  // could not send them to it (the route through Traefik is checked below with a Service that is in the cluster).
  extra = startExtraPebble(pebble, { port: acmePort, managementPort, workDir: work, httpPort });
  root = await eventually(() => pebbleRoot(`https://127.0.0.1:${managementPort}`, pebble.caFile).catch(() => null), 20_000, "this test's Pebble");
  server = await startTestServer({
    SLIPWAY_RUNTIME: 'kubernetes',
    // Built by this machine's Docker Engine and pushed to the test registry (two-nodes.test.ts builds with BuildKit).
    SLIPWAY_BUILDER: 'docker',
    SLIPWAY_DOMAIN: DOMAIN,
    SLIPWAY_REGISTRY: 'localhost:5050',
    SLIPWAY_KUBE_NODE_SELECTOR: 'slipway.dev/pool=real',
    SLIPWAY_HTTPS: 'acme',
    SLIPWAY_PORT: String(httpPort),
    SLIPWAY_HTTPS_PORT: String(await freePort()),
    SLIPWAY_ACME_DIRECTORY: `https://127.0.0.1:${acmePort}/dir`,
    SLIPWAY_ACME_CA_FILE: pebble.caFile,
    SLIPWAY_ACME_PROFILE: 'default',
    SLIPWAY_ACME_RETRY_SECONDS: '1',
    // The challenges' route goes to the preview of another app (a web API whose 404 reads differently from the site's).
    SLIPWAY_KUBE_ACME_SERVICE: `app-${responder}/preview`,
  });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  extra?.stop();
  rmSync(work, { recursive: true, force: true });
}, 300_000);

describe('HTTPS through the cluster’s ingress', () => {
  it("serves an app's host and custom domain over Traefik's TLS entrypoint with the certificates Pebble issued", { timeout: 600_000 }, async () => {
    expect((await server.api('POST', '/api/apps', { name: site, template: 'static-site' })).status).toBe(201);
    expect((await server.api('POST', '/api/apps', { name: responder, template: 'simple-api' })).status).toBe(201);
    expect((await server.api('POST', `/api/apps/${site}/domains`, { environment: 'preview', domain })).status).toBe(201);
    for (const app of [site, responder])
      await eventually(
        async () =>
          (await server.api('GET', `/api/apps/${app}/environments`)).body.environments.find((e: { name: string }) => e.name === 'preview')?.status === 'live',
        300_000,
        `the preview of ${app}`,
      );
    for (const host of [previewHost, domain])
      await eventually(() => certState(host).state === 'valid', 120_000, `a certificate for ${host} (now ${JSON.stringify(certState(host))})`);

    // In the app's namespace: a kubernetes.io/tls Secret per host, holding the certificate Slipway holds.
    const secrets = await eventually(
      async () => {
        const list = await tlsSecrets();
        return list.length === 2 ? list : null;
      },
      30_000,
      'two TLS Secrets',
    );
    for (const secret of secrets) {
      expect(secret.type).toBe('kubernetes.io/tls');
      const host = secret.metadata.annotations?.['slipway.dev/host'] ?? '';
      expect([previewHost, domain]).toContain(host);
      const pem = Buffer.from(secret.data['tls.crt'] ?? '', 'base64').toString();
      expect(pem).toBe(server.deps.certificates!.pemFor(host)!.cert);
      expect(new X509Certificate(pem).checkHost(host)).toBe(host);
    }
    const https = await tlsIngress();
    expect(https?.spec.rules.map((r) => r.host).sort()).toEqual([domain, previewHost].sort());

    // Traefik serves each name with its own certificate, which chains to this Pebble's root.
    for (const host of [previewHost, domain]) {
      const page = await eventually(
        async () => {
          const r = await viaTraefikTls(host).catch(() => null);
          return r?.status === 200 && r.body.includes('<') ? r : null;
        },
        30_000,
        `${host} over Traefik's TLS entrypoint`,
      );
      expect(page.cert.subjectaltname).toBe(`DNS:${host}`);
      expect(page.cert.issuer.CN).toMatch(/Pebble Intermediate/);
    }
    // Plain HTTP still reaches the app (ACME's challenges come that way).
    expect((await getViaProxy(traefik.port, domain, '/')).status).toBe(200);

    // ACME challenges of the app's hosts: Traefik sends them to the challenge Service, not to the app.
    const challenge = await eventually(
      async () => {
        const r = await getViaProxy(traefik.port, domain, '/.well-known/acme-challenge/some-token');
        return r.body.includes('"detail"') ? r : null;
      },
      30_000,
      'the challenge route through Traefik',
    );
    expect(challenge.status).toBe(404);
    expect(challenge.body).toContain('Not Found');
    const fromSite = await getViaProxy(traefik.port, domain, '/no-such-page');
    expect(fromSite.body).not.toContain('"detail"');
  });

  it('drops a removed domain’s Secret and HTTPS route, and keeps the others', { timeout: 300_000 }, async () => {
    expect((await server.api('DELETE', `/api/apps/${site}/domains/${domain}`)).status).toBe(204);
    await eventually(
      async () => {
        const list = await tlsSecrets();
        return list.length === 1 && list[0]!.metadata.annotations?.['slipway.dev/host'] === previewHost ? list : null;
      },
      60_000,
      'only the preview host’s Secret',
    );
    expect((await tlsIngress())?.spec.rules.map((r) => r.host)).toEqual([previewHost]);
    // Traefik no longer has a certificate for the domain: its own default one is not trusted.
    await eventually(
      () =>
        viaTraefikTls(domain).then(
          () => false,
          () => true,
        ),
      30_000,
      'no TLS for the removed domain',
    );
    expect((await viaTraefikTls(previewHost)).status).toBe(200);
  });
});
