import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { checkRefUpdate, classifyRefUpdate } from '../../../src/domain/classify-ref.js';
import { loadEnvironments } from '../../../src/config/load-environments.js';
import { ZERO_SHA } from '../../../src/domain/types.js';

const envs = loadEnvironments(join(import.meta.dirname, '../../../environments'));
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

describe('classifyRefUpdate', () => {
  it('a push to main deploys preview', () => {
    expect(classifyRefUpdate({ ref: 'refs/heads/main', oldSha: A, newSha: B }, envs)).toEqual({ kind: 'preview', environment: 'preview' });
  });
  it('a push to prod is a production move (publish or rollback)', () => {
    expect(classifyRefUpdate({ ref: 'refs/heads/prod', oldSha: A, newSha: B }, envs)).toEqual({ kind: 'production-move', environment: 'prod' });
  });
  it('a release tag publishes to the environment that takes release tags', () => {
    expect(classifyRefUpdate({ ref: 'refs/tags/v3', oldSha: ZERO_SHA, newSha: B }, envs)).toEqual({ kind: 'publish', environment: 'prod', tag: 'v3' });
  });
  it('other branches and tags are ignored', () => {
    expect(classifyRefUpdate({ ref: 'refs/heads/feature', oldSha: ZERO_SHA, newSha: B }, envs)).toEqual({ kind: 'ignore' });
    expect(classifyRefUpdate({ ref: 'refs/tags/vx', oldSha: ZERO_SHA, newSha: B }, envs)).toEqual({ kind: 'ignore' });
    expect(classifyRefUpdate({ ref: 'refs/notes/commits', oldSha: ZERO_SHA, newSha: B }, envs)).toEqual({ kind: 'ignore' });
  });
  it('a new environment file adds an environment with no code change', () => {
    const staging = { ...envs[0]!, name: 'staging', title: 'staging', ref: 'refs/heads/staging' };
    expect(classifyRefUpdate({ ref: 'refs/heads/staging', oldSha: A, newSha: B }, [...envs, staging])).toEqual({ kind: 'preview', environment: 'staging' });
  });
});

describe('checkRefUpdate', () => {
  it('refuses deleting main and prod, with the reason', () => {
    expect(checkRefUpdate({ ref: 'refs/heads/main', oldSha: A, newSha: ZERO_SHA }, envs)).toEqual({
      ok: false,
      reason: expect.stringMatching(/deleting main is not allowed/),
    });
    expect(checkRefUpdate({ ref: 'refs/heads/prod', oldSha: A, newSha: ZERO_SHA }, envs)).toEqual({
      ok: false,
      reason: expect.stringMatching(/deleting prod/),
    });
  });
  it('allows deleting other branches', () => {
    expect(checkRefUpdate({ ref: 'refs/heads/feature', oldSha: A, newSha: ZERO_SHA }, envs)).toEqual({ ok: true });
  });
  it('refuses tags that are not release names', () => {
    for (const tag of ['release-1', 'v1.x', 'v01', 'V1', 'v1.2.3.4', 'latest']) {
      expect(checkRefUpdate({ ref: `refs/tags/${tag}`, oldSha: ZERO_SHA, newSha: B }, envs).ok, tag).toBe(false);
    }
    for (const tag of ['v1', 'v12', 'v1.2', 'v1.2.3', 'v0']) {
      expect(checkRefUpdate({ ref: `refs/tags/${tag}`, oldSha: ZERO_SHA, newSha: B }, envs).ok, tag).toBe(true);
    }
  });
  it('refuses moving or deleting an existing release', () => {
    expect(checkRefUpdate({ ref: 'refs/tags/v1', oldSha: A, newSha: B }, envs)).toEqual({ ok: false, reason: expect.stringMatching(/already exists/) });
    expect(checkRefUpdate({ ref: 'refs/tags/v1', oldSha: A, newSha: ZERO_SHA }, envs)).toEqual({ ok: false, reason: expect.stringMatching(/permanent/) });
  });
});
