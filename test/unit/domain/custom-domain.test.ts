import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEnvironments } from '../../../src/config/load-environments.js';
import { explainCustomDomain, normaliseDomain, parseCustomDomain, type DomainSite } from '../../../src/domain/custom-domain.js';
import type { EnvironmentDef } from '../../../src/domain/types.js';

const environments = loadEnvironments(join(import.meta.dirname, '../../../environments'));
const site: DomainSite = { environments, domain: 'apps.example.net', publicUrl: 'https://slipway.example.net' };

describe('custom domains', () => {
  it('normalises case, spaces and one trailing dot', () => {
    expect(normaliseDomain('  Shop.Example.COM. ')).toBe('shop.example.com');
    expect(parseCustomDomain('Shop.Example.COM.', site)).toBe('shop.example.com');
    expect(parseCustomDomain('xn--bcher-kva.example', site)).toBe('xn--bcher-kva.example');
    expect(parseCustomDomain(`${'a'.repeat(63)}.example.com`, site)).toBe(`${'a'.repeat(63)}.example.com`);
  });

  it.each([
    ['', /required/],
    ['example', /at least two labels/],
    ['localhost', /at least two labels/],
    ['example.com..', /does not end with "\."/],
    ['.example.com', /empty labels/],
    ['a..example.com', /empty labels/],
    ['-shop.example.com', /starts and ends with a letter or digit/],
    ['shop-.example.com', /starts and ends/],
    ['shop_1.example.com', /letters, digits and "-"/],
    ['shop example.com', /letters, digits/],
    ['bücher.example', /letters, digits/],
    [`${'a'.repeat(64)}.example.com`, /at most 63 characters/],
    [`${'abcdefghi.'.repeat(25)}example.com`, /at most 253 characters/],
    ['*.example.com', /wildcard/],
    ['10.0.0.1', /IP address/],
    ['[::1]', /IP address/],
    ['::1', /IP address/],
    ['shop.example.123', /ends with a name, not a number/],
    ['https://shop.example.com', /host name alone/],
    ['shop.example.com:8443', /host name alone/],
  ])('refuses %j', (input, reason) => {
    expect(() => parseCustomDomain(input, site)).toThrow(reason);
    try {
      parseCustomDomain(input, site);
    } catch (e) {
      expect(e).toMatchObject({ code: 'INVALID_DOMAIN', status: 400 });
    }
  });

  it("refuses Slipway's own hosts: the UI host and the platform domain", () => {
    expect(explainCustomDomain('slipway.example.net', site)).toMatch(/host of Slipway's own UI/);
    expect(explainCustomDomain('apps.example.net', site)).toMatch(/Slipway's own domain/);
    // The UI host is the public URL's host, port or not.
    expect(explainCustomDomain('ui.example.org', { ...site, publicUrl: 'http://UI.example.org:8080' })).toMatch(/UI/);
  });

  it('refuses any host the environment patterns give an app, existing or not', () => {
    expect(explainCustomDomain('shop.apps.example.net', site)).toMatch(/Production host Slipway gives app "shop" \(environments\/prod\.yaml\)/i);
    expect(explainCustomDomain('shop-preview.apps.example.net', site)).toMatch(/preview host Slipway gives app "shop"/i);
    expect(explainCustomDomain('anything.apps.example.net', site)).toMatch(/app "anything"/);
    // A name under the domain that no pattern routes (two labels before it) is no app's host.
    expect(explainCustomDomain('a.b.apps.example.net', site)).toBeNull();
    expect(explainCustomDomain('shop.example.com', site)).toBeNull();
  });

  it('follows the configured patterns: a staging environment reserves its hosts with no code change', () => {
    const staging: EnvironmentDef = { ...environments[0]!, name: 'staging', title: 'Staging', ref: 'refs/heads/staging', host: 'stage-{app}.example.com' };
    const withStaging = { ...site, environments: [...environments, staging] };
    expect(explainCustomDomain('stage-shop.example.com', site)).toBeNull();
    expect(explainCustomDomain('stage-shop.example.com', withStaging)).toMatch(/Staging host Slipway gives app "shop"/);
  });
});
