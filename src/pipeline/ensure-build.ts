// The image of a commit: reused when a build of it succeeded and the image is still there (retention did not remove
// it, Docker has it), never rebuilt after a build that needs a person, built otherwise. Every attempt is a build
// record with its own log.
import { buildImage, type BuildImageResult } from '../build/build-image.js';
import { imageName } from '../build/image-name.js';
import { repoPath } from '../git/repo-path.js';
import { messageOf } from '../shared/errors.js';
import { openLineLog } from '../shared/line-log.js';
import { shortSha } from '../domain/types.js';
import { needsPerson as needsPersonFor } from '../shared/classify-failure.js';
import type { BuildRecord } from '../store/builds-store.js';
import type { QueuePlace } from './build-queue.js';
import { builtImages } from './built-images.js';
import type { PipelineDeps } from './deps.js';
import { logPath } from './log-paths.js';

/**
 * `builtNow`: false when a build that had succeeded was reused at once (no time passed). `superseded`: dropped from
 * the queue unstarted, a newer commit being wanted instead (see `EnsureBuildOptions.stillWanted`).
 */
export type BuildOutcome =
  { ok: true; image: string; buildId: string; builtNow: boolean } | { ok: false; buildId: string; error: string; needsPerson: boolean; superseded?: true };

export interface EnsureBuildOptions {
  signal?: AbortSignal | undefined;
  /**
   * Whether the commit is still the one wanted (its environment's ref still points at it). Asked when the build has
   * to wait for a slot and again at each `moved` notice while it waits: a build that is no longer wanted leaves the
   * queue unstarted, so that of several pushes to one ref while builds queue, only the newest is built.
   */
  stillWanted?: () => Promise<boolean>;
  /** Subscribes to "refs of this app may have moved" (the reconciler was woken for it); returns the unsubscribe. */
  moved?: (listener: () => void) => () => void;
}

type EnsureBuildDeps = Pick<PipelineDeps, 'config' | 'store' | 'events' | 'docker' | 'build' | 'buildCgroups' | 'buildQueue' | 'runtime' | 'images'>;

export async function ensureBuild(deps: EnsureBuildDeps, app: string, commit: string, options: EnsureBuildOptions = {}): Promise<BuildOutcome> {
  const { store, events, config } = deps;
  const { signal } = options;
  const previous = store.builds.latestFor(app, commit);
  // Built before, and its image is gone: removed by retention (its mark says when), or from Docker by someone else.
  let gone: Gone = null;
  if (previous?.status === 'succeeded') {
    if (previous.imageRemovedAt) gone = { why: 'retention', at: previous.imageRemovedAt, image: previous.image };
    else if (await missingFromDocker(deps, previous.image)) gone = { why: 'docker', image: previous.image };
    else return { ok: true, image: previous.image, buildId: previous.id, builtNow: false };
  }
  if (previous?.status === 'failed' && previous.needsPerson)
    return { ok: false, buildId: previous.id, error: previous.error ?? 'the build failed', needsPerson: true };

  const image = imageName(app, commit, config.build.registry);
  const record = store.builds.create({ app, commit, image, logPath: (id) => logPath(config.dataDir, 'builds', id) });
  const dropped = watchSuperseded(options);
  try {
    // The record says `queued` until a slot is free (SLIPWAY_BUILD_CONCURRENCY); waiting, it is told its place.
    const onWait = (place: QueuePlace) => {
      dropped.waiting();
      events.emit({ type: 'build-queued', app, buildId: record.id, commit, ...place });
    };
    // Recorded finished before the slot is given to the next build, so that the records' times never overlap.
    const run = async () => {
      // Dropped just as its turn came: the slot goes straight to the next build.
      if (!dropped.start()) throw dropped.signal.reason;
      const built = await runBuild(deps, record, gone, signal);
      store.builds.finish(record.id, { status: 'succeeded', reused: built.reused });
      return built;
    };
    const waitSignal = signal ? AbortSignal.any([signal, dropped.signal]) : dropped.signal;
    const result = deps.buildQueue ? await deps.buildQueue.run(run, { signal: waitSignal, onWait }) : await run();
    events.emit({ type: 'build', app, buildId: record.id, commit, status: 'succeeded', reused: result.reused });
    return { ok: true, image: result.image, buildId: record.id, builtNow: true };
  } catch (e) {
    if (dropped.signal.aborted && !signal?.aborted) {
      const error = 'not built: a newer commit was pushed while it waited for a build slot';
      store.builds.finish(record.id, { status: 'superseded', error });
      events.emit({ type: 'build', app, buildId: record.id, commit, status: 'superseded', error });
      return { ok: false, buildId: record.id, error, needsPerson: false, superseded: true };
    }
    const needsPerson = needsPersonFor(e, signal?.aborted ?? false);
    const error = messageOf(e);
    store.builds.finish(record.id, { status: 'failed', error, needsPerson });
    events.emit({ type: 'build', app, buildId: record.id, commit, status: 'failed', error });
    return { ok: false, buildId: record.id, error, needsPerson };
  } finally {
    dropped.stop();
  }
}

/**
 * While a build waits for its slot: asks `stillWanted` once it has to wait and at each `moved` notice, and aborts
 * `signal` (which takes it out of the queue) once it is not. Nothing is asked once the build has started: a build
 * under way is finished (cancelling it would waste what it did, and a stream of pushes could starve the app).
 */
function watchSuperseded(options: EnsureBuildOptions): { signal: AbortSignal; waiting(): void; start(): boolean; stop(): void } {
  const drop = new AbortController();
  let state: 'new' | 'waiting' | 'started' = 'new';
  let asking = false;
  let askAgain = false;
  const ask = async (): Promise<void> => {
    if (!options.stillWanted || state !== 'waiting' || drop.signal.aborted) return;
    // One question at a time; a notice meanwhile asks once more after it (the ref may have moved again).
    if (asking) return void (askAgain = true);
    asking = true;
    try {
      do {
        askAgain = false;
        const wanted = await options.stillWanted().catch(() => true); // git failing is no reason to drop a build
        if (!wanted && state === 'waiting') drop.abort(new Error('superseded by a newer commit'));
      } while (askAgain && state === 'waiting' && !drop.signal.aborted);
    } finally {
      asking = false;
    }
  };
  let unsubscribe: (() => void) | undefined;
  return {
    signal: drop.signal,
    waiting() {
      if (state !== 'new') return;
      state = 'waiting';
      unsubscribe = options.moved?.(() => void ask());
      void ask();
    },
    /** Whether the build may start (false: it was dropped meanwhile); after this, it never is. */
    start() {
      if (drop.signal.aborted) return false;
      state = 'started';
      return true;
    },
    stop() {
      unsubscribe?.();
    },
  };
}

type Gone = { why: 'retention'; at: string; image: string } | { why: 'docker'; image: string } | null;

/** The build itself, once its turn came: the record says `building` from here. */
async function runBuild(deps: EnsureBuildDeps, record: BuildRecord, gone: Gone, signal: AbortSignal | undefined): Promise<BuildImageResult> {
  const { store, events, config } = deps;
  const { app, commit } = record;
  store.builds.start(record.id);
  events.emit({ type: 'build', app, buildId: record.id, commit, status: 'building', ...(gone ? { rebuild: gone.why } : {}) });
  if (gone) {
    const log = openLineLog(record.logPath, (line) => events.emit({ type: 'build-line', app, buildId: record.id, line }), config.maxLogBytes);
    log.line(
      gone.why === 'retention'
        ? `${shortSha(commit)} was built before, but retention removed its image on ${gone.at.slice(0, 10)}: building it again`
        : `${shortSha(commit)} was built before, but ${config.build.engine === 'buildkit' ? 'the registry' : 'Docker'} no longer has its image ${gone.image} (removed outside Slipway): building it again`,
    );
    log.close();
  }
  const build = deps.build ?? buildImage;
  // Builds run on the runtime's own network (with its firewall) when it has one: Docker's.
  const network = await deps.runtime.buildNetwork?.();
  return build({
    docker: deps.docker,
    gitdir: repoPath(config.dataDir, app),
    app,
    commit,
    registry: config.build.registry,
    network,
    buildArgs: config.build.buildArgs,
    logFile: record.logPath,
    onLine: (line, verdict) => events.emit({ type: 'build-line', app, buildId: record.id, line, ...(verdict ? { verdict: true as const } : {}) }),
    signal,
    timeoutMs: config.build.timeoutMs,
    limits: { memoryBytes: config.build.memoryBytes, cpus: config.build.cpus },
    cgroups: deps.buildCgroups,
    maxLogBytes: config.maxLogBytes,
  });
}

/**
 * Whether Docker lost an image Slipway built (an operator's `docker image prune -a`, another installation on the same
 * engine deleting an app of the same name): one lookup per reuse. When Docker cannot be asked, the image is taken to
 * be there: the deploy then fails on Docker itself, retryably, as it did before this check.
 */
async function missingFromDocker(deps: Pick<PipelineDeps, 'docker' | 'images'>, image: string): Promise<boolean> {
  try {
    return !(await builtImages(deps).exists(deps.docker, image));
  } catch {
    return false;
  }
}
