// Builds a commit into its image with the Docker Engine (classic builder), streaming progress to the build's
// log, and pushes it when a registry is configured. A commit whose image exists is never built again.
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import type { SlipwayError } from '../shared/errors.js';
import { isTransientMessage } from '../shared/classify-failure.js';
import { BuildError, cancelledBuild } from './build-errors.js';
import type { BuildCgroup, BuildCgroups } from './build-cgroups.js';
import { openLineLog, type LineLog, type OnLine } from '../shared/line-log.js';
import { classifyDockerError, toDockerUnreachable } from './classify-docker-error.js';
import { createCommitTar } from './commit-tar.js';
import { describeDockerClient } from '../shared/docker/create-docker-client.js';
import { imageParts } from './image-name.js';
import { pushImage } from './push-image.js';
import { readDockerProgress } from './read-docker-progress.js';

export interface BuildImageOptions {
  docker: Docker;
  /** The app's bare repo. */
  gitdir: string;
  app: string;
  /** Full 40-hex commit id. */
  commit: string;
  /** `localhost:5050`: the image is named after it and pushed there. */
  registry?: string | undefined;
  /** From SLIPWAY_BUILD_ARGS; args the Dockerfile does not declare only cause a warning line from Docker. */
  buildArgs: Readonly<Record<string, string>>;
  /** Appended to (created with its folder if missing). */
  logFile: string;
  /** Each log line, as it is written to the file. */
  onLine: OnLine;
  /** Aborting cancels the build request (and git); the promise rejects with a BuildError that needs no person. */
  signal?: AbortSignal;
  /** Fails the build with BUILD_FAILED after this long. */
  timeoutMs?: number;
  /** The log's cap in bytes (SLIPWAY_MAX_LOG_MB). */
  maxLogBytes?: number;
  /** The Docker network build steps run on (the runtime's build network); Docker's default bridge when absent. */
  network?: string | undefined;
  /** Limits of each build step's container: memory (swap included) in bytes, and CPUs. */
  limits?: { memoryBytes: number; cpus: number };
  /** The process limit of all the build's steps together (SLIPWAY_BUILD_PIDS); none without it. */
  cgroups?: BuildCgroups | undefined;
}

export interface BuildImageResult {
  image: string;
  /** True when the image already existed and nothing was built. */
  reused: boolean;
  durationMs: number;
}

export async function buildImage(options: BuildImageOptions): Promise<BuildImageResult> {
  const started = performance.now();
  const { docker, app, commit, registry, timeoutMs, signal } = options;
  const { repository, tag } = imageParts(app, commit, registry);
  const image = `${repository}:${tag}`;
  const endpoint = describeDockerClient(docker);
  const deadline = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
  const abort = anySignal([signal, deadline]);
  const elapsed = () => Math.round(performance.now() - started);

  const log = openLineLog(options.logFile, options.onLine, options.maxLogBytes);
  try {
    if (await imageExists(docker, image, endpoint, abort)) {
      log.line(`image ${image} already exists for commit ${commit}: not building it again`);
      if (registry !== undefined) await pushImage({ docker, repository, tag, log, signal: abort });
      return { image, reused: true, durationMs: elapsed() };
    }
    log.line(`building ${image} from commit ${commit}`);
    const imageId = await runBuild({ ...options, image, endpoint, log, signal: abort });
    // Never a half-tagged image: the classic builder tags only after the last step succeeded, so a failed or
    // cut-off build leaves nothing under this name (forcerm removes its containers; layers of the steps that
    // did succeed stay untagged, as cache). Checking here also catches a stream that ended with neither an
    // error nor an image.
    if (!(await imageExists(docker, image, endpoint, abort))) {
      throw new BuildError(image, `Docker finished building ${image} without an error, but no image has that name`);
    }
    log.line(`built ${image}${imageId ? ` (${imageId.slice(0, 19)})` : ''} in ${(elapsed() / 1000).toFixed(1)}s`);
    if (registry !== undefined) await pushImage({ docker, repository, tag, log, signal: abort });
    return { image, reused: false, durationMs: elapsed() };
  } catch (e) {
    if (signal?.aborted) {
      const cancelled = cancelledBuild(image, signal);
      log.line(cancelled.message);
      throw cancelled;
    }
    const error: SlipwayError = deadline?.aborted
      ? new BuildError(image, `building ${image} timed out after ${Math.round((timeoutMs ?? 0) / 1000)}s`, { cause: e })
      : classifyDockerError(e, { endpoint, image, doing: `building ${image}` });
    log.verdict(`build failed: ${error.message}`);
    throw error;
  } finally {
    log.close();
  }
}

/** Whether Docker has the image; a failure other than "no such image" is thrown, classified. */
export async function imageExists(docker: Docker, image: string, endpoint: string, signal: AbortSignal | undefined): Promise<boolean> {
  try {
    // Image inspection takes no abort signal in dockerode; it is one short request.
    await docker.getImage(image).inspect();
    signal?.throwIfAborted();
    return true;
  } catch (e) {
    if ((e as { statusCode?: unknown }).statusCode === 404 && !signal?.aborted) return false;
    throw classifyDockerError(e, { endpoint, image, doing: `looking up image ${image}` });
  }
}

type RunOptions = BuildImageOptions & { image: string; endpoint: string; log: LineLog; signal: AbortSignal | undefined };

/** Runs the build under its process limit; resolves to the image id Docker reported, rejects with Docker's error text. */
async function runBuild(o: RunOptions): Promise<string | undefined> {
  const cgroup = (await o.cgroups?.open(`${o.app}-${o.commit.slice(0, 12)}`)) ?? null;
  try {
    return await runBuildIn(cgroup, o);
  } finally {
    await cgroup?.close();
  }
}

/**
 * What a step prints when it cannot start a process or thread: dash, busybox, bash, Python (EAGAIN), Node (libuv),
 * Go, Java.
 */
const FORK_FAILED =
  /can(?:no|')t fork|fork: (?:retry: )?Resource temporarily unavailable|Resource temporarily unavailable|\bEAGAIN\b|uv_thread_create|failed to create new OS thread|unable to create (?:new )?native thread/i;

async function runBuildIn(cgroup: BuildCgroup | null, o: RunOptions): Promise<string | undefined> {
  const context = await createCommitTar({ gitdir: o.gitdir, commit: o.commit, signal: o.signal });
  // When git fails mid-upload, the request then fails with a connection error; git's error is the real one.
  let contextError: unknown;
  context.once('error', (e) => (contextError = e));
  let dockerError: string | undefined;
  let dockerErrorCode: number | undefined;
  let imageId: string | undefined;
  // The end of the output so far, so that a message split between two chunks is still seen.
  let recent = '';
  let forkFailed = false;
  try {
    const stream = await o.docker.buildImage(context, {
      t: o.image,
      buildargs: { ...o.buildArgs },
      // No image labels: the classic builder runs each as an extra LABEL step with its own container (0.3 s
      // a build), and the image's name already says app and commit. Containers carry the labels instead.
      rm: true,
      forcerm: true,
      pull: false,
      ...(o.network ? { networkmode: o.network } : {}),
      // Every step's container: memory with no swap beyond it, and a share of the CPUs (CFS quota per 100 ms).
      ...(o.limits ? { memory: o.limits.memoryBytes, memswap: o.limits.memoryBytes, cpuperiod: 100_000, cpuquota: Math.round(o.limits.cpus * 100_000) } : {}),
      // Processes: the API has no pids-limit (and an nproc ulimit counts all of root's processes on the host, not
      // the build's), but every step's container is made under this cgroup, whose limit they share.
      ...(cgroup ? { cgroupparent: cgroup.parent } : {}),
      // The classic builder: BuildKit (version 2) needs a gRPC session and reports progress differently.
      version: '1',
      // Only when set: docker-modem would put an undefined one into the query string.
      ...(o.signal ? { abortSignal: o.signal } : {}),
    });
    await readDockerProgress(
      stream,
      (ev) => {
        if (ev.stream !== undefined) {
          o.log.write(ev.stream);
          if (cgroup && !forkFailed) {
            forkFailed = FORK_FAILED.test(recent + ev.stream);
            recent = (recent + ev.stream).slice(-200);
          }
        }
        if (ev.status !== undefined && ev.progress === undefined) o.log.line(ev.id ? `${ev.id}: ${ev.status}` : ev.status);
        if (ev.aux?.ID !== undefined) imageId = ev.aux.ID;
        // Docker reports a failed step inside the 200 response, as the last event, not as an HTTP error.
        if (ev.error !== undefined || ev.errorDetail !== undefined) {
          dockerError = ev.errorDetail?.message ?? ev.error ?? 'unknown error';
          dockerErrorCode = ev.errorDetail?.code;
          o.log.line(`error: ${dockerError}`);
        }
      },
      o.signal,
    );
  } catch (e) {
    throw classifyDockerError(contextError ?? e, { endpoint: o.endpoint, image: o.image, doing: `building ${o.image}` });
  } finally {
    context.destroy();
  }
  if (dockerError !== undefined) {
    // A Docker Engine that is stopped mid-build (SIGTERM, `systemctl stop docker`) kills the running step and
    // reports it as a failed step, "returned a non-zero code: 137", while its API still answers (dockerd 20.10
    // measured here). That must not read as the code's fault, which is never retried: a killed step waits to
    // see whether the engine goes away.
    const killed = dockerErrorCode === 137 || dockerErrorCode === 143;
    await throwIfEngineGoes(o.docker, o.endpoint, killed ? KILLED_STEP_WATCH_MS : 0);
    // The engine is there: a step killed with SIGKILL (137) under a memory limit ran out of it; one that could not
    // start a process, or whose build reached its process limit, most likely needed more than that.
    const why =
      dockerErrorCode === 137 && o.limits
        ? ` (the step was killed: most likely it needed more than the build's memory limit of ${Math.round(o.limits.memoryBytes / 2 ** 20)} MiB, SLIPWAY_BUILD_MEMORY)`
        : cgroup && (forkFailed || (await cgroup.reachedLimit()))
          ? ` (the step could not start a process: most likely it needed more than ${cgroup.describe})`
          : '';
    if (why) o.log.line(why.trim().replace(/^\(|\)$/g, ''));
    throw new BuildError(o.image, `building ${o.image} failed: ${dockerError}${why}`, { needsPerson: !isTransientMessage(dockerError) });
  }
  return imageId;
}

/** How long a killed build step watches for its engine shutting down (dockerd exits within a second or two). */
const KILLED_STEP_WATCH_MS = 5000;

/** Throws DockerUnreachableError if the engine stops answering within `watchMs` (0: asks once). */
async function throwIfEngineGoes(docker: Docker, endpoint: string, watchMs: number): Promise<void> {
  const until = Date.now() + watchMs;
  for (;;) {
    try {
      await docker.ping();
    } catch (e) {
      const unreachable = toDockerUnreachable(e, endpoint);
      if (unreachable) throw unreachable;
      // Any other answer means the engine is there.
    }
    if (Date.now() >= until) return;
    await sleep(250);
  }
}

function anySignal(signals: ReadonlyArray<AbortSignal | undefined>): AbortSignal | undefined {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  if (present.length <= 1) return present[0];
  return AbortSignal.any(present);
}
