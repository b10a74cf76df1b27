// The use cases bound to their dependencies: what the web layer and the CLI call.
import { createApp, type CreateAppInput } from './create-app.js';
import { deleteApp } from './delete-app.js';
import type { PipelineDeps } from './deps.js';
import { createReconciler, type Reconciler } from './reconciler.js';
import { postReceive, preReceive, type HookInput, type Say } from './receive-hooks.js';
import { authenticateToken, tokenFromBasic, tokenFromBearer, type Principal } from './authenticate-token.js';

export interface Pipeline {
  readonly deps: PipelineDeps;
  readonly reconciler: Reconciler;
  createApp(input: CreateAppInput): ReturnType<typeof createApp>;
  deleteApp(name: string): Promise<void>;
  preReceive(input: HookInput, say: Say): boolean;
  postReceive(input: HookInput, say: Say): Promise<void>;
  authenticateBearer(authorization: string | undefined): Principal | null;
  authenticateBasic(authorization: string | undefined): Principal | null;
}

export function createPipeline(deps: PipelineDeps, reconciler: Reconciler = createReconciler(deps)): Pipeline {
  return {
    deps,
    reconciler,
    createApp: async (input) => {
      const app = await createApp(deps, input);
      void reconciler.wake(app.name);
      return app;
    },
    deleteApp: (name) => deleteApp(deps, name),
    preReceive: (input, say) => preReceive(deps, input, say),
    postReceive: (input, say) => postReceive(deps, reconciler, input, say),
    authenticateBearer: (a) => authenticateToken(deps, tokenFromBearer(a)),
    authenticateBasic: (a) => authenticateToken(deps, tokenFromBasic(a)),
  };
}
