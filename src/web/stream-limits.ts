// How many event streams each token holds open, so that one client cannot hold the server's streams (and the
// work behind each: log tails, runtime log follows) without bound.
import { TooManyStreamsError } from '../shared/errors.js';

export interface StreamLimits {
  /** Counts a new stream for `who`; throws when it already holds the maximum. The returned function ends it. */
  open(who: string): () => void;
}

export function createStreamLimits(maxPerToken: number): StreamLimits {
  const open = new Map<string, number>();
  return {
    open(who) {
      const n = open.get(who) ?? 0;
      if (n >= maxPerToken) {
        throw new TooManyStreamsError(`${who} already has ${n} event streams open (the most one token may hold): close one and try again`);
      }
      open.set(who, n + 1);
      let ended = false;
      return () => {
        if (ended) return;
        ended = true;
        const left = (open.get(who) ?? 1) - 1;
        if (left === 0) open.delete(who);
        else open.set(who, left);
      };
    },
  };
}
