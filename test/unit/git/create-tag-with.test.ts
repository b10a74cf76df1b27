// A release tag and production's move are one git transaction: both happen, or neither does.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTagWith } from '../../../src/git/update-ref.js';

let dir: string;
let gitdir: string;
const git = (...args: string[]) => execFileSync('git', ['--git-dir', gitdir, ...args], { encoding: 'utf8' }).trim();
const commit = (message: string, parent?: string) =>
  execFileSync('git', ['--git-dir', gitdir, 'commit-tree', '4b825dc642cb6eb9a060e54bf8d69288fbee4904', ...(parent ? ['-p', parent] : []), '-m', message], {
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' },
  }).trim();
const tagger = { name: 'Slipway', email: 'slipway@slipway.local' };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tag-with-'));
  gitdir = join(dir, 'repo.git');
  execFileSync('git', ['init', '-q', '--bare', gitdir]);
  execFileSync('git', ['--git-dir', gitdir, 'mktree'], { input: '' }); // the empty tree, which the commits below name
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('createTagWith', () => {
  it('creates an annotated tag git reads back, and moves the ref with it', async () => {
    const a = commit('a');
    const b = commit('b', a);
    git('update-ref', 'refs/heads/prod', a);
    await createTagWith(
      gitdir,
      { name: 'v1', commit: b, message: 'Release v1 (published by ann)\n', tagger },
      [{ ref: 'refs/heads/prod', newSha: b, expectedOld: a }],
      'publish v1',
    );
    expect(git('rev-parse', 'refs/heads/prod')).toBe(b);
    expect(git('cat-file', '-t', 'refs/tags/v1')).toBe('tag');
    expect(git('rev-parse', 'v1^{commit}')).toBe(b);
    expect(git('tag', '-l', '-n1', 'v1')).toMatch(/^v1\s+Release v1 \(published by ann\)$/);
    expect(git('for-each-ref', '--format=%(taggername) %(taggeremail)', 'refs/tags/v1')).toBe('Slipway <slipway@slipway.local>');
    git('symbolic-ref', 'HEAD', 'refs/heads/prod');
    git('fsck', '--strict', '--no-dangling');
  });

  it('does neither when the ref moved meanwhile: the release name is not used up', async () => {
    const a = commit('a');
    const b = commit('b', a);
    const c = commit('c', b);
    git('update-ref', 'refs/heads/prod', c); // someone moved production after the plan saw `a`
    await expect(
      createTagWith(gitdir, { name: 'v2', commit: b, message: 'Release v2\n', tagger }, [{ ref: 'refs/heads/prod', newSha: b, expectedOld: a }], 'publish v2'),
    ).rejects.toThrow(/refs\/heads\/prod moved while it was being updated/);
    expect(git('rev-parse', 'refs/heads/prod')).toBe(c);
    expect(git('tag', '-l')).toBe('');
  });

  it('does neither when the tag exists already (tags are never moved)', async () => {
    const a = commit('a');
    const b = commit('b', a);
    git('update-ref', 'refs/heads/prod', a);
    git('update-ref', 'refs/tags/v1', a);
    await expect(
      createTagWith(gitdir, { name: 'v1', commit: b, message: 'Release v1\n', tagger }, [{ ref: 'refs/heads/prod', newSha: b, expectedOld: a }], 'publish v1'),
    ).rejects.toThrow(/could not create tag v1: it exists already/);
    expect(git('rev-parse', 'refs/heads/prod')).toBe(a);
    expect(git('rev-parse', 'refs/tags/v1')).toBe(a);
  });

  it("creates production's ref when the plan saw none", async () => {
    const a = commit('a');
    await createTagWith(
      gitdir,
      { name: 'v1', commit: a, message: 'Release v1\n', tagger },
      [{ ref: 'refs/heads/prod', newSha: a, expectedOld: null }],
      'publish v1',
    );
    expect(git('rev-parse', 'refs/heads/prod')).toBe(a);
    expect(git('rev-parse', 'v1^{commit}')).toBe(a);
  });
});
