import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommitTar } from '../../../src/build/commit-tar.js';
import { gitOk } from '../../helpers/git-cli.js';
import { makeBareRepo, type TestRepo } from './make-bare-repo.js';

interface Entry {
  name: string;
  type: string;
  mode: number;
  linkname?: string | null;
  content: string;
}

function listEntries(stream: Readable): Promise<Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: Entry[] = [];
    const extract = tar.extract();
    extract.on('entry', (header, body, next) => {
      const chunks: Buffer[] = [];
      body.on('data', (b: unknown) => {
        chunks.push(b as Buffer);
      });
      body.on('end', () => {
        entries.push({
          name: header.name,
          type: header.type ?? 'file',
          mode: header.mode ?? 0,
          linkname: header.linkname,
          content: Buffer.concat(chunks).toString('utf8'),
        });
        next();
      });
    });
    extract.on('finish', () => resolve(entries));
    extract.on('error', reject);
    stream.on('error', reject);
    stream.pipe(extract);
  });
}

describe('createCommitTar', () => {
  let dir: string;
  let repo: TestRepo & { first: string };
  let second: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-commit-tar-'));
    repo = await makeBareRepo(dir, [
      { path: 'Dockerfile', content: 'FROM scratch\n' },
      { path: 'bin/start.sh', content: '#!/bin/sh\necho hi\n', executable: true },
      { path: 'site/index.html', content: '<h1>hello</h1>\n' },
      { path: 'current', symlinkTo: 'site/index.html' },
    ]);
    second = await repo.commit([{ path: 'site/index.html', content: '<h1>second</h1>\n' }], { remove: ['current'] });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("streams the commit's tree with modes and symlinks kept", async () => {
    const entries = await listEntries(await createCommitTar({ gitdir: repo.gitdir, commit: repo.first }));
    const byName = new Map(entries.map((e) => [e.name, e]));
    expect([...byName.keys()].sort()).toEqual(['Dockerfile', 'bin/', 'bin/start.sh', 'current', 'site/', 'site/index.html']);
    expect(byName.get('Dockerfile')).toMatchObject({ type: 'file', content: 'FROM scratch\n' });
    // git archive applies its tar.umask (002): 0755 → 0775, 0644 → 0664. What matters is the executable bit.
    expect(byName.get('bin/start.sh')!.mode & 0o111).toBe(0o111);
    expect(byName.get('Dockerfile')!.mode & 0o111).toBe(0);
    expect(byName.get('current')).toMatchObject({ type: 'symlink', linkname: 'site/index.html' });
  });

  it('streams exactly the asked commit, not the branch tip', async () => {
    const first = await listEntries(await createCommitTar({ gitdir: repo.gitdir, commit: repo.first }));
    const tip = await listEntries(await createCommitTar({ gitdir: repo.gitdir, commit: second }));
    expect(first.find((e) => e.name === 'site/index.html')?.content).toBe('<h1>hello</h1>\n');
    expect(tip.find((e) => e.name === 'site/index.html')?.content).toBe('<h1>second</h1>\n');
    expect(tip.map((e) => e.name)).not.toContain('current');
  });

  it('rejects an unknown commit instead of streaming an empty tar', async () => {
    const unknown = 'deadbeef'.repeat(5);
    await expect(createCommitTar({ gitdir: repo.gitdir, commit: unknown })).rejects.toMatchObject({
      code: 'GIT',
      message: expect.stringContaining(`commit ${unknown} is not in ${repo.gitdir}`),
    });
  });

  it('rejects a missing repo and anything that is not a full commit id', async () => {
    await expect(createCommitTar({ gitdir: join(dir, 'nope.git'), commit: repo.first })).rejects.toMatchObject({ code: 'GIT' });
    await expect(createCommitTar({ gitdir: repo.gitdir, commit: 'main' })).rejects.toThrow(/expected a full 40-hex commit id/);
    await expect(createCommitTar({ gitdir: repo.gitdir, commit: '--output=/tmp/x' })).rejects.toMatchObject({ code: 'GIT' });
  });

  it('fails the stream (never ends it cleanly) when git archive fails midway', async () => {
    // A commit whose blob is gone: the commit exists, so the check passes, and git archive fails while streaming.
    const broken = mkdtempSync(join(tmpdir(), 'slipway-commit-tar-broken-'));
    try {
      const r = await makeBareRepo(broken, [{ path: 'a.txt', content: 'will vanish\n' }]);
      const blob = (await gitOk(['rev-parse', `${r.first}:a.txt`], { cwd: r.work })).stdout.trim();
      rmSync(join(r.work, '.git', 'objects', blob.slice(0, 2), blob.slice(2)));
      const stream = await createCommitTar({ gitdir: join(r.work, '.git'), commit: r.first });
      await expect(listEntries(stream)).rejects.toMatchObject({
        code: 'GIT',
        message: expect.stringMatching(/git archive of [0-9a-f]{40} failed \(exit \d+\)/),
      });
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });

  it('is cancelled by its signal', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(createCommitTar({ gitdir: repo.gitdir, commit: repo.first, signal: controller.signal })).rejects.toThrow('stop');
  });
});
