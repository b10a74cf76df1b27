// What the use cases need, passed in by the composition root.
import type Docker from 'dockerode';
import type { buildImage } from '../build/build-image.js';
import type { Config } from '../config/load-config.js';
import type { CertificateState } from '../domain/certificate-state.js';
import type { AppTemplate } from '../git/app-templates.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Logger } from '../shared/log.js';
import type { Store } from '../store/create-store.js';
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
  /**
   * The TLS certificate of a host as the certificate manager sees it (custom domains and Slipway's own hosts);
   * `{ state: 'off' }` for every host when not given (no certificate manager).
   */
  certificateState?: (host: string) => CertificateState;
}
