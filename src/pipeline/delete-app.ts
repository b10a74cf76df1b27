// Deleting an app: its records and its repo (and, with a runtime, what it runs), its images (in Docker and the
// registry) and its log files. Backups are not the app's to delete: they stay.
import fs from 'node:fs';
import { RegistryError } from '../build/remove-image.js';
import { parseAppName } from '../domain/app-name.js';
import { LOG_KINDS } from '../domain/plan-retention.js';
import { repoPath } from '../git/repo-path.js';
import { NotFoundError } from '../shared/errors.js';
import { builtImages } from './built-images.js';
import type { PipelineDeps } from './deps.js';

export async function deleteApp(
  deps: Pick<PipelineDeps, 'config' | 'store' | 'runtime' | 'log' | 'events' | 'docker' | 'images'>,
  input: string,
): Promise<void> {
  // Only an app that exists, by a name that parses: a name from outside never becomes a path to remove.
  const name = parseAppName(input);
  if (!deps.store.apps.get(name)) throw new NotFoundError(`no app named ${name}`);
  const gitdir = repoPath(deps.config.dataDir, name);
  // What runs goes first: if the runtime is unreachable, nothing is deleted and the person can retry.
  await deps.runtime.removeApp(name);
  // Then its images, while the records still say which they are: if Docker is away, nothing else is deleted yet.
  await removeImages(deps, name);
  const logs = LOG_KINDS.flatMap((kind) => deps.store.retention.logFiles(name, kind).filter((l) => !l.removed));
  // Move the repo aside first: a crash after this point leaves no half-deleted repo under the app's name.
  const trash = `${gitdir}.deleting-${Date.now()}`;
  if (fs.existsSync(gitdir)) await fs.promises.rename(gitdir, trash);
  // Its custom domains go with the row (ON DELETE CASCADE); listeners (the certificate manager) hear of each.
  const domains = deps.store.domains.listForApp(name);
  deps.store.apps.remove(name);
  for (const d of domains) deps.events.emit({ type: 'domain', app: name, environment: d.environment, domain: d.domain, change: 'removed' });
  await fs.promises.rm(trash, { recursive: true, force: true });
  // The rows are gone, so a log file left by a failure here is only disk: said, not retried.
  for (const log of logs)
    await fs.promises
      .rm(log.path, { force: true })
      .catch((e: unknown) => deps.log.warn('a log file of a deleted app stays', { path: log.path, error: String(e) }));
  deps.log.info('app deleted', { app: name });
}

async function removeImages(deps: Pick<PipelineDeps, 'config' | 'store' | 'log' | 'docker' | 'images'>, app: string): Promise<void> {
  const remove = builtImages(deps).remove;
  for (const image of deps.store.retention.imagesLeft(app)) {
    try {
      const result = await remove({ docker: deps.docker, image, registry: deps.config.build.registry });
      if (result.local === 'in-use') deps.log.warn('an image of a deleted app stays: a container outside Slipway uses it', { app, image });
    } catch (e) {
      // A registry that is away or refuses deletes does not keep the app from being deleted; the log names the image.
      if (!(e instanceof RegistryError)) throw e;
      deps.log.warn('an image of a deleted app stays in the registry', { app, image, error: e.message });
    }
  }
}
