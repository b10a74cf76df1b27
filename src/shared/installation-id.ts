// Which Slipway installation this is: the id in its container, network and namespace names and labels. Kept in the
// data folder (`installation.id`, outside the database) so that it survives losing the database, goes into
// backups, and moves with the folder: a rebuilt or restored installation adopts its own containers instead of
// colliding with them. Made on first start from the data folder's path — the id installations had before the file
// existed, so an upgrade keeps adopting what it runs.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const INSTALLATION_ID_FILE = 'installation.id';
const ID = /^[0-9a-f]{12}$/;

/** The id derived from where the data folder is (and, in a cluster, the builder's namespace): the first start's. */
export function derivedInstallationId(dataDir: string, namespace?: string): string {
  return createHash('sha256')
    .update(namespace === undefined ? dataDir : `${namespace}:${dataDir}`)
    .digest('hex')
    .slice(0, 12);
}

/** The id recorded in a data folder, or null when it has none (or not a valid one). */
export function recordedInstallationId(dataDir: string): string | null {
  const file = join(dataDir, INSTALLATION_ID_FILE);
  if (!existsSync(file)) return null;
  const id = readFileSync(file, 'utf8').trim();
  return ID.test(id) ? id : null;
}

/** The installation's id: the recorded one, else made (derived from the path) and recorded, 0600. */
export function loadInstallationId(dataDir: string, namespace?: string): string {
  const recorded = recordedInstallationId(dataDir);
  if (recorded) return recorded;
  const file = join(dataDir, INSTALLATION_ID_FILE);
  if (existsSync(file)) throw new Error(`${file} does not hold an installation id (12 hex digits): fix or remove it`);
  const id = derivedInstallationId(dataDir, namespace);
  writeFileSync(file, `${id}\n`, { mode: 0o600 });
  return id;
}
