// The commit trees build pods fetch from Slipway (BuildKit in a Kubernetes Job): each offered once, under a random
// id and a one-time token, for a few minutes. The pod's first GET with the token takes it; a second, a wrong token,
// or one past its time gets nothing. The tree itself is `git archive` of the commit, made when it is fetched.
import type { Readable } from 'node:stream';
import { createCommitTar } from '../build/commit-tar.js';
import { newId, newToken, safeEqual } from '../shared/ids.js';

export interface BuildContext {
  /** The app's bare repo. */
  readonly gitdir: string;
  /** Full 40-hex commit id. */
  readonly commit: string;
}

export interface OfferedContext {
  /** The path under Slipway's server the pod GETs (`/internal/build-context/ID`). */
  readonly path: string;
  /** The bearer token of that one GET. */
  readonly token: string;
  /** Drops the offer (the build ended before the pod came, or gave up). */
  withdraw(): void;
}

export interface BuildContexts {
  offer(context: BuildContext, ttlMs?: number): OfferedContext;
  /** The context for that id and token, taken (a second call gets null); null when unknown, expired or wrong. */
  take(id: string, token: string): BuildContext | null;
  /** The tar of the context for that id and token (taken, as `take`), or null. */
  open(id: string, token: string): Promise<Readable> | null;
  /** How many offers are open (tests, the status page). */
  readonly openOffers: number;
}

/** Long enough for a pod to be scheduled and its image pulled on a busy node; the build's own timeout bounds the rest. */
const DEFAULT_TTL_MS = 15 * 60_000;

export function createBuildContexts(now: () => number = Date.now): BuildContexts {
  const offers = new Map<string, BuildContext & { token: string; until: number }>();
  const sweep = () => {
    const t = now();
    for (const [id, o] of offers) if (o.until <= t) offers.delete(id);
  };
  return {
    offer(context, ttlMs = DEFAULT_TTL_MS) {
      sweep();
      const id = newId('ctx');
      // Only in the Job's pod spec (never in a log line): worth one tree, once, for minutes.
      const token = newToken();
      offers.set(id, { ...context, token, until: now() + ttlMs });
      return { path: `/internal/build-context/${id}`, token, withdraw: () => void offers.delete(id) };
    },
    take(id, token) {
      sweep();
      const o = offers.get(id);
      if (!o || !safeEqual(token, o.token)) return null;
      offers.delete(id);
      return { gitdir: o.gitdir, commit: o.commit };
    },
    open(id, token) {
      const context = this.take(id, token);
      return context ? createCommitTar(context) : null;
    },
    get openOffers() {
      sweep();
      return offers.size;
    },
  };
}
