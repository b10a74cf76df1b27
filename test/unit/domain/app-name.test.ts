import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { checkAppsKeepTheirHosts, explainAppName, parseAppName } from '../../../src/domain/app-name.js';
import { loadEnvironments } from '../../../src/config/load-environments.js';
import type { EnvironmentDef } from '../../../src/domain/types.js';

const shipped = loadEnvironments(join(import.meta.dirname, '../../../environments'));
const layout = { environments: shipped, domain: 'localhost' };
const prod = shipped.find((e) => e.name === 'prod')!;
const staging: EnvironmentDef = { ...prod, name: 'staging', title: 'staging', ref: 'refs/heads/staging', host: '{app}-staging.{domain}' };
const withStaging = { environments: [...shipped, staging], domain: 'localhost' };

describe('app names', () => {
  it.each(['a', 'my-app', 'app1', 'x'.repeat(40), '9lives'])('accepts %s', (name) => {
    expect(explainAppName(name)).toBeNull();
    expect(parseAppName(name)).toBe(name);
  });

  it.each([
    ['', /required/],
    ['x'.repeat(41), /at most 40/],
    ['My-App', /lowercase/],
    ['-app', /starts and ends/],
    ['app-', /starts and ends/],
    ['a_b', /lowercase/],
    ['a.b', /lowercase/],
    ['git', /reserved/],
    ['api', /reserved/],
    ['www', /reserved/],
    ['admin', /reserved/],
    ['builder', /reserved/],
    ['static', /reserved/],
  ])('refuses %j', (name, why) => {
    expect(explainAppName(name)).toMatch(why);
    expect(() => parseAppName(name)).toThrow(why);
  });

  it('refuses values that are not strings with INVALID_APP_NAME', () => {
    expect(() => parseAppName(42)).toThrow(expect.objectContaining({ code: 'INVALID_APP_NAME', status: 400 }));
  });

  it("refuses, at creation, a name whose production host is another app's preview host, naming the environment", () => {
    expect(explainAppName('shop-preview', layout)).toBe(
      'its production host would be shop-preview.localhost, which is the preview host of app "shop" (environments/preview.yaml); choose another name',
    );
    expect(() => parseAppName('shop-preview', layout)).toThrow(expect.objectContaining({ code: 'INVALID_APP_NAME', status: 400 }));
    // Names that only look alike keep all their hosts.
    for (const name of ['preview', 'preview-shop', 'shop-previews', 'shoppreview']) expect(explainAppName(name, layout)).toBeNull();
  });

  it('derives what is refused from the environments: -staging once staging.yaml exists', () => {
    expect(explainAppName('x-staging', layout)).toBeNull();
    expect(explainAppName('x-staging', withStaging)).toMatch(
      /production host would be x-staging\.localhost, .*staging host of app "x" \(environments\/staging\.yaml\)/,
    );
    expect(explainAppName('x', withStaging)).toBeNull();
  });

  it('refuses to start when an existing app would lose a host to an environment added since, naming both', () => {
    expect(() => checkAppsKeepTheirHosts(['x', 'x-staging'], layout)).not.toThrow();
    expect(() => checkAppsKeepTheirHosts(['shop', 'x-staging'], withStaging)).toThrow(
      expect.objectContaining({
        code: 'CONFIG',
        message: expect.stringMatching(/app "x-staging" would lose its production host x-staging\.localhost: .*environments\/staging\.yaml/),
      }),
    );
  });
});
