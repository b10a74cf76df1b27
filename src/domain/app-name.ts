// App names: DNS-1123 labels of 1–40 characters that cannot collide with Slipway's own host names.
import { InvalidAppNameError } from '../shared/errors.js';
import type { AppName } from './types.js';

export const RESERVED_APP_NAMES: readonly string[] = ['git', 'api', 'www', 'admin', 'builder', 'static'];
const MAX_LENGTH = 40;

/** Returns why `name` is not a valid app name, or null when it is. */
export function explainAppName(name: string): string | null {
  if (name.length === 0) return 'an app name is required';
  if (name.length > MAX_LENGTH) return `an app name has at most ${MAX_LENGTH} characters (this one has ${name.length})`;
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name)) {
    return 'an app name uses lowercase letters, digits and "-", and starts and ends with a letter or digit';
  }
  if (RESERVED_APP_NAMES.includes(name)) return `"${name}" is reserved by Slipway`;
  if (name.endsWith('-preview')) return 'an app name cannot end with "-preview" (preview hosts use that suffix)';
  return null;
}

export function parseAppName(name: unknown): AppName {
  if (typeof name !== 'string') throw new InvalidAppNameError('an app name is required');
  const why = explainAppName(name);
  if (why) throw new InvalidAppNameError(`invalid app name "${name.slice(0, 60)}": ${why}`);
  return name as AppName;
}
