// SLIPWAY_HTTPS=manual: a wildcard certificate an operator keeps in PEM files serves the UI and every app host over
// TLS, plain HTTP redirects, a replaced certificate is served without a restart, and a key that is not the
// certificate's stops start-up with the reason.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { startServer } from '../../../src/compose.js';
import { eventually, getViaProxy } from '../../helpers/app-http.js';
import { freePort } from '../../helpers/free-port.js';
import { tlsRequest } from '../../helpers/pebble.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';
import { readFileSync } from 'node:fs';

const dir = mkdtempSync(join(tmpdir(), 'slipway-manual-tls-'));

/** A self-signed certificate for the domain and its wildcard (openssl), as PEM files in `dir`. */
function selfSigned(name: string, cn = 'example.test'): { cert: string; key: string } {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '30',
      '-subj',
      `/CN=${cn}`,
      '-addext',
      `subjectAltName=DNS:${cn},DNS:*.${cn}`,
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

let server: TestServer;
let first: { cert: string; key: string };

beforeAll(async () => {
  first = selfSigned('first');
  server = await startTestServer({
    SLIPWAY_HTTPS: 'manual',
    SLIPWAY_DOMAIN: 'example.test',
    SLIPWAY_HTTPS_PORT: String(await freePort()),
    SLIPWAY_TLS_CERT_FILE: first.cert,
    SLIPWAY_TLS_KEY_FILE: first.key,
  });
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('SLIPWAY_HTTPS=manual', () => {
  it('serves the UI and app hosts with the wildcard certificate, and redirects plain HTTP', async () => {
    const ca = readFileSync(first.cert, 'utf8');
    const port = server.httpsPort ?? 0;
    const ui = await tlsRequest({ port, host: 'example.test', path: '/healthz', ca });
    expect(ui.status).toBe(200);
    expect(ui.headers['strict-transport-security']).toBe('max-age=31536000');
    // An app host: the wildcard covers it (nobody created this app: Slipway's own answer, not the app's).
    const app = await tlsRequest({ port, host: 'nothing-preview.example.test', ca });
    expect(app.cert.subjectaltname).toContain('DNS:*.example.test');
    expect(app.status).toBeGreaterThanOrEqual(300);
    const plain = await getViaProxy(server.port, 'shop-preview.example.test', '/x');
    expect(plain.status).toBe(308);
    expect(plain.headers.location).toBe(`https://shop-preview.example.test:${port}/x`);
    // A host the certificate does not cover: no handshake.
    await expect(tlsRequest({ port, host: 'other.invalid', ca })).rejects.toThrow();
    const checks = await server.pipeline.checkInstallation();
    expect(checks.find((c) => c.name === 'TLS')).toMatchObject({ status: 'ok' });
  });

  it('serves a replaced certificate without a restart', { timeout: 30_000 }, async () => {
    const next = selfSigned('next');
    renameSync(next.key, first.key);
    renameSync(next.cert, first.cert);
    const ca = readFileSync(first.cert, 'utf8');
    const r = await eventually(() => tlsRequest({ port: server.httpsPort ?? 0, host: 'example.test', path: '/healthz', ca }), 20_000, 'the new certificate');
    expect(r.status).toBe(200);
  });
});

it('refuses to start with a key that is not the certificate’s', async () => {
  const a = selfSigned('a');
  const b = selfSigned('b');
  const config = loadConfig({
    PATH: process.env.PATH,
    SLIPWAY_DATA_DIR: join(dir, 'data-bad'),
    SLIPWAY_PORT: '0',
    SLIPWAY_HTTPS: 'manual',
    SLIPWAY_DOMAIN: 'example.test',
    SLIPWAY_HTTPS_PORT: '0',
    SLIPWAY_TLS_CERT_FILE: a.cert,
    SLIPWAY_TLS_KEY_FILE: b.key,
    SLIPWAY_LOG_LEVEL: 'silent',
  });
  await expect(startServer(config)).rejects.toThrow(/SLIPWAY_TLS_KEY_FILE=.*not the certificate/);
});
