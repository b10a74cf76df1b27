// Pebble, the ACME test server, as scripts/services.sh started it (its values in pebble.env), HTTPS requests that
// trust only Pebble's roots and name a host by SNI while connecting to 127.0.0.1, and a second Pebble for tests
// that need one to appear later.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { PeerCertificate, TLSSocket } from 'node:tls';

export interface PebbleService {
  directory: string;
  management: string;
  caFile: string;
  config: string;
  httpPort: number;
  bin: string;
  dns: string;
}

export function pebbleService(): PebbleService {
  const dir = process.env.SLIPWAY_SERVICES_DIR ?? join(homedir(), '.cache', 'slipway-services');
  let text: string;
  try {
    text = readFileSync(join(dir, 'pebble.env'), 'utf8');
  } catch {
    throw new Error(`Pebble is not set up (${join(dir, 'pebble.env')} is missing): run bash scripts/services.sh up pebble`);
  }
  const v = Object.fromEntries(
    text
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  ) as Record<string, string>;
  return {
    directory: v.PEBBLE_DIRECTORY!,
    management: v.PEBBLE_MANAGEMENT!,
    caFile: v.PEBBLE_CA_FILE!,
    config: v.PEBBLE_CONFIG!,
    httpPort: Number(v.PEBBLE_HTTP_PORT),
    bin: v.PEBBLE_BIN!,
    dns: v.PEBBLE_DNS!,
  };
}

export interface TlsAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  cert: PeerCertificate;
}

/** GET (or another method) https://HOST:PORT/PATH, connecting to 127.0.0.1 and trusting `ca` only. */
export function tlsRequest(o: {
  port: number;
  host: string;
  path?: string;
  ca: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}): Promise<TlsAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: o.port,
        servername: o.host,
        path: o.path ?? '/',
        method: o.method ?? 'GET',
        ca: o.ca,
        headers: { host: `${o.host}:${o.port}`, ...o.headers },
        agent: false,
        timeout: 10_000,
      },
      (res) => {
        const cert = (res.socket as TLSSocket).getPeerCertificate();
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, cert }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(o.body);
  });
}

/** The root a Pebble instance issues under (it makes a new one at each start), from its management API. */
export async function pebbleRoot(managementUrl: string, caFile: string): Promise<string> {
  const url = new URL('/roots/0', managementUrl);
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: url.hostname, port: url.port, path: url.pathname, ca: readFileSync(caFile, 'utf8'), agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`Pebble roots: ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * A second Pebble on other loopback ports (same DNS server; the same challenge port unless `httpPort` says which
 * port it validates HTTP-01 challenges on); stop() kills it by its PID.
 */
export function startExtraPebble(
  service: PebbleService,
  o: { port: number; managementPort: number; workDir: string; httpPort?: number },
): { child: ChildProcess; stop(): void } {
  const config = JSON.parse(readFileSync(service.config, 'utf8')) as { pebble: Record<string, unknown> };
  config.pebble.listenAddress = `127.0.0.1:${o.port}`;
  config.pebble.managementListenAddress = `127.0.0.1:${o.managementPort}`;
  if (o.httpPort !== undefined) config.pebble.httpPort = o.httpPort;
  const path = join(o.workDir, 'pebble.json');
  writeFileSync(path, JSON.stringify(config));
  const child = spawn(service.bin, ['-config', path, '-dnsserver', service.dns], {
    env: { PATH: process.env.PATH, PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0' },
    stdio: 'ignore',
  });
  return {
    child,
    stop() {
      if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGTERM');
    },
  };
}
