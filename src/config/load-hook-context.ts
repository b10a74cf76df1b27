// What a git hook process knows from its environment: the repo, push options, and how to reach the server.
import { basename, resolve } from 'node:path';
import { ConfigError } from '../shared/errors.js';

export interface HookContext {
  readonly url: string;
  readonly secret: string;
  /** The app, from the repo folder name (APP.git). */
  readonly app: string;
  readonly pushOptions: readonly string[];
  readonly pusher: string;
  /** The id of the token that pushed (never the token): the server asks what its person may do with each ref. */
  readonly pusherToken: string;
  readonly address: string;
  /** receive-pack's quarantine folder during pre-receive (the pushed objects before refs move), if any. */
  readonly quarantine: string | undefined;
}

export function loadHookContext(env: Readonly<Record<string, string | undefined>> = process.env, cwd: string = process.cwd()): HookContext {
  const url = env.SLIPWAY_HOOK_URL;
  const secret = env.SLIPWAY_HOOK_SECRET;
  if (!url || !secret) {
    throw new ConfigError('this push did not come through a Slipway server (SLIPWAY_HOOK_URL is unset): push to http://HOST:PORT/git/APP.git');
  }
  const gitDir = resolve(cwd, env.GIT_DIR ?? '.');
  const app = basename(gitDir).replace(/\.git$/, '');
  const count = Number(env.GIT_PUSH_OPTION_COUNT ?? '0');
  const pushOptions: string[] = [];
  for (let i = 0; i < (Number.isInteger(count) ? Math.min(count, 20) : 0); i++) {
    const v = env[`GIT_PUSH_OPTION_${i}`];
    if (v !== undefined) pushOptions.push(v);
  }
  return Object.freeze({
    url,
    secret,
    app,
    pushOptions,
    pusher: env.REMOTE_USER ?? '',
    pusherToken: env.SLIPWAY_PUSHER_TOKEN ?? '',
    address: env.REMOTE_ADDR ?? '',
    quarantine: env.GIT_QUARANTINE_PATH || undefined,
  });
}
