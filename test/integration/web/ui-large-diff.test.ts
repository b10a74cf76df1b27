// Large diffs in the history viewer and the publish plan: a synthetic history of 3,000 commits over 2,500 files
// (git fast-import), the Koa app in-process with a signed-in session. The file list and totals are git's own
// numbers, a diff past the limit says so and renders a bounded number of patches, every other file's patch is one
// click away, and the pages stay under 1 MB.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { composePipeline } from '../../../src/compose.js';
import { PATCH_LIMITS, readChangeSet } from '../../../src/git/read-change-set.js';
import { repoPath } from '../../../src/git/repo-path.js';
import type { Pipeline } from '../../../src/pipeline/create-pipeline.js';
import type { PipelineDeps } from '../../../src/pipeline/deps.js';
import { createLogger } from '../../../src/shared/log.js';
import { createWebApp } from '../../../src/web/create-web-app.js';
import { createBigRepo, pathOf, type BigRepo } from '../../helpers/big-repo.js';

const APP = 'big';
const ONE_MB = 1024 * 1024;

let dataDir: string;
let pipeline: Pipeline;
let deps: PipelineDeps;
let server: Server;
let base: string;
let cookie: string;
let repo: BigRepo;
let gitdir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'slipway-large-diff-'));
  const config = loadConfig({ PATH: process.env.PATH, SLIPWAY_DATA_DIR: dataDir, SLIPWAY_PORT: '0', SLIPWAY_LOG_LEVEL: 'error' });
  const composed = await composePipeline(config, createLogger('error'));
  pipeline = composed.pipeline;
  deps = composed.deps;
  deps.store.apps.insert({ name: APP, template: 'static-site', description: 'A large history', createdAt: new Date().toISOString() });
  gitdir = repoPath(dataDir, APP);
  repo = createBigRepo(gitdir);
  server = createServer(createWebApp({ pipeline, hookSecret: 'test', hookEnv: () => ({}) }).callback());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { token } = pipeline.createToken('test');
  const signIn = await fetch(`${base}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: new URL(config.publicUrl).origin, 'content-type': 'application/x-www-form-urlencoded' },
    body: `token=${encodeURIComponent(token)}`,
  });
  cookie = signIn.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  await pipeline?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function page(path: string): Promise<{ status: number; body: string; bytes: number }> {
  const res = await fetch(`${base}${path}`, { headers: { cookie } });
  const buf = Buffer.from(await res.arrayBuffer());
  return { status: res.status, body: buf.toString('utf8'), bytes: buf.length };
}

const git = (...args: string[]) => execFileSync('git', ['--git-dir', gitdir, ...args], { maxBuffer: 256 * 1024 * 1024 }).toString();

interface Row {
  path: string;
  status: string;
  additions: number | null;
  deletions: number | null;
  onPage: boolean;
}

/** git's own numbers for a range: `--numstat` rows and the `--shortstat` line. */
function gitNumbers(from: string, to: string) {
  const rows = git('diff', '--numstat', '-z', '--no-renames', from, to, '--')
    .split('\0')
    .filter(Boolean)
    .map((entry) => {
      const [a, d, ...path] = entry.split('\t');
      return { path: path.join('\t'), additions: a === '-' ? null : Number(a), deletions: d === '-' ? null : Number(d) };
    });
  const m = /(\d+) files? changed(?:, (\d+) insertions?\(\+\))?(?:, (\d+) deletions?\(-\))?/.exec(git('diff', '--shortstat', '--no-renames', from, to, '--'))!;
  return { rows, shortstat: { files: Number(m[1]), additions: Number(m[2] ?? 0), deletions: Number(m[3] ?? 0) } };
}

const unescape = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** The diff macro's file list, as a person reads it. */
function fileRows(body: string): Row[] {
  const list = /<ul class="file-list">([\s\S]*?)<\/ul>/.exec(body)?.[1] ?? '';
  return [
    ...list.matchAll(
      /<li><small>([a-z-]+)<\/small> (?:<a href="#[^"]+">|<button name="path" value="[^"]*">)([\s\S]*?)(?:<\/a>|<\/button>) (?:<span class="muted">binary<\/span>|<span class="add">\+(\d+)<\/span> <span class="del">−(\d+)<\/span>)<\/li>/g,
    ),
  ].map((m) => ({
    status: m[1]!,
    path: unescape(m[2]!),
    additions: m[3] === undefined ? null : Number(m[3]),
    deletions: m[4] === undefined ? null : Number(m[4]),
    onPage: m[0].includes('<a href="#'),
  }));
}

function totals(body: string) {
  const m = /<p class="diff-totals"[^>]*>(\d+) files? changed, <span class="add">\+(\d+)<\/span> <span class="del">−(\d+)<\/span>/.exec(body);
  return m ? { files: Number(m[1]), additions: Number(m[2]), deletions: Number(m[3]) } : null;
}

const patchesOnPage = (body: string) => body.split('class="d2h-file-wrapper"').length - 1;

/** The URL the file list's form opens for one file: its action and hidden fields, plus the path. */
function fileLink(body: string, path: string): string {
  const form = /<form method="get" action="([^"]+)" class="file-list-form">([\s\S]*?)<ul/.exec(body)!;
  const q = new URLSearchParams();
  for (const f of form[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) q.set(f[1]!, unescape(f[2]!));
  q.set('path', path);
  return `${form[1]}?${q.toString()}`;
}

function expectGitsNumbers(body: string, from: string, to: string): Row[] {
  const { rows, shortstat } = gitNumbers(from, to);
  const shown = fileRows(body);
  expect(shown.map(({ path, additions, deletions }) => ({ path, additions, deletions }))).toEqual(rows);
  expect(totals(body)).toEqual(shortstat);
  return shown;
}

describe('a diff of 2,500 files', () => {
  it('readChangeSet lists every file with git --numstat counts, and a bounded patch', async () => {
    const change = await readChangeSet(gitdir, repo.commit(1), repo.commit(3000));
    const { rows } = gitNumbers(repo.commit(1), repo.commit(3000));
    expect(rows.length).toBeGreaterThan(2000);
    expect(change.files.map(({ path, additions, deletions }) => ({ path, additions, deletions }))).toEqual(rows);
    expect(change.files.find((f) => f.path === 'assets/image-0.bin')).toMatchObject({ additions: null, deletions: null, status: 'modified' });
    expect(change.patch.truncated).toBe(true);
    expect(change.patch.files).toBeGreaterThan(0);
    expect(change.patch.files).toBeLessThanOrEqual(PATCH_LIMITS.maxFiles);
    expect(change.patch.bytes).toBeLessThanOrEqual(PATCH_LIMITS.maxBytes);
    // Whole files only, each exactly as git prints it.
    const full = git('-c', 'core.quotepath=false', 'diff', '--no-renames', repo.commit(1), repo.commit(3000), '--');
    const segments = change.patch.text.split(/(?=^diff --git )/m);
    expect(segments).toHaveLength(change.patch.files);
    for (const segment of segments) expect(full).toContain(segment.endsWith('\n') ? segment : `${segment}\n`);
  });

  it('the compare page counts and lists every file as git does, says it was cut, and stays under 1 MB', async () => {
    const { status, body, bytes } = await page(`/apps/${APP}/compare?from=${repo.commit(1)}&to=${repo.commit(3000)}`);
    expect(status).toBe(200);
    const rows = expectGitsNumbers(body, repo.commit(1), repo.commit(3000));
    expect(rows.length).toBeGreaterThan(2000);
    expect(rows.filter((r) => r.additions === null).map((r) => r.path)).toEqual(['assets/image-0.bin', 'assets/image-1.bin', 'assets/image-2.bin']);
    const shown = patchesOnPage(body);
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThanOrEqual(PATCH_LIMITS.maxFiles);
    expect(rows.filter((r) => r.onPage)).toHaveLength(shown);
    expect(body).toContain(`data-truncated="${shown}"`);
    expect(body).toContain(`This diff is large: the patches of ${shown} of its ${rows.length} files are shown below.`);
    expect(bytes).toBeLessThan(ONE_MB);
    // Side by side too.
    const split = await page(`/apps/${APP}/compare?from=${repo.commit(1)}&to=${repo.commit(3000)}&view=split`);
    expect(split.bytes).toBeLessThan(ONE_MB);
    expect(totals(split.body)).toEqual(totals(body));
  });

  it("a file whose patch is not on the page opens its own page with that file's patch", async () => {
    const from = repo.commit(1);
    const to = repo.commit(3000);
    const { body } = await page(`/apps/${APP}/compare?from=${from}&to=${to}`);
    const rows = fileRows(body);
    for (const path of [rows.at(-1)!.path, pathOf(2331)]) {
      const row = rows.find((r) => r.path === path)!;
      expect(row.onPage).toBe(false);
      const one = await page(fileLink(body, path));
      expect(one.status, path).toBe(200);
      expect(fileRows(one.body)).toEqual([{ ...row, onPage: true }]);
      expect(patchesOnPage(one.body)).toBe(1);
      const added = git('diff', '--no-renames', from, to, '--', path)
        .split('\n')
        .filter((l) => l.startsWith('+') && !l.startsWith('+++'));
      expect(added.length).toBeGreaterThan(0);
      const text = one.body.replace(/<[^>]*>/g, '');
      for (const line of added) expect(text).toContain(line.slice(1));
      expect(one.bytes).toBeLessThan(ONE_MB);
    }
    // A data file rewritten whole (6,000 changed lines) is left out of the page, and its own page says it is too large.
    const data = rows.find((r) => r.path === 'data/rows.json')!;
    expect(data).toMatchObject({ additions: 3000, deletions: 3000, onPage: false });
    const big = await page(fileLink(body, data.path));
    expect(big.status).toBe(200);
    expect(fileRows(big.body)).toEqual([data]);
    expect(big.body).toContain("This file's patch is too large to show here.");
  });

  it('the file page takes only paths the diff changes', async () => {
    const q = (path: string) => `/apps/${APP}/compare/file?from=${repo.commit(1)}&to=${repo.commit(3000)}&path=${encodeURIComponent(path)}`;
    expect((await page(q('../../etc/passwd'))).status).toBe(400);
    expect((await page(q('/etc/passwd'))).status).toBe(400);
    expect((await page(q('src/./module-0/file-1.ts'))).status).toBe(400);
    expect((await page(q('src/module-0'))).status).toBe(404);
    expect((await page(q('src/*'))).status).toBe(404);
    expect((await page(q('nothing-here.txt'))).status).toBe(404);
    expect((await page(`/apps/${APP}/compare/file?from=main&to=${repo.commit(3000)}&path=x`)).status).toBe(400);
    expect((await page(`/apps/${APP}/compare/file?from=${'0'.repeat(40)}&to=${repo.commit(3000)}&path=x`)).status).toBe(404);
  });

  it('a compare of 50 commits with large data files stays under 1 MB and counts as git does', async () => {
    const { status, body, bytes } = await page(`/apps/${APP}/compare?from=${repo.commit(2950)}&to=${repo.commit(3000)}`);
    expect(status).toBe(200);
    expectGitsNumbers(body, repo.commit(2950), repo.commit(3000));
    expect(bytes).toBeLessThan(ONE_MB);
  });

  it('compares names as well as commit ids, and says which name it does not know', async () => {
    const { status, body } = await page(`/apps/${APP}/compare?from=${repo.commit(2990).slice(0, 12)}&to=main`);
    expect(status).toBe(200);
    expectGitsNumbers(body, repo.commit(2990), repo.commit(3000));
    const unknown = await page(`/apps/${APP}/compare?from=main&to=v7`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toContain('o commit, tag or branch &quot;v7&quot; in this app');
    expect((await page(`/apps/${APP}/compare?from=main~1..main&to=main`)).status).toBe(400);
  });

  it("a commit page of 2,500 added files lists them all with git's counts, under 1 MB", async () => {
    const { status, body, bytes } = await page(`/apps/${APP}/commits/${repo.commit(1)}`);
    expect(status).toBe(200);
    const rows = expectGitsNumbers(body, '4b825dc642cb6eb9a060e54bf8d69288fbee4904', repo.commit(1));
    expect(rows.every((r) => r.status === 'added')).toBe(true);
    expect(body).toContain('data-truncated=');
    expect(bytes).toBeLessThan(ONE_MB);
    // The root commit's files open against nothing.
    const one = await page(fileLink(body, rows.at(-1)!.path));
    expect(one.status).toBe(200);
    expect(patchesOnPage(one.body)).toBe(1);
  });

  it("the publish plan lists every file with git's counts and stays under 1 MB", async () => {
    const { store } = deps;
    const logPath = () => '/dev/null';
    for (const [env, n] of [
      ['prod', 1],
      ['preview', 3000],
    ] as const) {
      const commit = repo.commit(n);
      const b = store.builds.create({ app: APP, commit, image: `slipway/${APP}:${commit.slice(0, 12)}`, logPath });
      store.builds.finish(b.id, { status: 'succeeded' });
      const d = store.deployments.create({ app: APP, environment: env, commit, trigger: 'push', previousCommit: null, logPath });
      store.deployments.replaceLive(APP, env, d.id);
      store.deployments.finish(d.id, 'live', { appliedCommit: commit });
    }
    const { status, body, bytes } = await page(`/apps/${APP}/publish`);
    expect(status).toBe(200);
    expect(body).toContain('2999 commits go live');
    const rows = expectGitsNumbers(body, repo.commit(1), repo.commit(3000));
    expect(rows.length).toBeGreaterThan(2000);
    expect(patchesOnPage(body)).toBeLessThanOrEqual(PATCH_LIMITS.maxFiles);
    expect(bytes).toBeLessThan(ONE_MB);
  });
});
