// What the web layer and the CLI may read of the pipeline's world: the frozen configuration, the store without
// its writes, the live events and the app templates. Changes go through the Pipeline's commands.
import type { Config } from '../config/load-config.js';
import type { CertificateState } from '../domain/certificate-state.js';
import type { PlannedBranchPreview } from '../domain/plan-branch-previews.js';
import type { AppTemplate } from '../git/app-templates.js';
import type { EnvironmentHealth } from '../runtime/runtime.js';
import type { ReadStore } from '../store/read-store.js';
import type { PipelineEvents } from './pipeline-events.js';

export interface PipelineReads {
  readonly config: Config;
  readonly store: ReadStore;
  readonly events: Pick<PipelineEvents, 'subscribe'>;
  readonly templates: readonly AppTemplate[];
  /** Restarts and problems of what serves, as the runtime sees it now; null when it does not answer in time. */
  health(app: string): Promise<EnvironmentHealth[] | null>;
  /** The app's branch previews: each branch no environment follows, with its environment and state. */
  branchPreviews(app: string): Promise<PlannedBranchPreview[]>;
  /** A host's TLS certificate (state, expiry, last error); `{ state: 'off' }` without a certificate manager. */
  certificateState(host: string): CertificateState;
}
