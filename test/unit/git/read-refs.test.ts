// The in-process ref reader against git's own answers, on real repos: loose refs, packed refs, a loose ref that
// overrides a packed one, annotated tags peeled (tag objects loose and inside a pack), symbolic refs, and names
// resolved as `git rev-parse` does.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readRefs, resolveRef } from '../../../src/git/read-refs.js';

let dir: string;
let gitdir: string;
const ENV = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };
const git = (...args: string[]) => execFileSync('git', ['--git-dir', gitdir, ...args], { encoding: 'utf8', env: ENV }).trim();
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';
const commit = (message: string, parent?: string) => git('commit-tree', EMPTY_TREE, ...(parent ? ['-p', parent] : []), '-m', message);

/** What `git for-each-ref` says, in the shape readRefs answers (annotated tags peeled). */
function refsByGit(): { ref: string; sha: string }[] {
  return git('for-each-ref', '--format=%(refname) %(objectname) %(*objectname)', 'refs/')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [ref, sha, peeled] = line.split(' ') as [string, string, string | undefined];
      return { ref, sha: peeled || sha };
    });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'read-refs-'));
  gitdir = join(dir, 'repo.git');
  execFileSync('git', ['init', '-q', '--bare', gitdir]);
  git('mktree'); // writes the empty tree the commits name
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('readRefs', () => {
  it('reads loose refs and peels a loose annotated tag, as git lists them', async () => {
    const a = commit('a');
    const b = commit('b', a);
    git('update-ref', 'refs/heads/main', b);
    git('update-ref', 'refs/heads/prod', a);
    git('tag', '-a', '-m', 'Release v1', 'v1', a);
    git('tag', 'light', b);
    expect(git('cat-file', '-t', 'refs/tags/v1')).toBe('tag');

    const refs = await readRefs(gitdir);
    expect(refs).toEqual(refsByGit());
    expect(refs).toContainEqual({ ref: 'refs/tags/v1', sha: a });
    expect(refs).toContainEqual({ ref: 'refs/tags/light', sha: b });
  });

  it('reads packed refs, and a loose ref that moved since wins over its packed value', async () => {
    const a = commit('a');
    const b = commit('b', a);
    git('update-ref', 'refs/heads/main', a);
    git('update-ref', 'refs/heads/prod', a);
    git('tag', '-a', '-m', 'Release v1', 'v1', a);
    git('pack-refs', '--all', '--prune');
    git('update-ref', 'refs/heads/main', b); // now loose again, packed-refs still says a
    git('tag', '-a', '-m', 'Release v2', 'v2', b);

    const refs = await readRefs(gitdir);
    expect(refs).toEqual(refsByGit());
    expect(refs).toContainEqual({ ref: 'refs/heads/main', sha: b });
    expect(refs).toContainEqual({ ref: 'refs/heads/prod', sha: a });
    expect(refs).toContainEqual({ ref: 'refs/tags/v1', sha: a });
    expect(refs).toContainEqual({ ref: 'refs/tags/v2', sha: b });
  });

  it('peels tag objects that live in a pack, and a tag of a tag down to its commit', async () => {
    const a = commit('a');
    git('tag', '-a', '-m', 'Release v1', 'v1', a);
    git('tag', '-a', '-m', 'about v1', 'v1-note', 'v1');
    git('repack', '-a', '-d', '-q');
    git('prune-packed');
    git('update-ref', 'refs/tags/v1', git('rev-parse', 'refs/tags/v1')); // loose ref, packed object
    expect(git('cat-file', '-t', 'v1-note')).toBe('tag');

    const refs = await readRefs(gitdir);
    expect(refs).toContainEqual({ ref: 'refs/tags/v1', sha: a });
    expect(refs).toContainEqual({ ref: 'refs/tags/v1-note', sha: a });
    expect(await resolveRef(gitdir, 'v1-note')).toBe(a);
  });

  it('follows a symbolic ref under refs/ and ignores lock files', async () => {
    const a = commit('a');
    git('update-ref', 'refs/heads/main', a);
    git('symbolic-ref', 'refs/remotes/origin/HEAD', 'refs/heads/main');
    execFileSync('sh', ['-c', `echo ${commit('b', a)} > '${join(gitdir, 'refs', 'heads', 'half.lock')}'`]);

    const refs = await readRefs(gitdir);
    expect(refs).toEqual(refsByGit());
    expect(refs.map((r) => r.ref)).not.toContain('refs/heads/half.lock');
  });

  it('lists nothing for an empty repo', async () => {
    expect(await readRefs(gitdir)).toEqual([]);
  });
});

describe('resolveRef', () => {
  it('names what git rev-parse names: full refs, short names in git order, shas, annotated tags peeled', async () => {
    const a = commit('a');
    const b = commit('b', a);
    git('update-ref', 'refs/heads/main', b);
    git('update-ref', 'refs/heads/prod', a);
    git('tag', '-a', '-m', 'Release v1', 'v1', a);
    git('update-ref', 'refs/heads/v1', b); // a branch named like the tag: git takes the tag
    git('pack-refs', '--all');
    const tagObject = git('rev-parse', 'refs/tags/v1');

    for (const name of ['refs/heads/prod', 'main', 'prod', 'v1', 'refs/tags/v1', 'refs/heads/v1', a, b, tagObject, a.slice(0, 10), 'main~1'])
      expect(await resolveRef(gitdir, name), name).toBe(git('rev-parse', '--verify', '--quiet', `${name}^{commit}`));
    expect(await resolveRef(gitdir, 'v1')).toBe(a);
    expect(await resolveRef(gitdir, tagObject)).toBe(a);
  });

  it('says a repository that is gone is not one (a fault, not an empty list), as git does', async () => {
    const gone = join(tmpdir(), `slipway-no-repo-${process.pid}.git`);
    await expect(readRefs(gone)).rejects.toThrow(/not a git repository/);
    expect(await resolveRef(gone, 'refs/heads/main')).toBeNull();
  });

  it('answers null for what names no commit: a missing ref or object, a tree, a tag of a tree', async () => {
    git('tag', '-a', '-m', 'a tree', 'tree-tag', EMPTY_TREE);
    expect(await resolveRef(gitdir, 'nothing')).toBeNull();
    expect(await resolveRef(gitdir, 'refs/heads/nothing')).toBeNull();
    expect(await resolveRef(gitdir, 'f'.repeat(40))).toBeNull();
    expect(await resolveRef(gitdir, EMPTY_TREE)).toBeNull();
    expect(await resolveRef(gitdir, 'tree-tag')).toBeNull();
  });
});
