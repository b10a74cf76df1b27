import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { findLostHost, findLostHostOf, hostFor, routeForHost } from '../../../src/domain/host-for.js';
import { branchEnvironment } from '../../../src/domain/branch-environment.js';
import { checkAppsKeepTheirHosts, explainAppName } from '../../../src/domain/app-name.js';
import { loadEnvironments } from '../../../src/config/load-environments.js';
import type { EnvironmentDef } from '../../../src/domain/types.js';

const envs = loadEnvironments(join(import.meta.dirname, '../../../environments'));

describe('hosts', () => {
  it('names preview and production hosts', () => {
    expect(
      hostFor(
        envs.find((e) => e.name === 'preview')!,
        'shop',
        'localhost',
      ),
    ).toBe('shop-preview.localhost');
    expect(
      hostFor(
        envs.find((e) => e.name === 'prod')!,
        'shop',
        '1-2-3-4.nip.io',
      ),
    ).toBe('shop.1-2-3-4.nip.io');
  });
  it('routes a host back to its app and environment', () => {
    expect(routeForHost('shop-preview.localhost', envs, 'localhost')).toEqual({ app: 'shop', environment: 'preview' });
    expect(routeForHost('shop.localhost', envs, 'localhost')).toEqual({ app: 'shop', environment: 'prod' });
    expect(routeForHost('my-shop.localhost', envs, 'localhost')).toEqual({ app: 'my-shop', environment: 'prod' });
    expect(routeForHost('localhost', envs, 'localhost')).toBeNull();
    expect(routeForHost('127.0.0.1', envs, 'localhost')).toBeNull();
    expect(routeForHost('a.b.localhost', envs, 'localhost')).toBeNull();
  });

  describe('no two apps share a host', () => {
    const env = (name: string, host: string): EnvironmentDef => ({ ...envs[0]!, name, title: name, ref: `refs/heads/${name}`, host });
    const patterns = [
      env('preview', '{app}-preview.{domain}'),
      env('prod', '{app}.{domain}'),
      env('staging', '{app}-staging.{domain}'),
      env('eu', 'eu-{app}.{domain}'),
    ];
    const layout = { environments: patterns, domain: 'example.com' };
    const names = ['a', 'x', 'shop', 'x-staging', 'x-preview', 'eu-x', 'eu-x-preview', 'staging', 'preview', 'a-b', 'b-c', 'eu', 'eu-eu'];

    it('refuses exactly one of two apps that would share a host, whichever is created first', () => {
      const allowed = names.filter((n) => findLostHost(n, layout) === null);
      const hosts = new Map<string, string>();
      for (const app of allowed)
        for (const e of patterns) {
          const host = hostFor(e, app, layout.domain);
          expect(hosts.get(host), `${app} in ${e.name}`).toBeUndefined();
          hosts.set(host, `${app}/${e.name}`);
        }
      expect(allowed).toEqual(['a', 'x', 'shop', 'a-b', 'b-c', 'eu']);
      // App `staging` in eu and app `eu` in staging would both be eu-staging.example.com: the routing gives it to `eu`.
      expect(findLostHost('staging', layout)).toMatchObject({ environment: { name: 'eu' }, takenBy: { app: 'eu', environment: { name: 'staging' } } });
      expect(findLostHost('eu-x', layout)).toMatchObject({
        environment: { name: 'prod' },
        host: 'eu-x.example.com',
        takenBy: { app: 'x', environment: { name: 'eu' } },
      });
    });
  });

  describe('branch previews', () => {
    const preview = envs.find((e) => e.name === 'preview')!;
    const on = { environments: envs, domain: 'localhost', branchPreviews: { max: 5 } };

    it('routes APP--SLUG-preview hosts to the branch preview, and only in the preview pattern', () => {
      expect(routeForHost('shop--feature-x-preview.localhost', envs, 'localhost', true)).toEqual({
        app: 'shop',
        environment: 'preview--feature-x',
        slug: 'feature-x',
      });
      expect(routeForHost('my-shop--a-b-c-preview.localhost', envs, 'localhost', true)).toMatchObject({ app: 'my-shop', slug: 'a-b-c' });
      // Production's pattern takes no branches; malformed halves are no one's.
      expect(routeForHost('shop--x.localhost', envs, 'localhost', true)).toBeNull();
      expect(routeForHost('shop---x-preview.localhost', envs, 'localhost', true)).toBeNull();
      expect(routeForHost('shop--x--y-preview.localhost', envs, 'localhost', true)).toBeNull();
      // Off: the host is what it always was (an app named with "--" keeps its hosts).
      expect(routeForHost('shop--x-preview.localhost', envs, 'localhost')).toEqual({ app: 'shop--x', environment: 'preview' });
    });

    it('no app host and no branch preview host are ever the same, whatever the app and branch names', () => {
      const env = (name: string, host: string): EnvironmentDef => ({ ...envs[0]!, name, title: name, ref: `refs/heads/${name}`, host });
      // Branch previews copy the environment that follows main.
      const patterns = [
        { ...env('preview', '{app}-preview.{domain}'), ref: 'refs/heads/main' },
        env('prod', '{app}.{domain}'),
        env('staging', '{app}-staging.{domain}'),
        env('eu', 'eu-{app}.{domain}'),
        env('x', '{app}-x-preview.{domain}'),
      ];
      const names = ['a', 'x', 'shop', 'x-staging', 'x-preview', 'eu-x', 'eu-x-preview', 'staging', 'preview', 'a-b', 'b-c', 'eu', 'eu-eu'];
      const layout = { environments: patterns, domain: 'example.com', branchPreviews: { max: 5 } };
      const basis = patterns[0]!;
      const apps = [...names, 'a--b', 'shop--x', 'x-preview', 'preview-x', 'a'.repeat(40)].filter((n) => explainAppName(n, layout) === null);
      const branches = ['x', 'preview', 'feature/x', 'x-preview', 'staging', 'eu', 'a-b', 'b', 'x'.repeat(80), 'Feature/X', '-', 'main-2'];
      const hosts = new Map<string, string>();
      const add = (host: string, owner: string) => {
        expect(hosts.get(host), `${owner} and ${hosts.get(host)} share ${host}`).toBeUndefined();
        hosts.set(host, owner);
      };
      for (const app of apps) {
        for (const e of patterns) add(hostFor(e, app, layout.domain), `${app}/${e.name}`);
        for (const branch of branches) {
          const made = branchEnvironment(basis, app, layout.domain, branch);
          if (!made.ok) continue;
          // Every branch host of a valid app routes back to it: none is refused with these patterns.
          expect(findLostHostOf(app, made.environment, layout), `${app} ${branch}`).toBeNull();
          const host = hostFor(made.environment, app, layout.domain);
          if (hosts.get(host) === `${app}/${made.environment.name}`) continue; // two names, one slug: refused at push
          add(host, `${app}/${made.environment.name}`);
          expect(routeForHost(host, patterns, layout.domain, true)).toMatchObject({ app, environment: made.environment.name });
        }
      }
      expect(apps).not.toContain('a--b');
    });

    it('refuses app names with "--", and an existing one keeps its preview host only with branch previews off', () => {
      expect(explainAppName('shop--x')).toMatch(/does not contain "--"/);
      expect(findLostHost('shop--x', on)).toMatchObject({ host: 'shop--x-preview.localhost', takenBy: { app: 'shop' } });
      expect(() => checkAppsKeepTheirHosts(['shop--x'], on)).toThrow(
        /branch preview of app "shop" \(SLIPWAY_MAX_BRANCH_PREVIEWS=0 turns branch previews off\)/,
      );
      expect(() => checkAppsKeepTheirHosts(['shop--x'], { ...on, branchPreviews: { max: 0 } })).not.toThrow();
      expect(preview.host).toBe('{app}-preview.{domain}');
    });
  });
});
