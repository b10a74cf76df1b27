import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LETS_ENCRYPT_DIRECTORY, loadConfig } from '../../../src/config/load-config.js';

describe('HTTPS settings', () => {
  it('are off by default: plain HTTP on 8080', () => {
    const c = loadConfig({});
    expect(c.https.mode).toBe('off');
    expect(c.port).toBe(8080);
  });

  it('with acme: HTTP on 80, HTTPS on 443, an https public URL and origin, Let’s Encrypt production', () => {
    const c = loadConfig({ SLIPWAY_HTTPS: 'acme', SLIPWAY_DOMAIN: 'apps.example.com' });
    expect(c.port).toBe(80);
    expect(c.https).toMatchObject({ mode: 'acme', port: 443, acme: { directoryUrl: LETS_ENCRYPT_DIRECTORY, retryMs: 60_000 } });
    expect(c.publicUrl).toBe('https://apps.example.com');
    expect(c.trustedOrigins).toEqual(['https://apps.example.com']);
  });

  it('keeps a non-default HTTPS port in the public URL; SLIPWAY_HTTP_PORT names the plain port', () => {
    const c = loadConfig({ SLIPWAY_HTTPS: 'acme', SLIPWAY_DOMAIN: 'example.org', SLIPWAY_HTTP_PORT: '8080', SLIPWAY_HTTPS_PORT: '8443' });
    expect(c.port).toBe(8080);
    expect(c.publicUrl).toBe('https://example.org:8443');
  });

  it('manual: needs both PEM files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-tls-config-'));
    writeFileSync(join(dir, 'c.pem'), 'x');
    writeFileSync(join(dir, 'k.pem'), 'x');
    const c = loadConfig({ SLIPWAY_HTTPS: 'manual', SLIPWAY_TLS_CERT_FILE: join(dir, 'c.pem'), SLIPWAY_TLS_KEY_FILE: join(dir, 'k.pem') });
    expect(c.https).toMatchObject({ mode: 'manual', certFile: join(dir, 'c.pem'), keyFile: join(dir, 'k.pem') });
    expect(() => loadConfig({ SLIPWAY_HTTPS: 'manual', SLIPWAY_TLS_CERT_FILE: join(dir, 'c.pem') })).toThrow(/SLIPWAY_TLS_KEY_FILE is not set/);
  });

  it.each([
    [{ SLIPWAY_HTTPS: 'yes' }, /SLIPWAY_HTTPS="yes": expected off, acme or manual/],
    [{ SLIPWAY_HTTPS: 'acme' }, /cannot issue certificates for localhost/],
    [{ SLIPWAY_HTTPS: 'acme', SLIPWAY_DOMAIN: 'a.example', SLIPWAY_ACME_DIRECTORY: 'http://ca.example/dir' }, /SLIPWAY_ACME_DIRECTORY=.*https:\/\//],
    [{ SLIPWAY_HTTPS: 'acme', SLIPWAY_DOMAIN: 'a.example', SLIPWAY_ACME_EMAIL: 'nobody' }, /SLIPWAY_ACME_EMAIL="nobody"/],
    [{ SLIPWAY_HTTPS: 'acme', SLIPWAY_DOMAIN: 'a.example', SLIPWAY_PUBLIC_URL: 'http://a.example' }, /public URL is https:\/\//],
    [{ SLIPWAY_HTTPS: 'acme', SLIPWAY_DOMAIN: 'a.example', SLIPWAY_ACME_CA_FILE: '/nonexistent/ca.pem' }, /SLIPWAY_ACME_CA_FILE=.*no such file/],
    [{ SLIPWAY_PORT: '81', SLIPWAY_HTTP_PORT: '82' }, /disagree/],
    [
      { SLIPWAY_HTTPS: 'manual', SLIPWAY_TLS_CERT_FILE: '/nonexistent/c.pem', SLIPWAY_TLS_KEY_FILE: '/nonexistent/k.pem' },
      /SLIPWAY_TLS_CERT_FILE=.*no such file/,
    ],
  ])('refuses %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
