// The keys that sign UI session cookies: made once per installation and kept in DATA_DIR (never in the repo),
// written to a temporary file and renamed so that a crash never leaves a half-written key.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../shared/errors.js';

export function loadSessionKeys(dataDir: string): string[] {
  const file = join(dataDir, 'ui-session-keys.json');
  if (existsSync(file)) {
    let keys: unknown;
    try {
      keys = (JSON.parse(readFileSync(file, 'utf8')) as { keys?: unknown }).keys;
    } catch (e) {
      throw new ConfigError(`${file}: ${(e as Error).message} (delete it to make new keys; everyone signs in again)`);
    }
    if (Array.isArray(keys) && keys.length > 0 && keys.every((k) => typeof k === 'string' && k.length >= 32)) return keys as string[];
    throw new ConfigError(`${file}: expected {"keys": ["…"]} with keys of at least 32 characters`);
  }
  const keys = [randomBytes(32).toString('base64url')];
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ keys })}\n`, { mode: 0o600 });
  renameSync(tmp, file);
  return keys;
}
