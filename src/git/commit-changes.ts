// Writes a set of file changes as one commit on a branch of a bare repo, with no working copy, and moves the
// branch with a compare-and-swap update. When the branch moved since the changes were made (a concurrent
// push), the changes are put on the new head if they touch none of the files that moved; otherwise nothing is
// committed and the error names the files.
import fs from 'node:fs';
import git, { type TreeEntry } from 'isomorphic-git';
import { ConflictError } from '../shared/errors.js';
import { exec } from '../shared/exec.js';
import { resolveRef } from './read-refs.js';
import { updateRefCas } from './update-ref.js';

export interface FileChange {
  path: string;
  /** null deletes the file. */
  content: Buffer | null;
}

export interface CommitChangesInput {
  gitdir: string;
  ref: string;
  /** The commit the changes were made against. */
  base: string;
  changes: readonly FileChange[];
  message: string;
  author: { name: string; email: string };
}

export interface CommitChangesResult {
  commit: string;
  /** The head the changes were put on when the branch had moved since `base`; null when it had not. */
  rebasedOnto: string | null;
}

export async function commitChanges(input: CommitChangesInput): Promise<CommitChangesResult> {
  const { gitdir, ref, base } = input;
  const paths = new Set(input.changes.map((c) => c.path));
  for (let attempt = 0; attempt < 5; attempt++) {
    const head = await resolveRef(gitdir, ref);
    if (!head) throw new ConflictError(`${ref} does not exist`);
    if (head !== base) {
      const moved = await changedPaths(gitdir, base, head);
      const overlap = moved.filter((p) => paths.has(p) || [...paths].some((q) => q.startsWith(`${p}/`) || p.startsWith(`${q}/`)));
      if (overlap.length > 0) {
        throw new ConflictError(
          `main moved while this change was being made, and the new commits changed the same files (${overlap.slice(0, 5).join(', ')}); nothing was committed`,
        );
      }
    }
    const { commit: parent } = await git.readCommit({ fs, gitdir, oid: head });
    const tree =
      (await applyToTree(
        gitdir,
        parent.tree,
        input.changes.map((c) => ({ parts: c.path.split('/'), content: c.content })),
      )) ?? (await git.writeTree({ fs, gitdir, tree: [] }));
    const who = { ...input.author, timestamp: Math.floor(Date.now() / 1000), timezoneOffset: 0 };
    const commit = await git.writeCommit({ fs, gitdir, commit: { message: input.message, tree, parent: [head], author: who, committer: who } });
    try {
      await updateRefCas(gitdir, ref, commit, head, `slipway: ${input.message.split('\n')[0]}`);
      return { commit, rebasedOnto: head === base ? null : head };
    } catch (e) {
      if (!(e instanceof ConflictError)) throw e;
      // Someone pushed between our read and our update: look again.
    }
  }
  throw new ConflictError(`${ref} kept moving; nothing was committed, try again`);
}

async function changedPaths(gitdir: string, from: string, to: string): Promise<string[]> {
  const { stdout } = await exec('git', ['--git-dir', gitdir, 'diff', '--name-only', '-z', '--no-renames', from, to]);
  return stdout.split('\0').filter(Boolean);
}

interface Change {
  parts: string[];
  content: Buffer | null;
}

/** Returns the new tree's oid, or null when it ends up empty. */
async function applyToTree(gitdir: string, treeOid: string | null, changes: Change[]): Promise<string | null> {
  const entries = new Map<string, TreeEntry>();
  if (treeOid) for (const e of (await git.readTree({ fs, gitdir, oid: treeOid })).tree) entries.set(e.path, e);
  const byName = new Map<string, Change[]>();
  for (const c of changes) {
    const [head, ...rest] = c.parts;
    if (!head) continue;
    const list = byName.get(head) ?? [];
    list.push({ parts: rest, content: c.content });
    byName.set(head, list);
  }
  for (const [name, group] of byName) {
    const here = group.find((c) => c.parts.length === 0);
    const below = group.filter((c) => c.parts.length > 0);
    const existing = entries.get(name);
    if (here) {
      if (here.content === null) entries.delete(name);
      else {
        const oid = await git.writeBlob({ fs, gitdir, blob: here.content });
        const mode = existing?.type === 'blob' && existing.mode === '100755' ? '100755' : '100644';
        entries.set(name, { mode, path: name, oid, type: 'blob' });
      }
    }
    if (below.length > 0) {
      const current = entries.get(name);
      const sub = await applyToTree(gitdir, current?.type === 'tree' ? current.oid : null, below);
      if (sub === null) entries.delete(name);
      else entries.set(name, { mode: '040000', path: name, oid: sub, type: 'tree' });
    }
  }
  if (entries.size === 0) return null;
  return git.writeTree({ fs, gitdir, tree: [...entries.values()] });
}
