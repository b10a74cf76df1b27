// Where an app's bare repo lives: always a direct child of DATA_DIR/repos, whatever name is passed in.
import { basename, dirname, join, resolve } from 'node:path';
import { InvalidAppNameError } from '../shared/errors.js';

export function reposDir(dataDir: string): string {
  return join(dataDir, 'repos');
}

export function repoPath(dataDir: string, app: string): string {
  const dir = reposDir(dataDir);
  const path = join(dir, `${app}.git`);
  // Names from outside are parsed before they get here; this is the last guard should one slip through
  // (`../x`, `a/b`), since what is built here gets renamed and removed.
  if (app.length === 0 || app.includes('\0') || basename(path) !== `${app}.git` || dirname(resolve(path)) !== resolve(dir))
    throw new InvalidAppNameError(`"${app.slice(0, 60)}" is not an app name`);
  return path;
}
