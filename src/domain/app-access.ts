// Who may open an app's environments: per app, previews (the preview, branch previews and any other environment
// that is not production) and production are each `public` or `protected`. Pure rules; the store keeps the
// setting and src/pipeline/app-access.ts enforces it.
import { InvalidInputError } from '../shared/errors.js';
import { isProduction } from './environments.js';
import type { EnvironmentDef } from './types.js';

export type AccessLevel = 'public' | 'protected';

export interface AppAccess {
  previews: AccessLevel;
  production: AccessLevel;
}

/** What an app without a setting has: everything public, as before protected previews existed. */
export const PUBLIC_ACCESS: AppAccess = Object.freeze({ previews: 'public', production: 'public' });

const LEVELS: readonly AccessLevel[] = ['public', 'protected'];

function parseLevel(value: unknown, field: keyof AppAccess, current: AccessLevel): AccessLevel {
  if (value === undefined) return current;
  if (typeof value === 'string' && (LEVELS as readonly string[]).includes(value)) return value as AccessLevel;
  throw new InvalidInputError(`${field} is "public" or "protected"`);
}

/** A change to an app's setting: fields left out keep their value; anything else than the two words is refused. */
export function parseAppAccess(input: unknown, current: AppAccess = PUBLIC_ACCESS): AppAccess {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new InvalidInputError('expected {"previews": "public"|"protected", "production": …}');
  const { previews, production, ...rest } = input as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) throw new InvalidInputError(`unknown field ${extra[0]!.slice(0, 40)} (there are previews and production)`);
  return { previews: parseLevel(previews, 'previews', current.previews), production: parseLevel(production, 'production', current.production) };
}

/**
 * Whether an environment of the app needs a signed-in person or a share link. Production follows `production`;
 * every other environment (the preview, a branch preview `preview--SLUG`, a `staging.yaml`) follows `previews`.
 */
export function isProtected(access: AppAccess, environment: string, environments: readonly EnvironmentDef[]): boolean {
  const production = environments.some((e) => e.name === environment && isProduction(e));
  return (production ? access.production : access.previews) === 'protected';
}
