import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEnvironments } from '../../../src/config/load-environments.js';
import { branchEnvironment, branchSlug, previewBranchOf, slugRoom, SLUG } from '../../../src/domain/branch-environment.js';
import { hostFor } from '../../../src/domain/host-for.js';

const envs = loadEnvironments(join(import.meta.dirname, '../../../environments'));
const preview = envs.find((e) => e.name === 'preview')!;

describe('branch slugs', () => {
  it('keeps a branch name that is a DNS label already', () => {
    expect(branchSlug('fix-login')).toBe('fix-login');
    expect(branchSlug('x')).toBe('x');
  });

  it('gives any other name a readable part and a hash of the whole name, the same every time', () => {
    const slug = branchSlug('feature/login');
    expect(slug).toMatch(/^feature-login-[0-9a-f]{6}$/);
    expect(branchSlug('feature/login')).toBe(slug);
    // Names that read the same get different slugs: the hash is of the name as written.
    const others = ['feature-login', 'Feature/Login', 'feature//login', 'feature_login', 'feature.login'].map((b) => branchSlug(b));
    expect(new Set([slug, ...others]).size).toBe(6);
    expect(others[0]).toBe('feature-login');
  });

  it('always makes a DNS label without "--", within the room it is given', () => {
    const names = ['a--b', '-x-', 'UPPER', 'ünïcödé', '🚀', 'release/2024.10/hotfix', 'x'.repeat(200), 'feat/' + 'a-'.repeat(50), '___'];
    for (const name of names)
      for (const room of [6, 13, 40]) {
        const slug = branchSlug(name, room);
        expect(slug, `${name} in ${room}`).toMatch(SLUG);
        expect(slug.length, `${name} in ${room}`).toBeLessThanOrEqual(room);
      }
    expect(branchSlug('🚀')).toMatch(/^[0-9a-f]{6}$/);
  });
});

describe('branch preview environments', () => {
  it('copies the preview environment, with its own name, title, ref and host', () => {
    const made = branchEnvironment(preview, 'shop', 'localhost', 'feature/login');
    expect(made.ok).toBe(true);
    if (!made.ok) return;
    const env = made.environment;
    const slug = branchSlug('feature/login');
    expect(env).toMatchObject({
      name: `preview--${slug}`,
      title: 'preview of feature/login',
      ref: 'refs/heads/feature/login',
      resources: preview.resources,
      health: preview.health,
      replicas: preview.replicas,
      branch: { name: 'feature/login', slug, basis: 'preview' },
    });
    expect(hostFor(env, 'shop', 'localhost')).toBe(`shop--${slug}-preview.localhost`);
    const fix = branchEnvironment(preview, 'shop', 'd.io', 'fix');
    expect(fix.ok && hostFor(fix.environment, 'shop', 'd.io')).toBe('shop--fix-preview.d.io');
  });

  it('keeps the host label within 63 characters for the longest app names, hashing what does not fit', () => {
    const app = 'a'.repeat(40);
    expect(slugRoom(preview, app, 'localhost')).toBe(63 - 40 - 2 - '-preview'.length);
    const made = branchEnvironment(preview, app, 'localhost', 'a-rather-long-branch-name');
    if (!made.ok) throw new Error(made.reason);
    const host = hostFor(made.environment, app, 'localhost');
    expect(host.split('.')[0]!.length).toBeLessThanOrEqual(63);
    expect(made.environment.branch?.slug).toMatch(/^a-rath-[0-9a-f]{6}$/);
    // An environment name stays a DNS label too (Kubernetes Service names).
    expect(made.environment.name.length).toBeLessThanOrEqual(63);
  });

  it('says so when a host pattern leaves no room for a branch at all', () => {
    const long = { ...preview, host: `{app}-${'p'.repeat(50)}.{domain}` };
    const made = branchEnvironment(long, 'a'.repeat(10), 'localhost', 'x');
    expect(made).toEqual({ ok: false, reason: expect.stringMatching(/leaves no room for a branch/) });
  });

  it('takes only branches no environment follows', () => {
    expect(previewBranchOf('refs/heads/feature/x', envs)).toBe('feature/x');
    expect(previewBranchOf('refs/heads/main', envs)).toBeNull();
    expect(previewBranchOf('refs/heads/prod', envs)).toBeNull();
    expect(previewBranchOf('refs/tags/v1', envs)).toBeNull();
    expect(previewBranchOf('refs/notes/x', envs)).toBeNull();
  });
});
