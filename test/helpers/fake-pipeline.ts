// A real Pipeline (createPipeline) over a real store in a temporary data folder, real git repos made from the real
// templates and config from the real loader; only the engine (a fake Runtime) and the build (a fake buildImage)
// are stand-ins, so pipeline tests need neither Docker nor Kubernetes.
import { createBuildQueue } from '../../src/pipeline/build-queue.js';
import type { CertificateState } from '../../src/domain/certificate-state.js';
import { noCertificates } from '../../src/tls/certificates.js';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import { loadTemplates } from '../../src/git/app-templates.js';
import { repoPath } from '../../src/git/repo-path.js';
import { createPipeline, type Pipeline } from '../../src/pipeline/create-pipeline.js';
import { createPipelineEvents } from '../../src/pipeline/pipeline-events.js';
import { createDockerClient } from '../../src/shared/docker/create-docker-client.js';
import { createLogger } from '../../src/shared/log.js';
import { createStore, databasePath, type Store } from '../../src/store/create-store.js';
import { createFakeBuild, type FakeBuild } from './fake-build.js';
import { createFakeRuntime, type FakeRuntime } from './fake-runtime.js';
import { gitEnv, gitOk } from './git-cli.js';

export interface PushResult {
  commit: string;
  /** What the pusher reads (`remote: …` lines). */
  said: string[];
  /** Resolves when post-receive has answered (after the pipeline is done with the push, unless `-o async`). */
  done: Promise<void>;
}

export interface FakePipeline {
  readonly pipeline: Pipeline;
  readonly store: Store;
  readonly config: Config;
  readonly dataDir: string;
  readonly runtime: FakeRuntime;
  readonly build: FakeBuild;
  /** Log lines of warn level and up (errors the pipeline logged instead of throwing). */
  readonly logged: string[];
  /** Creates an app from a template and waits until its first deploy is done; returns the first commit. */
  createApp(name: string, template?: string): Promise<string>;
  /** A new commit on `ref` (files added or changed), moved with `git update-ref`, then post-receive as the hook. */
  push(app: string, options?: { ref?: string; files?: Record<string, string>; pushOptions?: string[] }): Promise<PushResult>;
  /** Moves a ref with git alone: no hook ran (Slipway was down, or crashed before post-receive). */
  moveRef(app: string, ref: string, options?: { files?: Record<string, string> }): Promise<string>;
  /** The id of an admin token (made once), for hook input: the pre-receive check asks what its person may push. */
  pusherToken(): string;
  /** One reconcile pass over the app (what the timer does every 30 s). */
  pass(app: string): Promise<void>;
  /** Stops as the server does (reconciler, job timers, then the store), keeping the data folder. */
  close(): Promise<void>;
  /** A new pipeline over the same data folder and the same (still running) engine, started like the server. */
  reopen(): Promise<FakePipeline>;
  /** close() and remove the data folder. */
  dispose(): Promise<void>;
}

export interface FakePipelineOptions {
  /** Extra environment for the config loader (SLIPWAY_PIPELINE_PAUSED, …). */
  env?: Record<string, string>;
  dataDir?: string;
  runtime?: FakeRuntime;
  build?: FakeBuild;
  /** Builds go through a queue of this many slots (src/pipeline/build-queue.ts); without it they all start at once. */
  buildConcurrency?: number;
  /** What the certificate manager would say of a host (certificates are `off` without it). */
  certificateState?: (host: string) => CertificateState;
}

export async function createFakePipeline(options: FakePipelineOptions = {}): Promise<FakePipeline> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'slipway-fast-'));
  const config = loadConfig({
    PATH: process.env.PATH,
    SLIPWAY_DATA_DIR: dataDir,
    SLIPWAY_RUNTIME: 'docker',
    // Never reached: builds and the runtime are fakes. A wrong turn to Docker fails at once.
    SLIPWAY_DOCKER_SOCKET: '/nonexistent/docker.sock',
    SLIPWAY_RECONCILE_INTERVAL_MS: '3600000',
    ...options.env,
  });
  const logged: string[] = [];
  const log = createLogger('warn', 'slipway', (line) => void logged.push(line));
  const store = createStore(databasePath(config.dataDir));
  const runtime = options.runtime ?? createFakeRuntime();
  const build = options.build ?? createFakeBuild();
  const pipeline = createPipeline({
    config,
    store,
    templates: loadTemplates(join(config.projectRoot, 'app-templates')),
    log,
    events: createPipelineEvents(),
    runtime,
    docker: createDockerClient(config.docker),
    build: build.build,
    images: { exists: build.images.exists, remove: build.images.remove, sizes: build.images.sizes },
    ...(options.buildConcurrency ? { buildQueue: createBuildQueue(options.buildConcurrency) } : {}),
    ...(options.certificateState ? { certificates: { ...noCertificates, status: options.certificateState } } : {}),
  });
  await pipeline.reconciler.start();
  let closed = false;
  let adminTokenId: string | undefined;

  const gitdir = (app: string) => repoPath(config.dataDir, app);

  async function commitOn(app: string, ref: string, files: Record<string, string>): Promise<{ commit: string; old: string | null }> {
    const dir = gitdir(app);
    const head = await gitOk(['rev-parse', '--verify', '--quiet', ref], { cwd: dir }).catch(() => null);
    const old = head?.stdout.trim() || null;
    const base = old ?? (await gitOk(['rev-parse', 'refs/heads/main'], { cwd: dir })).stdout.trim();
    const env = { GIT_INDEX_FILE: join(dataDir, `index-${process.pid}-${Math.random().toString(36).slice(2)}`) };
    await gitOk(['read-tree', base], { cwd: dir, env });
    for (const [path, text] of Object.entries(files)) {
      const sha = await hashBlob(dir, text);
      await gitOk(['update-index', '--add', '--cacheinfo', `100644,${sha},${path}`], { cwd: dir, env });
    }
    const tree = (await gitOk(['write-tree'], { cwd: dir, env })).stdout.trim();
    rmSync(env.GIT_INDEX_FILE, { force: true });
    const message = `change ${Object.keys(files).join(', ') || 'nothing'} (${Date.now()}-${Math.random().toString(36).slice(2, 8)})`;
    const commit = (await gitOk(['commit-tree', tree, '-p', base, '-m', message], { cwd: dir })).stdout.trim();
    await gitOk(['update-ref', ref, commit, ...(old ? [old] : ['0'.repeat(40)])], { cwd: dir });
    return { commit, old };
  }

  const self: FakePipeline = {
    pipeline,
    store,
    config,
    dataDir,
    runtime,
    build,
    logged,
    async createApp(name, template = 'simple-api') {
      const app = await pipeline.createApp({ name, template });
      await pipeline.reconciler.wake(name);
      return app.commit;
    },
    async push(app, { ref = 'refs/heads/main', files = {}, pushOptions = [] } = {}) {
      const { commit, old } = await commitOn(app, ref, { 'CHANGES.md': `${Date.now()}\n`, ...files });
      const said: string[] = [];
      const updates = [{ ref, oldSha: old ?? '0'.repeat(40), newSha: commit }];
      const done = pipeline.postReceive({ app, updates, pushOptions, pusher: 'test' }, (line) => void said.push(line));
      return { commit, said, done };
    },
    async moveRef(app, ref, { files = {} } = {}) {
      return (await commitOn(app, ref, { 'CHANGES.md': `${Date.now()}\n`, ...files })).commit;
    },
    pusherToken() {
      adminTokenId ??= pipeline.createToken('fake-pipeline pusher').record.id;
      return adminTokenId;
    },
    pass: (app) => pipeline.reconciler.wake(app),
    async close() {
      if (closed) return;
      closed = true;
      await pipeline.close();
    },
    async reopen() {
      await self.close();
      return createFakePipeline({ ...options, dataDir, runtime, build });
    },
    async dispose() {
      await self.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return self;
}

async function hashBlob(gitdir: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['hash-object', '-w', '--stdin'], { cwd: gitdir, env: gitEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`git hash-object failed: ${err}`))));
    child.stdin.end(text);
  });
}
