// Deleting an app: its records and its repo (and, with a runtime, what it runs).
import fs from 'node:fs';
import { parseAppName } from '../domain/app-name.js';
import { repoPath } from '../git/repo-path.js';
import { NotFoundError } from '../shared/errors.js';
import type { PipelineDeps } from './deps.js';

export async function deleteApp(deps: Pick<PipelineDeps, 'config' | 'store' | 'runtime' | 'log' | 'events'>, input: string): Promise<void> {
  // Only an app that exists, by a name that parses: a name from outside never becomes a path to remove.
  const name = parseAppName(input);
  if (!deps.store.apps.get(name)) throw new NotFoundError(`no app named ${name}`);
  const gitdir = repoPath(deps.config.dataDir, name);
  // What runs goes first: if the runtime is unreachable, nothing is deleted and the person can retry.
  await deps.runtime.removeApp(name);
  // Move the repo aside first: a crash after this point leaves no half-deleted repo under the app's name.
  const trash = `${gitdir}.deleting-${Date.now()}`;
  if (fs.existsSync(gitdir)) await fs.promises.rename(gitdir, trash);
  // Its custom domains go with the row (ON DELETE CASCADE); listeners (the certificate manager) hear of each.
  const domains = deps.store.domains.listForApp(name);
  deps.store.apps.remove(name);
  for (const d of domains) deps.events.emit({ type: 'domain', app: name, environment: d.environment, domain: d.domain, change: 'removed' });
  await fs.promises.rm(trash, { recursive: true, force: true });
  deps.log.info('app deleted', { app: name });
}
