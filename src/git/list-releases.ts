// Release tags of a repo with the commits they point at, newest release first.
import { compareReleases, isReleaseName } from '../domain/release-name.js';
import { readRefs, type RefEntry } from './read-refs.js';

export interface Release {
  tag: string;
  commit: string;
}

export async function listReleases(gitdir: string): Promise<Release[]> {
  return releasesOf(await readRefs(gitdir));
}

/** The releases among refs already read (one `git for-each-ref` can answer several questions). */
export function releasesOf(refs: readonly RefEntry[]): Release[] {
  return refs
    .filter((r) => r.ref.startsWith('refs/tags/') && isReleaseName(r.ref.slice('refs/tags/'.length)))
    .map((r) => ({ tag: r.ref.slice('refs/tags/'.length), commit: r.sha }))
    .sort((a, b) => compareReleases(b.tag, a.tag));
}
