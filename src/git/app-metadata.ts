// What Slipway knows of an app beyond its code, kept in the app's bare repo so that the repos alone can rebuild the
// database: the `slipway` section of the repo's own `config` (never cloned, never in the app's history, not
// editable by a push). Template, description and creation time; the names of its secrets (never their values) and
// its custom domains, so that a rebuilt installation can say which secrets are missing and route its domains.
//
//   [slipway]
//     template = simple-api
//     description = …
//     created = 2026-11-30T22:00:00.000Z
//     secret = preview/API_KEY          (one per secret, ENVIRONMENT/NAME)
//     domain = prod/shop.example.com    (one per custom domain, ENVIRONMENT/DOMAIN)
import { join } from 'node:path';
import { exec } from '../shared/exec.js';

export interface AppMetadata {
  template: string | null;
  description: string | null;
  createdAt: string | null;
  secrets: { environment: string; name: string }[];
  domains: { environment: string; domain: string }[];
}

const configFile = (gitdir: string) => join(gitdir, 'config');

/** Runs `git config --file`, retrying once when another writer holds config.lock. */
async function gitConfig(gitdir: string, args: readonly string[], okCodes = [0]): Promise<string> {
  const run = () => exec('git', ['config', '--file', configFile(gitdir), ...args], { okCodes });
  try {
    return (await run()).stdout;
  } catch (e) {
    if (!/could not lock config file/i.test(String((e as Error).message))) throw e;
    await new Promise((r) => setTimeout(r, 100));
    return (await run()).stdout;
  }
}

const pair = (value: string): [string, string] | null => {
  const slash = value.indexOf('/');
  return slash > 0 ? [value.slice(0, slash), value.slice(slash + 1)] : null;
};

export async function readAppMetadata(gitdir: string): Promise<AppMetadata> {
  // -z: each entry is KEY\nVALUE\0, so values may hold newlines. Exit 1: no such section yet.
  const out = await gitConfig(gitdir, ['-z', '--get-regexp', '^slipway\\.'], [0, 1]);
  const meta: AppMetadata = { template: null, description: null, createdAt: null, secrets: [], domains: [] };
  for (const entry of out.split('\0')) {
    const nl = entry.indexOf('\n');
    if (nl < 0) continue;
    const key = entry.slice(0, nl);
    const value = entry.slice(nl + 1);
    if (key === 'slipway.template') meta.template = value;
    else if (key === 'slipway.description') meta.description = value;
    else if (key === 'slipway.created') meta.createdAt = value;
    else if (key === 'slipway.secret') {
      const p = pair(value);
      if (p) meta.secrets.push({ environment: p[0], name: p[1] });
    } else if (key === 'slipway.domain') {
      const p = pair(value);
      if (p) meta.domains.push({ environment: p[0], domain: p[1] });
    }
  }
  return meta;
}

/** Sets the app's template, description and creation time. */
export async function writeAppIdentity(gitdir: string, app: { template: string; description: string; createdAt: string }): Promise<void> {
  await gitConfig(gitdir, ['slipway.template', app.template]);
  await gitConfig(gitdir, ['slipway.description', app.description]);
  await gitConfig(gitdir, ['slipway.created', app.createdAt]);
}

/** Replaces every value of a multi-valued key (`secret`, `domain`) with `values`, sorted. */
export async function writeAppList(gitdir: string, key: 'secret' | 'domain', values: readonly string[]): Promise<void> {
  await gitConfig(gitdir, ['--unset-all', `slipway.${key}`], [0, 5]);
  for (const value of [...new Set(values)].sort()) await gitConfig(gitdir, ['--add', `slipway.${key}`, value]);
}
