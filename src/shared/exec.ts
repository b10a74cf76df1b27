// Child processes with argument arrays, never shell strings; failures carry the exit code and a redacted stderr tail.
import { spawn, type SpawnOptions } from 'node:child_process';
import { ExecError } from './errors.js';
import { redact } from './redact.js';

export interface ExecResult {
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  /** Exit codes that count as success (default [0]). */
  okCodes?: number[];
  timeoutMs?: number;
}

export function tail(text: string, lines = 20): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export function exec(file: string, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult & { code: number }> {
  const spawnOptions: SpawnOptions = { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] };
  return new Promise((resolve, reject) => {
    const child = spawn(file, [...args], spawnOptions);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    if (options.timeoutMs) timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(new ExecError(file, null, redact(e.message)));
    });
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      const ok = options.okCodes ?? [0];
      if (code !== null && ok.includes(code)) resolve({ stdout, stderr, code });
      else reject(new ExecError(`${file} ${args[0] ?? ''}`.trim(), code, redact(tail(stderr, 10))));
    });
    child.stdin?.on('error', () => undefined); // the child may exit before reading everything
    child.stdin?.end(options.input);
  });
}
