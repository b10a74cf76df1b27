import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { findLostHost, hostFor, routeForHost } from '../../../src/domain/host-for.js';
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
});
