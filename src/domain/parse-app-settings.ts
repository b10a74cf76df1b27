// Reads an app's slipway.yaml (port, health path, plain env vars, schedule, read-only files) into checked settings.
import { Cron } from 'croner';
import YAML from 'yaml';
import { InvalidInputError } from '../shared/errors.js';
import type { AppSettings } from './types.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** An absolute folder, not the root: /tmp, /var/cache/nginx. */
const WRITABLE_PATH = /^(\/[A-Za-z0-9._-]+)+$/;

/** `text` is the file's content, or null when the commit has no slipway.yaml (defaults apply). */
export function parseAppSettings(text: string | null): AppSettings {
  let raw: unknown = {};
  if (text !== null) {
    try {
      raw = YAML.parse(text) ?? {};
    } catch (e) {
      throw new InvalidInputError(`slipway.yaml is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new InvalidInputError('slipway.yaml must be a mapping (port:, health:, env:, schedule:)');
  const v = raw as Record<string, unknown>;
  const port = v.port ?? 8080;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new InvalidInputError(`slipway.yaml: port must be a number from 1 to 65535 (got ${JSON.stringify(port)})`);
  const health = (v.health ?? {}) as Record<string, unknown>;
  const healthPath = health.path ?? '/health';
  if (typeof healthPath !== 'string' || !/^\/[\x21-\x7e]*$/.test(healthPath))
    throw new InvalidInputError('slipway.yaml: health.path must be a path starting with "/"');
  const env: Record<string, string> = {};
  const rawEnv = v.env ?? {};
  if (typeof rawEnv !== 'object' || rawEnv === null || Array.isArray(rawEnv)) throw new InvalidInputError('slipway.yaml: env must be a mapping of NAME: value');
  for (const [name, value] of Object.entries(rawEnv)) {
    if (!ENV_NAME.test(name)) throw new InvalidInputError(`slipway.yaml: env name "${name}" is not a valid variable name`);
    if (value !== null && typeof value === 'object') throw new InvalidInputError(`slipway.yaml: env ${name} must be a plain value`);
    env[name] = value === null ? '' : String(value);
  }
  const settings: AppSettings = { kind: 'web', port, healthPath, env };
  if (v.readOnly !== undefined && typeof v.readOnly !== 'boolean') throw new InvalidInputError('slipway.yaml: readOnly must be true or false');
  if (v.writable !== undefined && v.readOnly !== true) throw new InvalidInputError('slipway.yaml: writable folders are for readOnly: true');
  if (v.readOnly === true) {
    const writable = v.writable ?? ['/tmp'];
    if (
      !Array.isArray(writable) ||
      writable.length > 10 ||
      !writable.every((p) => typeof p === 'string' && WRITABLE_PATH.test(p) && !p.split('/').includes('..'))
    )
      throw new InvalidInputError('slipway.yaml: writable must be a list of at most 10 absolute folders, such as [/tmp, /var/cache/nginx]');
    settings.readOnly = true;
    settings.writable = [...new Set(writable as string[])];
  }
  if (v.schedule !== undefined) {
    if (typeof v.schedule !== 'string' || v.schedule.trim().split(/\s+/).length !== 5)
      throw new InvalidInputError('slipway.yaml: schedule must be a cron expression with 5 fields, such as "*/5 * * * *"');
    try {
      new Cron(v.schedule, { paused: true });
    } catch (e) {
      throw new InvalidInputError(`slipway.yaml: schedule "${v.schedule}" is not a valid cron expression: ${(e as Error).message}`);
    }
    settings.kind = 'job';
    settings.schedule = v.schedule.trim();
  }
  return settings;
}
