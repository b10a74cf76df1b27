// What the UI's banner says about the platform: whether the runtime's engine answers and whether Claude is
// set up. The engine is asked at most every few seconds, and never makes a page wait longer than a moment.
import { messageOf } from '../shared/errors.js';
import type { PipelineDeps } from './deps.js';

export interface PlatformStatus {
  runtime: { kind: 'docker' | 'kubernetes'; reachable: boolean; message: string | null };
  /** ANTHROPIC_API_KEY is set. */
  codegen: boolean;
}

export interface PlatformStatusSource {
  get(): Promise<PlatformStatus>;
}

export function createPlatformStatus(deps: Pick<PipelineDeps, 'runtime' | 'config'>, options: { ttlMs?: number; waitMs?: number } = {}): PlatformStatusSource {
  const ttl = options.ttlMs ?? 5000;
  const waitMs = options.waitMs ?? 750;
  let last: { at: number; reachable: boolean; message: string | null } | null = null;
  let inFlight: Promise<void> | null = null;
  const refresh = () => {
    inFlight ??= deps.runtime
      .ping()
      .then(
        () => void (last = { at: Date.now(), reachable: true, message: null }),
        (e: unknown) => void (last = { at: Date.now(), reachable: false, message: messageOf(e) }),
      )
      .finally(() => (inFlight = null));
    return inFlight;
  };
  return {
    async get() {
      if (!last || Date.now() - last.at > ttl) {
        const pending = refresh();
        // The first answer is waited for (briefly); later ones refresh in the background.
        if (!last) await Promise.race([pending, new Promise((r) => setTimeout(r, waitMs).unref())]);
      }
      const known = last ?? { reachable: true, message: null };
      return { runtime: { kind: deps.runtime.kind, reachable: known.reachable, message: known.message }, codegen: Boolean(deps.config.codegen.apiKey) };
    },
  };
}
