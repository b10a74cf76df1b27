import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { hostFor, routeForHost } from '../../../src/domain/host-for.js';
import { loadEnvironments } from '../../../src/config/load-environments.js';

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
});
