// UI render bench: the home page with 200 apps and the history page of a repo with 5,000 commits, rendered by
// the real Koa app (sign-in cookie, nunjucks, SQLite, git CLI) over loopback. Target: under 100 ms each.
// Then large diffs on a synthetic repo (3,000 commits, 2,500 files, test/helpers/big-repo.ts): compare pages and
// the publish plan, first request and median, with the page size. Target: under 300 ms and 1 MB.
// And the JSON API's app list with the same apps (bearer token): under 50 ms.
// `node --import tsx test/bench/ui-bench.ts` prints the figures; run-bench.ts calls runUiBench() at its end.
// A bench, not a test: it exits 0 and says which targets are missed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../../src/config/load-config.js';
import { composePipeline } from '../../src/compose.js';
import { repoPath } from '../../src/git/repo-path.js';
import { createLogger } from '../../src/shared/log.js';
import { createWebApp } from '../../src/web/create-web-app.js';
import { createBigRepo, type BigRepo } from '../helpers/big-repo.js';
import type { PipelineDeps } from '../../src/pipeline/deps.js';

const TARGET_MS = 100;
const API_TARGET_MS = 50;
const RUNS = Math.max(10, Number(process.env.BENCH_UI_RUNS ?? 30) || 30);
const APPS = 200;
const COMMITS = 5000;
const HISTORY_APP = 'bench-history';
const DIFF_APP = 'bench-diffs';
const DIFF_TARGET_MS = 300;
const DIFF_TARGET_BYTES = 1024 * 1024;
const DIFF_RUNS = Math.max(5, Math.floor(RUNS / 3));

interface Figure {
  what: string;
  targetMs: number;
  median: number;
  p95: number;
  max: number;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

const sha = (n: number) => n.toString(16).padStart(40, '0');

/** 200 apps over the four templates, with live, building and failed environments. */
function seedApps(deps: PipelineDeps): void {
  const { store, templates } = deps;
  const logPath = () => '/dev/null';
  for (let i = 0; i < APPS; i++) {
    const name = `bench-app-${String(i).padStart(3, '0')}`;
    store.apps.insert({
      name,
      template: templates[i % templates.length]!.name,
      description: `App ${i}: a small site that shows what Slipway can do, with a description long enough to wrap onto two lines of its card.`,
      createdAt: new Date(Date.now() - i * 60_000).toISOString(),
    });
    const preview = store.deployments.create({ app: name, environment: 'preview', commit: sha(i * 3 + 1), trigger: 'push', previousCommit: null, logPath });
    store.deployments.finish(preview.id, 'live', { appliedCommit: preview.commit });
    if (i % 2 === 0) {
      const prod = store.deployments.create({ app: name, environment: 'prod', commit: sha(i * 3 + 2), trigger: 'publish', previousCommit: null, logPath });
      store.deployments.finish(prod.id, i % 10 === 0 ? 'failed' : 'live', { appliedCommit: prod.commit });
    }
    if (i % 7 === 0)
      store.deployments.create({ app: name, environment: 'preview', commit: sha(i * 3 + 3), trigger: 'push', previousCommit: preview.commit, logPath });
  }
}

/** A repo of 5,000 commits (one in ten by Claude, with a generation), releases, and main and prod apart. */
function seedHistory(deps: PipelineDeps, dataDir: string): void {
  const { store } = deps;
  store.apps.insert({ name: HISTORY_APP, template: 'static-site', description: 'A long history', createdAt: new Date().toISOString() });
  const gitdir = repoPath(dataDir, HISTORY_APP);
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', gitdir]);
  const lines: string[] = [];
  const t0 = 1_700_000_000;
  for (let i = 1; i <= COMMITS; i++) {
    const claude = i % 10 === 0;
    let message = `Change ${i}: adjust the page\n`;
    if (claude) {
      const g = store.generations.create({
        app: HISTORY_APP,
        kind: 'request',
        prompt: `Please make change number ${i} to the page`,
        requestedBy: 'admin',
        model: 'claude-sonnet-5-5',
      });
      message = `Make change ${i}\n\nPlease make change number ${i} to the page\n\nGenerated-By: claude-sonnet-5-5\nSlipway-Generation: ${g.id}\n`;
    }
    const who = claude ? 'Claude <claude@slipway.local>' : 'Person <person@example.com>';
    const content = `<h1>Version ${i}</h1>\n`;
    lines.push(
      `commit refs/heads/main`,
      `mark :${i}`,
      `author ${who} ${t0 + i * 60} +0000`,
      `committer ${who} ${t0 + i * 60} +0000`,
      `data ${Buffer.byteLength(message)}`,
      message,
    );
    if (i > 1) lines.push(`from :${i - 1}`);
    lines.push('M 100644 inline public/index.html', `data ${Buffer.byteLength(content)}`, content);
  }
  execFileSync('git', ['--git-dir', gitdir, 'fast-import', '--quiet'], { input: `${lines.join('\n')}\n` });
  const rev = (spec: string) => execFileSync('git', ['--git-dir', gitdir, 'rev-parse', spec]).toString().trim();
  for (const [tag, back] of [
    ['v1', 3000],
    ['v2', 2000],
    ['v3', 1000],
  ] as const)
    execFileSync('git', ['--git-dir', gitdir, 'tag', tag, rev(`main~${back}`)]);
  execFileSync('git', ['--git-dir', gitdir, 'update-ref', 'refs/heads/prod', rev('v3')]);
  const logPath = () => '/dev/null';
  const head = rev('main');
  for (let back = 60; back >= 0; back--) {
    const commit = rev(`main~${back}`);
    const b = store.builds.create({ app: HISTORY_APP, commit, image: `slipway/${HISTORY_APP}:${commit.slice(0, 12)}`, logPath });
    store.builds.finish(b.id, { status: back === 7 ? 'failed' : 'succeeded' });
  }
  for (const [env, commit] of [
    ['prod', rev('v2')],
    ['prod', rev('v3')],
    ['preview', rev('main~1')],
    ['preview', head],
  ] as const) {
    const d = store.deployments.create({ app: HISTORY_APP, environment: env, commit, trigger: 'push', previousCommit: null, logPath });
    store.deployments.replaceLive(HISTORY_APP, env, d.id);
    store.deployments.finish(d.id, 'live', { appliedCommit: commit });
  }
}

async function measure(base: string, headers: Record<string, string>, path: string, what: string, check: string, targetMs = TARGET_MS): Promise<Figure> {
  const once = async () => {
    const t = performance.now();
    const res = await fetch(`${base}${path}`, { headers });
    const body = await res.text();
    const ms = performance.now() - t;
    if (res.status !== 200 || !body.includes(check)) throw new Error(`${path} answered ${res.status} without "${check}"`);
    return ms;
  };
  for (let i = 0; i < 5; i++) await once(); // warm-up: template compilation, statement caches, page cache
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) samples.push(await once());
  return { what, targetMs, median: percentile(samples, 50), p95: percentile(samples, 95), max: Math.max(...samples) };
}

/** The large-diff repo, with preview running its last commit and production its first (for the publish plan). */
function seedDiffs(deps: PipelineDeps, dataDir: string): BigRepo {
  const { store } = deps;
  store.apps.insert({ name: DIFF_APP, template: 'static-site', description: 'Large diffs', createdAt: new Date().toISOString() });
  const repo = createBigRepo(repoPath(dataDir, DIFF_APP));
  const logPath = () => '/dev/null';
  for (const [env, n] of [
    ['prod', 1],
    ['preview', repo.commits],
  ] as const) {
    const commit = repo.commit(n);
    const b = store.builds.create({ app: DIFF_APP, commit, image: `slipway/${DIFF_APP}:${commit.slice(0, 12)}`, logPath });
    store.builds.finish(b.id, { status: 'succeeded' });
    const d = store.deployments.create({ app: DIFF_APP, environment: env, commit, trigger: 'push', previousCommit: null, logPath });
    store.deployments.replaceLive(DIFF_APP, env, d.id);
    store.deployments.finish(d.id, 'live', { appliedCommit: commit });
  }
  return repo;
}

interface DiffFigure {
  what: string;
  first: number;
  median: number;
  bytes: number;
}

/** The first request (nothing remembered about this diff) and the median of the next ones, and the page size. */
async function measureDiff(base: string, cookie: string, path: string, what: string): Promise<DiffFigure> {
  const once = async () => {
    const t = performance.now();
    const res = await fetch(`${base}${path}`, { headers: { cookie } });
    const body = Buffer.from(await res.arrayBuffer());
    const ms = performance.now() - t;
    if (res.status !== 200 || !body.includes('class="diff-totals"')) throw new Error(`${path} answered ${res.status} without a diff`);
    return { ms, bytes: body.length };
  };
  const first = await once();
  const samples: number[] = [];
  for (let i = 0; i < DIFF_RUNS; i++) samples.push((await once()).ms);
  return { what, first: first.ms, median: percentile(samples, 50), bytes: first.bytes };
}

/** What git alone takes to count the files and lines of the largest diff: the page cannot be faster than this. */
function shortstatFloor(gitdir: string, from: string, to: string): { text: string; median: number } {
  let text = '';
  const samples: number[] = [];
  for (let i = 0; i < DIFF_RUNS; i++) {
    const t = performance.now();
    text = execFileSync('git', ['--git-dir', gitdir, 'diff', '--shortstat', from, to]).toString().trim();
    samples.push(performance.now() - t);
  }
  return { text, median: percentile(samples, 50) };
}

/** Sets up its own data folder and server (no Docker needed), measures, cleans up, and returns the report. */
export async function runUiBench(): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipway-ui-bench-'));
  const config = loadConfig({ PATH: process.env.PATH, SLIPWAY_DATA_DIR: dataDir, SLIPWAY_PORT: '0', SLIPWAY_LOG_LEVEL: 'error' });
  const { pipeline, deps } = await composePipeline(config, createLogger('error'));
  const server = createServer(createWebApp({ pipeline, hookSecret: 'bench', hookEnv: () => ({}) }).callback());
  try {
    const t = performance.now();
    seedApps(deps);
    seedHistory(deps, dataDir);
    const repo = seedDiffs(deps, dataDir);
    const seeded = performance.now() - t;
    const { token } = pipeline.createToken('bench');
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const signIn = await fetch(`${base}/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: new URL(config.publicUrl).origin, 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${encodeURIComponent(token)}`,
    });
    const cookie = signIn.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const figures = [
      await measure(base, { cookie }, '/', `home page, ${APPS + 1} apps`, 'bench-app-199'),
      await measure(base, { cookie }, `/apps/${HISTORY_APP}/history`, `history page 1 of ${COMMITS} commits`, 'change 5000'),
      await measure(base, { cookie }, `/apps/${HISTORY_APP}/history?page=50`, `history page 50 of ${COMMITS / 50}`, 'change 2550'),
      await measure(base, { cookie }, `/apps/${HISTORY_APP}/history?page=${COMMITS / 50}`, `history last page (${COMMITS / 50})`, 'Change 1:'),
      await measure(
        base,
        { authorization: `Bearer ${token}` },
        '/api/apps',
        `GET /api/apps, ${deps.store.apps.list().length} apps`,
        '"bench-app-199"',
        API_TARGET_MS,
      ),
    ];
    // A page of another kind first, so that the diff figures do not carry template compilation.
    await measureDiff(base, cookie, `/apps/${DIFF_APP}/compare?from=${repo.commit(10)}&to=${repo.commit(20)}`, 'warm-up');
    const floor = shortstatFloor(repoPath(dataDir, DIFF_APP), repo.commit(1), repo.commit(repo.commits));
    const diffs = [
      await measureDiff(
        base,
        cookie,
        `/apps/${DIFF_APP}/compare?from=${repo.commit(1)}&to=${repo.commit(repo.commits)}`,
        `compare ${repo.commits - 1} commits apart`,
      ),
      await measureDiff(
        base,
        cookie,
        `/apps/${DIFF_APP}/compare?from=${repo.commit(1)}&to=${repo.commit(repo.commits)}&view=split`,
        '  the same, side by side',
      ),
      await measureDiff(
        base,
        cookie,
        `/apps/${DIFF_APP}/compare?from=${repo.commit(repo.commits - 50)}&to=${repo.commit(repo.commits)}`,
        'compare 50 commits apart',
      ),
      await measureDiff(base, cookie, `/apps/${DIFF_APP}/commits/${repo.commit(1)}`, `commit page, ${repo.files} files added`),
      await measureDiff(base, cookie, `/apps/${DIFF_APP}/publish`, `publish plan, ${repo.commits - 1} commits`),
    ];
    const out = [
      '',
      `Slipway UI render bench — server-side, over loopback, median of ${RUNS} after 5 warm-up requests (seeding took ${Math.round(seeded)} ms)`,
    ];
    const width = Math.max(...figures.map((f) => f.what.length));
    for (const f of figures)
      out.push(
        `  ${f.what.padEnd(width)}  median ${f.median.toFixed(1).padStart(6)} ms   p95 ${f.p95.toFixed(1).padStart(6)} ms   max ${f.max.toFixed(1).padStart(6)} ms   ${f.median < f.targetMs ? 'ok' : 'MISSED'} (target < ${f.targetMs} ms)`,
      );
    const missed = figures.filter((f) => f.median >= f.targetMs);
    out.push(missed.length === 0 ? 'UI render targets met.' : `${missed.length} UI render target(s) MISSED.`);
    out.push(
      '',
      `Large diffs (${repo.commits} commits; first to last: ${floor.text}), first request and median of ${DIFF_RUNS}`,
      `  floor: \`git diff --shortstat\` of first to last, run from Node: median ${floor.median.toFixed(1)} ms`,
    );
    const dwidth = Math.max(...diffs.map((f) => f.what.length));
    for (const f of diffs) {
      const ok = f.first < DIFF_TARGET_MS && f.median < DIFF_TARGET_MS && f.bytes < DIFF_TARGET_BYTES;
      out.push(
        `  ${f.what.padEnd(dwidth)}  first ${f.first.toFixed(1).padStart(7)} ms   median ${f.median.toFixed(1).padStart(6)} ms   ${(f.bytes / 1024).toFixed(0).padStart(5)} KB   ${ok ? 'ok' : 'MISSED'} (target < ${DIFF_TARGET_MS} ms, < 1 MB)`,
      );
    }
    return out.join('\n');
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    deps.store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${await runUiBench()}\n`);
}
