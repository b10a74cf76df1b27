// Where the append-only log files of builds, deployments and job runs live.
import { join } from 'node:path';

export function logPath(dataDir: string, kind: 'builds' | 'deployments' | 'jobs', id: string): string {
  return join(dataDir, 'logs', kind, `${id}.log`);
}
