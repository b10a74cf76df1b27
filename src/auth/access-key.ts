// The key that signs access cookies on app hosts: made once per installation in the data folder (never in a repo),
// written to a temporary file and renamed, so a crash never leaves half a key.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../shared/errors.js';

export function loadAccessKey(dataDir: string): Buffer {
  const file = join(dataDir, 'access-cookie.key');
  if (existsSync(file)) {
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url');
    if (key.length < 32)
      throw new ConfigError(`${file}: expected 32 random bytes, base64url (delete it to make a new key; everyone opens protected previews again)`);
    return key;
  }
  const key = randomBytes(32);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${key.toString('base64url')}\n`, { mode: 0o600 });
  renameSync(tmp, file);
  return key;
}
