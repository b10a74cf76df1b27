// The saved login (`slipway login`): one JSON file of the user's, mode 0600 in a 0700 folder, written whole or not
// at all (a temporary file renamed over it).
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CliError } from './cli-error.js';

export interface SavedLogin {
  url: string;
  token: string;
  /** Who the server said the token is, when it was saved. */
  name?: string;
}

export function readSavedLogin(file: string): SavedLogin | null {
  if (!existsSync(file)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CliError('FAILED', `${file} is not valid JSON (${(e as Error).message}): fix it, or run slipway logout and log in again`);
  }
  const p = parsed as Partial<SavedLogin> | null;
  if (!p || typeof p.url !== 'string' || typeof p.token !== 'string') return null;
  return { url: p.url, token: p.token, ...(typeof p.name === 'string' ? { name: p.name } : {}) };
}

export function saveLogin(file: string, login: SavedLogin): void {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // A folder made before (by another tool, or an older umask) is closed too: the token is in it.
  if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, file);
}

/** Returns whether there was a login to remove. */
export function removeLogin(file: string): boolean {
  if (!existsSync(file)) return false;
  rmSync(file, { force: true });
  return true;
}
