// A registry that asks for a user and password, as the one in the cluster does (k8s/bootstrap/30-registry.yaml):
// Debian's docker-registry with an htpasswd file made by `htpasswd` (apache2-utils), on a free port of 127.0.0.1.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

export interface HtpasswdRegistry {
  /** `127.0.0.1:PORT` */
  host: string;
  port: number;
  username: string;
  password: string;
  /** `Basic …` for the user */
  authorization: string;
  stop(): Promise<void>;
}

export async function startHtpasswdRegistry(): Promise<HtpasswdRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-htpasswd-registry-'));
  const port = await freePort();
  const username = 'slipway';
  const password = `pw-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
  // -i: the password from stdin, never on a command line.
  const line = execFileSync('htpasswd', ['-niB', '-C', '5', username], { input: password, encoding: 'utf8' }).split('\n')[0]!;
  writeFileSync(join(dir, 'htpasswd'), `${line}\n`);
  writeFileSync(
    join(dir, 'config.yml'),
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'data')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      'auth:',
      '  htpasswd:',
      '    realm: slipway-test',
      `    path: ${join(dir, 'htpasswd')}`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('/usr/bin/docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const url = `http://127.0.0.1:${port}/v2/`;
  for (let i = 0; ; i += 1) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}): ${stderr}`);
    const status = await fetch(url).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 401) break;
    if (i > 100) throw new Error(`the htpasswd registry did not answer 401 at ${url} (last: ${status}): ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host: `127.0.0.1:${port}`,
    port,
    username,
    password,
    authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
