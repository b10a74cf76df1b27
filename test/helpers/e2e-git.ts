// A clone of an app to change and push with the real git CLI, keeping what the push printed (`remote:` lines).
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { git, gitOk, type GitResult } from './git-cli.js';

export interface Clone {
  dir: string;
  /** Writes (string) or deletes (null) files, commits them all and returns the new commit's id. */
  commit(files: Record<string, string | null>, message: string): Promise<string>;
  /** `git push ARGS`; never throws, so refusals can be asserted. `output` is stderr + stdout. */
  push(...args: string[]): Promise<GitResult & { output: string }>;
  head(): Promise<string>;
  remove(): void;
}

export async function cloneApp(url: string): Promise<Clone> {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-e2e-clone-'));
  await gitOk(['clone', '-q', url, dir]);
  const head = async () => (await gitOk(['rev-parse', 'HEAD'], { cwd: dir })).stdout.trim();
  return {
    dir,
    async commit(files, message) {
      for (const [path, content] of Object.entries(files)) {
        const file = join(dir, path);
        if (content === null) rmSync(file, { recursive: true, force: true });
        else {
          mkdirSync(dirname(file), { recursive: true });
          writeFileSync(file, content);
        }
      }
      await gitOk(['add', '-A'], { cwd: dir });
      await gitOk(['commit', '-qm', message], { cwd: dir });
      return head();
    },
    async push(...args) {
      const r = await git(['push', ...args], { cwd: dir });
      return { ...r, output: r.stderr + r.stdout };
    },
    head,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

const WS_APP_FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'ws-app');

/** The files that replace a clone's tree with the ws-app fixture (nothing of the template is left), greeting `greeting`. */
export function wsAppFiles(clone: Pick<Clone, 'dir'>, greeting: string): Record<string, string | null> {
  const files: Record<string, string | null> = {};
  for (const f of readdirSync(clone.dir)) if (f !== '.git') files[f] = null;
  for (const f of readdirSync(WS_APP_FIXTURE)) files[f] = readFileSync(join(WS_APP_FIXTURE, f), 'utf8');
  files['slipway.yaml'] = files['slipway.yaml']!.replace(/GREETING: .*/, `GREETING: "${greeting}"`);
  return files;
}
