import { describe, expect, it } from 'vitest';
import { createStore } from '../../../src/store/create-store.js';

const at = '2026-01-01T00:00:00.000Z';

describe('domains store', () => {
  it('adds, reads, lists per app, refuses a second row for a domain, and removes', () => {
    const store = createStore(':memory:');
    for (const name of ['shop', 'blog']) store.apps.insert({ name, template: 'static-site', description: '', createdAt: at });
    store.domains.add({ domain: 'shop.example.com', app: 'shop', environment: 'prod', createdAt: at });
    store.domains.add({ domain: 'beta.shop.example.com', app: 'shop', environment: 'preview', createdAt: at });
    store.domains.add({ domain: 'blog.example.com', app: 'blog', environment: 'prod', createdAt: at });
    expect(store.domains.get('shop.example.com')).toEqual({ domain: 'shop.example.com', app: 'shop', environment: 'prod', createdAt: at });
    expect(store.domains.get('nope.example.com')).toBeUndefined();
    expect(store.domains.listForApp('shop').map((d) => d.domain)).toEqual(['beta.shop.example.com', 'shop.example.com']);
    expect(store.domains.list().map((d) => d.domain)).toEqual(['beta.shop.example.com', 'blog.example.com', 'shop.example.com']);
    expect(() => store.domains.add({ domain: 'shop.example.com', app: 'blog', environment: 'prod', createdAt: at })).toThrow(
      expect.objectContaining({ code: 'DOMAIN_TAKEN', status: 409 }),
    );
    expect(store.domains.remove('shop.example.com')).toBe(true);
    expect(store.domains.remove('shop.example.com')).toBe(false);
    store.close();
  });

  it('goes with its app, and needs an app that exists', () => {
    const store = createStore(':memory:');
    store.apps.insert({ name: 'shop', template: 'static-site', description: '', createdAt: at });
    store.domains.add({ domain: 'shop.example.com', app: 'shop', environment: 'prod', createdAt: at });
    store.apps.remove('shop');
    expect(store.domains.list()).toEqual([]);
    expect(() => store.domains.add({ domain: 'x.example.com', app: 'ghost', environment: 'prod', createdAt: at })).toThrow(/FOREIGN KEY/);
    store.close();
  });
});
