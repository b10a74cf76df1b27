// Git is the truth: with the database lost, the repos alone give the apps back — template, description, custom
// domains, generations (from Claude's commit trailers) and which secrets to set again — and what runs is found
// and recorded, not redeployed. A real pipeline, store and git repos; the engine is the fake runtime.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readAppMetadata } from '../../../src/git/app-metadata.js';
import { repoPath } from '../../../src/git/repo-path.js';
import { createFakePipeline, type FakePipeline } from '../../helpers/fake-pipeline.js';
import { gitOk } from '../../helpers/git-cli.js';

let fp: FakePipeline | undefined;
afterEach(async () => {
  await fp?.dispose();
  fp = undefined;
});

/** A commit as Claude makes them (src/pipeline/generate.ts), on main. */
async function claudeCommit(f: FakePipeline, app: string, generation: string, request: string): Promise<string> {
  const dir = repoPath(f.dataDir, app);
  const head = (await gitOk(['rev-parse', 'refs/heads/main'], { cwd: dir })).stdout.trim();
  const tree = (await gitOk(['rev-parse', `${head}^{tree}`], { cwd: dir })).stdout.trim();
  const message = `Make the page about otters\n\n${request}\n\nGenerated-By: claude-test\nSlipway-Generation: ${generation}\nSlipway-Requested-By: ada\n`;
  const commit = (await gitOk(['commit-tree', tree, '-p', head, '-m', message], { cwd: dir })).stdout.trim();
  await gitOk(['update-ref', 'refs/heads/main', commit, head], { cwd: dir });
  return commit;
}

/** Stops the pipeline and loses its database (and WAL/SHM), keeping the repos and the (fake) engine. */
async function loseDatabase(f: FakePipeline): Promise<FakePipeline> {
  await f.close();
  for (const suffix of ['', '-wal', '-shm']) rmSync(join(f.dataDir, `slipway.db${suffix}`), { force: true });
  return f.reopen();
}

describe('rebuilding the database from the repos', () => {
  it('gives back each app with its template, description, domains, generations, and the names of its secrets', async () => {
    fp = await createFakePipeline();
    await fp.pipeline.createApp({ name: 'shop', template: 'static-site', description: 'Sells otters\nand more' });
    await fp.pass('shop');
    const generated = await claudeCommit(fp, 'shop', 'g_test1', 'Make the home page about otters');
    await fp.pass('shop');
    await fp.pipeline.secrets.set('shop', 'preview', 'API_KEY', 'secret-value');
    fp.pipeline.addDomain('shop', 'prod', 'shop.example.com');
    await fp.createApp('other', 'simple-api');
    const serving = fp.store.deployments.live('shop', 'preview')?.commit;
    expect(serving).toBe(generated);
    const deploysBefore = fp.runtime.callsOf('deploy').length;

    fp = await loseDatabase(fp);
    expect(fp.store.apps.list()).toEqual([]);
    const report = await fp.pipeline.repair();
    expect(report.restored.map((r) => r.app)).toEqual(['other', 'shop']);
    expect(fp.store.apps.get('shop')).toMatchObject({ template: 'static-site', description: 'Sells otters\nand more' });
    expect(fp.store.apps.get('other')?.template).toBe('simple-api');
    // The generation, from its commit's trailers.
    const [generation] = fp.store.generations.list('shop');
    expect(generation).toMatchObject({
      id: 'g_test1',
      kind: 'request',
      prompt: 'Make the home page about otters',
      requestedBy: 'ada',
      model: 'claude-test',
      summary: 'Make the page about otters',
      commit: generated,
      status: 'committed',
    });
    expect(fp.store.domains.get('shop.example.com')).toMatchObject({ app: 'shop', environment: 'prod' });
    // Secret values were only in the database: their names say what to set again.
    expect(report.restored.find((r) => r.app === 'shop')?.missingSecrets).toEqual(['preview/API_KEY']);
    expect(await fp.pipeline.secrets.missing('shop', 'preview')).toEqual(['API_KEY']);

    // What serves is found and recorded, not deployed again.
    await fp.pass('shop');
    expect(fp.store.deployments.live('shop', 'preview')?.commit).toBe(generated);
    expect(fp.runtime.callsOf('deploy').length).toBe(deploysBefore);

    // Set again, it is no longer missing; a lost one can also be dismissed.
    await fp.pipeline.secrets.set('shop', 'preview', 'API_KEY', 'new-value');
    expect(await fp.pipeline.secrets.missing('shop', 'preview')).toEqual([]);
    expect((await readAppMetadata(repoPath(fp.dataDir, 'shop'))).secrets).toEqual([{ environment: 'preview', name: 'API_KEY' }]);
    await fp.pipeline.secrets.remove('shop', 'preview', 'API_KEY');
    expect((await readAppMetadata(repoPath(fp.dataDir, 'shop'))).secrets).toEqual([]);
  });

  it('rebuilds a repo made before its metadata was kept (template from its first commit), and reports a row whose repo is gone', async () => {
    fp = await createFakePipeline();
    await fp.createApp('legacy', 'simple-api');
    await fp.createApp('gone', 'static-site');
    await gitOk(['config', '--file', join(repoPath(fp.dataDir, 'legacy'), 'config'), '--remove-section', 'slipway']);
    rmSync(repoPath(fp.dataDir, 'gone'), { recursive: true, force: true });

    // A start with the database there: the row wins, and writes its metadata back into the repo.
    const kept = await fp.pipeline.repair();
    expect(kept.restored).toEqual([]);
    expect(kept.withoutRepo).toEqual(['gone']);
    expect(fp.store.apps.get('gone')).toBeDefined();
    expect((await readAppMetadata(repoPath(fp.dataDir, 'legacy'))).template).toBe('simple-api');

    await gitOk(['config', '--file', join(repoPath(fp.dataDir, 'legacy'), 'config'), '--remove-section', 'slipway']);
    fp = await loseDatabase(fp);
    const rebuilt = await fp.pipeline.repair();
    expect(rebuilt.restored.map((r) => [r.app, r.template])).toEqual([['legacy', 'simple-api']]);

    // --prune: a row without a repo goes (here recreated by hand, as a database from elsewhere would have it).
    fp.store.apps.insert({ name: 'gone', template: 'static-site', description: '', createdAt: new Date().toISOString() });
    const pruned = await fp.pipeline.repair({ prune: true });
    expect(pruned.pruned).toEqual(['gone']);
    expect(fp.store.apps.get('gone')).toBeUndefined();
    expect(existsSync(repoPath(fp.dataDir, 'legacy'))).toBe(true);
  });

  it('leaves alone what is not an app repo', async () => {
    fp = await createFakePipeline();
    await fp.createApp('shop', 'simple-api');
    await gitOk(['init', '-q', '--bare', join(fp.dataDir, 'repos', 'Not_An_App.git')]);
    const report = await fp.pipeline.repair();
    expect(report.ignored.map((i) => i.name)).toEqual(['Not_An_App.git']);
    expect(fp.store.apps.list().map((a) => a.name)).toEqual(['shop']);
  });
});
