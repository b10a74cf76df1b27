// Creating an app: a checked name, a bare repo with the template as its first commit, then its row.
import fs from 'node:fs';
import { join } from 'node:path';
import { parseAppName } from '../domain/app-name.js';
import { writeAppIdentity } from '../git/app-metadata.js';
import { createRepo } from '../git/create-repo.js';
import { repoPath } from '../git/repo-path.js';
import { ConflictError, InvalidInputError, SlipwayError } from '../shared/errors.js';
import type { AppRecord } from '../store/apps-store.js';
import type { PipelineDeps } from './deps.js';

export interface CreateAppInput {
  name: unknown;
  template: unknown;
  description?: unknown;
}

export async function createApp(
  deps: Pick<PipelineDeps, 'config' | 'store' | 'templates' | 'log'>,
  input: CreateAppInput,
): Promise<AppRecord & { commit: string }> {
  const name = parseAppName(input.name, deps.config);
  const template = deps.templates.find((t) => t.name === input.template);
  if (!template) {
    throw new SlipwayError('UNKNOWN_TEMPLATE', `unknown template "${String(input.template)}": choose one of ${deps.templates.map((t) => t.name).join(', ')}`);
  }
  const description = input.description === undefined || input.description === null ? '' : input.description;
  if (typeof description !== 'string' || description.length > 2000) throw new InvalidInputError('a description is text of at most 2000 characters');
  if (deps.store.apps.get(name)) throw new ConflictError(`an app named ${name} already exists`, 'APP_EXISTS');
  const gitdir = repoPath(deps.config.dataDir, name);
  if (fs.existsSync(gitdir)) throw new ConflictError(`an app named ${name} already exists (its repo does)`, 'APP_EXISTS');

  const commit = await createRepo({
    gitdir,
    templateDir: template.dir,
    hooksDir: join(deps.config.projectRoot, 'hooks'),
    message: `Create ${name} from the ${template.name} template\n`,
    author: { name: 'Slipway', email: 'slipway@slipway.local' },
  });
  const record: AppRecord = { name, template: template.name, description, createdAt: new Date().toISOString() };
  try {
    // Into the repo first (what rebuilding from the repos reads), then the row.
    await writeAppIdentity(gitdir, record);
    deps.store.apps.insert(record);
  } catch (e) {
    await fs.promises.rm(gitdir, { recursive: true, force: true });
    throw e;
  }
  deps.log.info('app created', { app: name, template: template.name, commit });
  return { ...record, commit };
}
