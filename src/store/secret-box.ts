// App secrets at rest: AES-256-GCM with a key of the data folder's own (secrets.key, 0600, made on first start),
// from Node's crypto. A database copied without that file reveals no secret value. Each value is bound to its row
// (app, environment, name) as authenticated data, so a value moved to another row does not decrypt.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../shared/errors.js';

/** What every sealed value starts with (a stored value without it is from before secrets were sealed). */
export const SEALED_PREFIX = 'v1:';
const KEY_FILE = 'secrets.key';

export interface SecretBox {
  seal(value: string, row: string): string;
  open(sealed: string, row: string): string;
}

export class SecretKeyError extends ConfigError {}

export function secretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new SecretKeyError('the secrets key must be 32 bytes');
  return {
    seal(value, row) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(row));
      const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
      return SEALED_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
    },
    open(sealed, row) {
      const raw = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(row));
      decipher.setAuthTag(raw.subarray(12, 28));
      try {
        return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretKeyError(
          `a secret (${row.replaceAll('\0', '/')}) cannot be decrypted with this data folder's ${KEY_FILE}: was the database moved without it? Put the original ${KEY_FILE} back, or set the secret again`,
        );
      }
    },
  };
}

/** The data folder's key: read, or made (0600) on first use. */
export function loadSecretBox(dataDir: string): SecretBox {
  const path = join(dataDir, KEY_FILE);
  let key: Buffer;
  try {
    key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new SecretKeyError(`cannot read ${path}: ${(e as Error).message}`);
    key = randomBytes(32);
    // 'wx': never overwrite a key another process made meanwhile (that one is then read back).
    try {
      writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new SecretKeyError(`cannot write ${path}: ${(err as Error).message}`);
      key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
    }
  }
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  if (key.length !== 32) throw new SecretKeyError(`${path} does not hold a 32-byte key (base64): restore it from a backup`);
  return secretBox(key);
}
