// What the use cases need, passed in by the composition root.
import type Docker from 'dockerode';
import type { BuildCgroups } from '../build/build-cgroups.js';
import type { BuildContexts } from './build-contexts.js';
import type { BuildQueue } from './build-queue.js';
import type { buildImage } from '../build/build-image.js';
import type { readImageSizes } from '../build/read-image-sizes.js';
import type { removeImage } from '../build/remove-image.js';
import type { Config } from '../config/load-config.js';
import type { AppTemplate } from '../git/app-templates.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Logger } from '../shared/log.js';
import type { Store } from '../store/create-store.js';
import type { Certificates } from '../tls/certificates.js';
import type { PipelineEvents } from './pipeline-events.js';

export interface PipelineDeps {
  config: Config;
  store: Store;
  templates: readonly AppTemplate[];
  log: Logger;
  events: PipelineEvents;
  /** The engine apps run on. */
  runtime: Runtime;
  /** The Docker Engine that builds images (both runtimes build with Docker). */
  docker: Docker;
  /** Builds a commit into its image; `buildImage` when not given (tests pass a fake: no Docker needed). */
  build?: typeof buildImage;
  /** Builds wait here for a slot (SLIPWAY_BUILD_CONCURRENCY); without one (unit tests) every build starts at once. */
  buildQueue?: BuildQueue;
  /** The process limit of builds (SLIPWAY_BUILD_PIDS); builds run without one when not given. */
  buildCgroups?: BuildCgroups;
  /** Built images beyond building them: Docker and the registry when not given (src/pipeline/built-images.ts; tests pass a fake). */
  images?: BuiltImages;
  /** Commit trees offered to build pods (BuildKit in Kubernetes), served at /internal/build-context/ID. */
  buildContexts?: BuildContexts;
  /** TLS certificates when Slipway serves HTTPS (their states show in the UI and the checks). */
  certificates?: Certificates;
}

/** Whether a built image is still there, removing one, and their sizes. */
export interface BuiltImages {
  exists(docker: Docker, image: string): Promise<boolean>;
  remove: typeof removeImage;
  sizes: typeof readImageSizes;
}
