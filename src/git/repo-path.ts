// Where an app's bare repo lives.
import { join } from 'node:path';

export function reposDir(dataDir: string): string {
  return join(dataDir, 'repos');
}

export function repoPath(dataDir: string, app: string): string {
  return join(reposDir(dataDir), `${app}.git`);
}
