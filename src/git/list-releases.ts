// Release tags of a repo with the commits they point at, newest release first.
import { compareReleases, isReleaseName } from '../domain/release-name.js';
import { readRefs } from './read-refs.js';

export interface Release {
  tag: string;
  commit: string;
}

export async function listReleases(gitdir: string): Promise<Release[]> {
  return (await readRefs(gitdir))
    .filter((r) => r.ref.startsWith('refs/tags/') && isReleaseName(r.ref.slice('refs/tags/'.length)))
    .map((r) => ({ tag: r.ref.slice('refs/tags/'.length), commit: r.sha }))
    .sort((a, b) => compareReleases(b.tag, a.tag));
}
