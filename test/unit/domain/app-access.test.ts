// The access setting of protected previews: what may be set, and which environments it protects.
import { describe, expect, it } from 'vitest';
import { isProtected, parseAppAccess, PUBLIC_ACCESS } from '../../../src/domain/app-access.js';
import { parseShareExpiry } from '../../../src/domain/share-link-expiry.js';
import type { EnvironmentDef } from '../../../src/domain/types.js';

const env = (name: string, extra: Partial<EnvironmentDef> = {}): EnvironmentDef => ({
  name,
  title: name,
  ref: `refs/heads/${name === 'preview' ? 'main' : name}`,
  host: name === 'prod' ? '{app}.{domain}' : `{app}-${name}.{domain}`,
  replicas: 1,
  resources: { cpu: '250m', memory: '128Mi' },
  health: { path: '/health', timeoutSeconds: 2, intervalSeconds: 1, attempts: 3 },
  graceSeconds: 1,
  warmReleases: 0,
  ...extra,
});
const environments = [env('preview'), env('prod', { releaseTags: 'v*' }), env('staging')];

describe('parseAppAccess', () => {
  it('changes what is given and keeps the rest', () => {
    expect(parseAppAccess({ previews: 'protected' })).toEqual({ previews: 'protected', production: 'public' });
    expect(parseAppAccess({ production: 'protected' }, { previews: 'protected', production: 'public' })).toEqual({
      previews: 'protected',
      production: 'protected',
    });
    expect(parseAppAccess({})).toEqual(PUBLIC_ACCESS);
  });

  it('refuses other words, fields and shapes with the reason', () => {
    expect(() => parseAppAccess({ previews: 'private' })).toThrow(/previews is "public" or "protected"/);
    expect(() => parseAppAccess({ production: true })).toThrow(/production is "public" or "protected"/);
    expect(() => parseAppAccess({ preview: 'protected' })).toThrow(/unknown field preview/);
    expect(() => parseAppAccess(null)).toThrow(/expected/);
    expect(() => parseAppAccess(['protected'])).toThrow(/expected/);
  });
});

describe('isProtected', () => {
  it('protects production by its own setting, and every other environment (branch previews too) by previews', () => {
    const previews = { previews: 'protected', production: 'public' } as const;
    expect(isProtected(previews, 'preview', environments)).toBe(true);
    expect(isProtected(previews, 'preview--feature-x', environments)).toBe(true);
    expect(isProtected(previews, 'staging', environments)).toBe(true);
    expect(isProtected(previews, 'prod', environments)).toBe(false);
    const production = { previews: 'public', production: 'protected' } as const;
    expect(isProtected(production, 'prod', environments)).toBe(true);
    expect(isProtected(production, 'preview', environments)).toBe(false);
    expect(isProtected(PUBLIC_ACCESS, 'prod', environments)).toBe(false);
  });
});

describe('parseShareExpiry', () => {
  it('takes hours or days from 1 hour to 30 days', () => {
    expect(parseShareExpiry('1h')).toBe(3600_000);
    expect(parseShareExpiry('24h')).toBe(86_400_000);
    expect(parseShareExpiry('30d')).toBe(30 * 86_400_000);
    expect(parseShareExpiry('720h')).toBe(30 * 86_400_000);
  });

  it('refuses the rest with the range', () => {
    for (const bad of ['0h', '31d', '721h', '5m', '1', 'forever', '', '-1h', '1.5h', 3600])
      expect(() => parseShareExpiry(bad), String(bad)).toThrow(/hour|day/);
  });
});
