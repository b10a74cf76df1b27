// Pushes a built image to the configured registry, with the push's progress in the build log.
import type Docker from 'dockerode';
import { BuildError } from './build-errors.js';
import type { LineLog } from '../shared/line-log.js';
import { classifyDockerError } from './classify-docker-error.js';
import { describeDockerClient } from '../shared/docker/create-docker-client.js';
import { readDockerProgress } from './read-docker-progress.js';
import { registryCredentials } from './registry-manifests.js';

export interface PushImageOptions {
  docker: Docker;
  /** `localhost:5050/shop` */
  repository: string;
  /** `0123456789ab` */
  tag: string;
  log: LineLog;
  signal?: AbortSignal;
}

/**
 * Pushes `repository:tag`. Layers the registry already has are skipped by Docker, so pushing again is cheap.
 * A failed push does not need a person: the image is built and the next attempt pushes it again.
 */
export async function pushImage(options: PushImageOptions): Promise<void> {
  const { docker, repository, tag, log, signal } = options;
  const image = `${repository}:${tag}`;
  const endpoint = describeDockerClient(docker);
  const failure = (e: unknown) => classifyDockerError(e, { endpoint, image, doing: `pushing ${image}`, needsPerson: false });
  log.line(`pushing ${image}`);

  let dockerError: string | undefined;
  try {
    // `authconfig` even when empty: without an X-Registry-Auth header the daemon answers 400 "Bad parameters
    // and missing X-Registry-Auth" (dockerode #416). The tag goes separately: an empty tag pushes every tag.
    // abortSignal only when set: docker-modem would put an undefined one into the query string.
    const host = repository.split('/')[0]!;
    const auth = registryCredentials(host);
    const authconfig = auth ? { username: auth.username, password: auth.password, serveraddress: host } : {};
    const stream = await docker.getImage(repository).push({ tag, authconfig, ...(signal ? { abortSignal: signal } : {}) });
    await readDockerProgress(
      stream,
      (ev) => {
        if (ev.error !== undefined || ev.errorDetail !== undefined) {
          dockerError = ev.errorDetail?.message ?? ev.error ?? 'unknown error';
          log.line(`error: ${dockerError}`);
        } else if (ev.status !== undefined && ev.progress === undefined) {
          // Progress bars (one event per chunk of every layer) are left out; their start and end are kept.
          log.line(ev.id ? `${ev.id}: ${ev.status}` : ev.status);
        }
      },
      signal,
    );
  } catch (e) {
    throw failure(e);
  }
  if (dockerError !== undefined) throw new BuildError(image, `pushing ${image} failed: ${dockerError}`, { needsPerson: false });
}
