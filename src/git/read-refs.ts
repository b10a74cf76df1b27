// Reads refs of a bare repo in-process: the loose files under refs/, then packed-refs, annotated tags peeled. A git
// process costs 5–15 ms to spawn here, and a publish or a rollback reads refs several times before its deploy
// starts; what this reader does not handle itself (a reftable repo, a rev expression, a tag object inside a pack,
// objects still in quarantine) goes to the git CLI, which stays the reference.
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { constants, inflateSync } from 'node:zlib';
import { exec } from '../shared/exec.js';
import { quarantineEnv, type Quarantine } from './quarantine-env.js';

export interface RefEntry {
  ref: string;
  sha: string;
}

/** Every ref under refs/ with its commit (annotated tags peeled), sorted by name as `git for-each-ref` lists them. */
export async function readRefs(gitdir: string): Promise<RefEntry[]> {
  const raw = await readRawRefs(gitdir);
  if (!raw) return readRefsWithGit(gitdir);
  const names = [...raw.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return Promise.all(
    names.map(async (ref) => {
      const r = raw.get(ref)!;
      return { ref, sha: r.peeled ?? (r.maybeTag ? ((await peel(gitdir, r.oid))?.oid ?? r.oid) : r.oid) };
    }),
  );
}

/**
 * The commit a ref, a sha or a tag object names (annotated tags peeled); null when it names no commit. During
 * pre-receive, `quarantine` lets git read the pushed objects before any ref moves.
 */
export async function resolveRef(gitdir: string, ref: string, quarantine?: Quarantine): Promise<string | null> {
  if (!quarantine) {
    const known = await resolveInProcess(gitdir, ref);
    if (known !== undefined) return known;
  }
  const { stdout, code } = await exec('git', ['--git-dir', gitdir, 'rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], {
    okCodes: [0, 1, 128],
    ...(quarantine ? { env: quarantineEnv(gitdir, quarantine) } : {}),
  });
  return code === 0 ? stdout.trim() : null;
}

/** The git CLI's answer, for repos this reader does not read (reftable). */
async function readRefsWithGit(gitdir: string): Promise<RefEntry[]> {
  const { stdout } = await exec('git', ['--git-dir', gitdir, 'for-each-ref', '--format=%(refname) %(objectname) %(*objectname)', 'refs/']);
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [ref, sha, peeled] = line.split(' ') as [string, string, string | undefined];
      return { ref, sha: peeled || sha };
    });
}

const OID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

interface RawRef {
  oid: string;
  /** packed-refs' `^` line: the object an annotated tag peels to. */
  peeled?: string;
  /** False when packed-refs says (fully-peeled) that it is no tag: no object needs reading. */
  maybeTag: boolean;
}

/**
 * The refs as the files say, symbolic ones resolved; null for a reftable repo. Loose refs are read before
 * packed-refs, as git does: a `git pack-refs` running meanwhile moves a ref into packed-refs before it deletes the
 * loose file, so reading in this order cannot miss it.
 */
async function readRawRefs(gitdir: string): Promise<Map<string, RawRef> | null> {
  // A repo that is gone (moved, deleted under Slipway) is a fault, as git says, not an empty list of refs.
  if (!(await exists(join(gitdir, 'HEAD')))) throw new Error(`not a git repository: ${gitdir}`);
  if (await exists(join(gitdir, 'reftable'))) return null;
  const loose = new Map<string, string>();
  await readLooseRefs(gitdir, 'refs', loose);
  const refs = await readPackedRefs(gitdir);
  const symbolic = new Map<string, string>();
  for (const [ref, value] of loose) {
    if (OID.test(value)) refs.set(ref, { oid: value, maybeTag: true });
    else if (value.startsWith('ref: ')) symbolic.set(ref, value.slice(5).trim());
  }
  for (const [ref, target] of symbolic) {
    let to = target;
    for (let hops = 0; hops < 5 && symbolic.has(to); hops++) to = symbolic.get(to)!;
    const r = refs.get(to);
    if (r) refs.set(ref, r);
  }
  return refs;
}

async function readLooseRefs(gitdir: string, dir: string, out: Map<string, string>): Promise<void> {
  let entries;
  try {
    entries = await readdir(join(gitdir, dir), { withFileTypes: true });
  } catch (e) {
    if (isNotFound(e)) return;
    throw e;
  }
  await Promise.all(
    entries.map(async (e) => {
      const name = `${dir}/${e.name}`;
      if (e.isDirectory()) return readLooseRefs(gitdir, name, out);
      if (!e.isFile() || e.name.endsWith('.lock')) return;
      try {
        out.set(name, (await readFile(join(gitdir, name), 'utf8')).trim());
      } catch (err) {
        // Deleted since the listing (or packed meanwhile: packed-refs, read next, has it).
        if (!isNotFound(err)) throw err;
      }
    }),
  );
}

async function readPackedRefs(gitdir: string): Promise<Map<string, RawRef>> {
  const refs = new Map<string, RawRef>();
  let text: string;
  try {
    text = await readFile(join(gitdir, 'packed-refs'), 'utf8');
  } catch (e) {
    if (isNotFound(e)) return refs;
    throw e;
  }
  const lines = text.split('\n');
  // `fully-peeled`: every annotated tag has its `^` line, so a ref without one is not a tag.
  const fullyPeeled = lines[0]?.startsWith('# pack-refs with:') === true && / fully-peeled( |$)/.test(lines[0]);
  let last: RawRef | undefined;
  for (const line of lines) {
    if (line.startsWith('^')) {
      if (last && OID.test(line.slice(1))) last.peeled = line.slice(1);
      continue;
    }
    const space = line.indexOf(' ');
    const oid = line.slice(0, space);
    last = undefined;
    if (space < 0 || !OID.test(oid)) continue;
    last = { oid, maybeTag: !fullyPeeled };
    refs.set(line.slice(space + 1), last);
  }
  return refs;
}

/** `name` as git would take it (refs first, in git's order) when that is answered in-process; undefined: ask git. */
async function resolveInProcess(gitdir: string, name: string): Promise<string | null | undefined> {
  let oid: string | undefined = OID.test(name) ? name : undefined;
  if (!oid) {
    const candidates = refCandidates(name);
    if (!candidates) return undefined;
    // No repository there: git's own answer (rev-parse finds nothing) stands.
    const raw = await readRawRefs(gitdir).catch(() => null);
    if (!raw) return undefined;
    oid = candidates.map((c) => raw.get(c)?.oid).find((x) => x !== undefined);
    // No ref of that name: a short sha, perhaps; git knows.
    if (!oid) return undefined;
  }
  const p = await peel(gitdir, oid);
  if (!p) return undefined;
  return p.type === 'commit' ? p.oid : null;
}

/** git's rules for a short ref name (`v3`: refs/v3, refs/tags/v3, refs/heads/v3, …); null for anything else. */
function refCandidates(name: string): string[] | null {
  if (!/^[A-Za-z0-9._/-]+$/.test(name) || name.includes('..') || name.includes('//') || name.startsWith('/') || name.endsWith('/')) return null;
  if (name.endsWith('.lock') || name.split('/').some((part) => part.startsWith('.'))) return null;
  if (name.startsWith('refs/')) return [name];
  // HEAD, FETCH_HEAD and other top-level names live outside refs/.
  if (/^[A-Z_]+$/.test(name)) return null;
  return [`refs/${name}`, `refs/tags/${name}`, `refs/heads/${name}`, `refs/remotes/${name}`, `refs/remotes/${name}/HEAD`];
}

interface Peeled {
  oid: string;
  type: string;
}

// What an object peels to never changes (its name is its content): remembered, so a tag is read once.
const peeledCache = new Map<string, Peeled>();
const MAX_PEELED = 20_000;

/** The object `oid` peels to (itself when it is no annotated tag) and its type; null when the repo lacks it. */
async function peel(gitdir: string, oid: string): Promise<Peeled | null> {
  const known = peeledCache.get(oid);
  if (known) return known;
  let result: Peeled | null;
  const loose = await readLooseObjectStart(gitdir, oid);
  if (loose?.type === 'tag') {
    const target = /^object ([0-9a-f]{40,64})$/m.exec(loose.body)?.[1];
    result = target && target !== oid ? await peel(gitdir, target) : null;
  } else if (loose) result = { oid, type: loose.type };
  else result = await peelWithGit(gitdir, oid);
  if (result) {
    if (peeledCache.size >= MAX_PEELED) peeledCache.delete(peeledCache.keys().next().value!);
    peeledCache.set(oid, result);
  }
  return result;
}

/** The type and the first bytes of a loose object (enough for a tag's `object` line); null when it is not loose. */
async function readLooseObjectStart(gitdir: string, oid: string): Promise<{ type: string; body: string } | null> {
  let file;
  try {
    file = await open(join(gitdir, 'objects', oid.slice(0, 2), oid.slice(2)), 'r');
  } catch (e) {
    if (isNotFound(e)) return null;
    throw e;
  }
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await file.read(buf, 0, buf.length, 0);
    // A prefix of the zlib stream inflates as far as it goes (SYNC_FLUSH): the header and a tag's first lines.
    const text = inflateSync(buf.subarray(0, bytesRead), { finishFlush: constants.Z_SYNC_FLUSH }).toString('latin1');
    const nul = text.indexOf('\0');
    const type = text.slice(0, text.indexOf(' '));
    if (nul < 0 || !['commit', 'tag', 'tree', 'blob'].includes(type)) return null;
    return { type, body: text.slice(nul + 1) };
  } catch {
    // Not an object git wrote as we expect: git itself is asked.
    return null;
  } finally {
    await file.close();
  }
}

/** Objects in a pack (or an alternate): one `git cat-file`, remembered by the caller. */
async function peelWithGit(gitdir: string, oid: string): Promise<Peeled | null> {
  const { stdout } = await exec('git', ['--git-dir', gitdir, 'cat-file', '--batch-check=%(objectname) %(objecttype)'], { input: `${oid}^{}\n` });
  const [peeled, type] = stdout.trim().split(' ');
  return peeled && type && OID.test(peeled) ? { oid: peeled, type } : null;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function isNotFound(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
