// Who did something, as the records keep it: the person, the token they used, and the address they came from.

export interface Actor {
  /** null for the machine's own operator at the command line, and for Slipway itself. */
  personId: string | null;
  name: string;
  /** The token's name (`SLIPWAY_ADMIN_TOKEN`, `sign-in link`), null when none was used. */
  token: string | null;
  address: string | null;
}

/** The `slipway` command run on the server: whoever can run it can read the data folder, so it acts as admin. */
export const CLI_ACTOR: Actor = Object.freeze({ personId: null, name: 'cli', token: null, address: 'local' });

/** Slipway itself (the first commit of an app, a retried tag). */
export const SLIPWAY_ACTOR: Actor = Object.freeze({ personId: null, name: 'slipway', token: null, address: null });

/** A name alone (from callers that know no more, such as tests and scripts) is an actor with no person or token. */
export function toActor(by: Actor | string | undefined): Actor {
  if (by === undefined) return SLIPWAY_ACTOR;
  return typeof by === 'string' ? { personId: null, name: by, token: null, address: null } : by;
}
