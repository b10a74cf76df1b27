// Runs `slipway serve` as a real child process (for crash tests: SIGKILL and restart on the same data folder; for
// `npm start` as a person runs it).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

export interface ServerProcess {
  child: ChildProcess;
  output: () => string;
  /** Resolves when the output matches `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** `slipway serve` with `env` (and PATH); or `command` instead, e.g. `['bash', 'scripts/start.sh']` (npm start). */
export function startServerProcess(
  env: Record<string, string>,
  command: string[] = [process.execPath, join(root, 'dist', 'src', 'main.js'), 'serve'],
): ServerProcess {
  const child = spawn(command[0]!, command.slice(1), {
    cwd: root,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (b: Buffer) => {
    out += b.toString();
    for (const l of listeners) l();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  return {
    child,
    output: () => out,
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(pattern);
          if (m) {
            listeners.delete(check);
            clearTimeout(timer);
            child.off('close', exited);
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          child.off('close', exited);
          reject(new Error(`timed out waiting for ${pattern}; output so far:\n${out}`));
        }, timeoutMs);
        // A process that ends will never print it: fail now, with what it printed.
        const exited = () => {
          listeners.delete(check);
          clearTimeout(timer);
          reject(new Error(`the process exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}; its output:\n${out}`));
        };
        listeners.add(check);
        check();
        if (listeners.has(check)) child.once('close', exited);
      });
    },
    kill(signal = 'SIGTERM') {
      return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      });
    },
  };
}
