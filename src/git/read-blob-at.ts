// Reads one file of a commit from a bare repo as bytes (binary files stay intact), refusing files over a size
// limit before reading them: what an agent reading an app's files gets through MCP.
import { spawn } from 'node:child_process';
import { exec } from '../shared/exec.js';
import { ExecError, InvalidInputError } from '../shared/errors.js';
import { redact } from '../shared/redact.js';

export type BlobAt = { kind: 'file'; bytes: Buffer } | { kind: 'missing' } | { kind: 'folder' };

export async function readBlobAt(gitdir: string, commit: string, path: string, maxBytes: number): Promise<BlobAt> {
  const spec = `${commit}:${path}`;
  const head = await exec('git', ['--git-dir', gitdir, 'cat-file', '--batch-check=%(objecttype) %(objectsize)'], { input: `${spec}\n` });
  const [type, size] = head.stdout.trim().split(' ');
  if (type === 'tree') return { kind: 'folder' };
  if (type !== 'blob') return { kind: 'missing' };
  if (Number(size) > maxBytes) throw new InvalidInputError(`${path} is ${size} bytes; files over ${maxBytes} bytes are not read here (clone the repo instead)`);
  return { kind: 'file', bytes: await catBlob(gitdir, spec) };
}

function catBlob(gitdir: string, spec: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['--git-dir', gitdir, 'cat-file', 'blob', spec], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(new ExecError('git cat-file', null, redact(e.message))));
    child.on('close', (code) =>
      code === 0 ? resolve(Buffer.concat(out)) : reject(new ExecError('git cat-file', code, redact(Buffer.concat(err).toString('utf8').slice(-2000)))),
    );
  });
}
