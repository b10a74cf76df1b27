// scratch experiment (deleted afterwards): the hook variants A/B/C on the same server, interleaved
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gitOk } from '../helpers/git-cli.js';
import { startTestServer } from '../helpers/test-server.js';
import { tracePipeline } from './trace-pipeline.js';
import { waitForContent } from './wait-for-content.js';
import { median } from './format-table.js';
const server = await startTestServer({ SLIPWAY_BUILD_ARGS: 'PYTHON_IMAGE=slipway-base/python:3.11,NGINX_IMAGE=slipway-base/nginx:1' });
const name = 'exp-ab-' + process.pid.toString(36);
const trace = tracePipeline(server.pipeline, () => name);
try {
  await server.api('POST', '/api/apps', { name, template: 'static-site' });
  const dir = mkdtempSync(join(tmpdir(), 'exp-'));
  await gitOk(['clone', '-q', server.gitUrl(name), dir]);
  for (;;) { const e = (await server.api('GET', `/api/apps/${name}/environments`)).body.environments[0]; if (e?.status === 'live') break; await new Promise(r => setTimeout(r, 200)); }
  const gitdir = join(server.dataDir, 'repos', `${name}.git`);
  const variants: Record<string, string> = { A: '/tmp/exp/hooks-A', B: '/tmp/exp/hooks-B', C: '/work/main/hooks' };
  const res: Record<string, { post: number[]; seen: number[] }> = {};
  for (let round = 0; round < Number(process.env.ROUNDS ?? 7) + 1; round++) for (const [v, hooks] of Object.entries(variants)) {
    await gitOk(['--git-dir', gitdir, 'config', 'core.hooksPath', hooks]);
    const marker = `ab ${v} ${round} ${Date.now()}`;
    const f = join(dir, 'public', 'index.html');
    writeFileSync(f, readFileSync(f, 'utf8').replace(/<h1>.*<\/h1>/, `<h1>${marker}</h1>`));
    await gitOk(['commit', '-qam', marker], { cwd: dir });
    const rec = trace.begin();
    rec.mark('start');
    const p = gitOk(['push', 'origin', 'main'], { cwd: dir });
    await waitForContent({ port: server.port, host: `${name}-preview.localhost`, marker });
    rec.mark('seen');
    await p;
    const s = rec.first(/^start$/)!;
    if (round > 0) { // round 0 warms up
      (res[v] ??= { post: [], seen: [] }).post.push(rec.first(/^hook post-receive arrived/)! - s);
      res[v].seen.push(rec.first(/^seen$/)! - s);
    }
    await new Promise(r => setTimeout(r, 3500));
  }
  for (const [v, r] of Object.entries(res)) console.log(v, 'start→post-receive at server: median', Math.round(median(r.post)), 'ms', r.post.map(Math.round).join(','), '| push-to-live median', Math.round(median(r.seen)), r.seen.map(Math.round).join(','));
} finally {
  await server.stop();
}
