// The history page as a picture, for a real repo changed with the real git CLI in a temporary clone
// (test/helpers/history-repo.ts: a merged feature branch, a release, a failed deploy, a branch preview). The
// page's SVG has the lanes, the merge's edges, the labels and the timeline's rows; commit messages stay text;
// pages continue their lanes. The web app runs in-process over the fake pipeline (real store, real repos; only
// the engine and the builds are stand-ins).
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPH_METRICS } from '../../../src/web/view-models/commit-graph-view.js';
import { createFakePipeline, type FakePipeline } from '../../helpers/fake-pipeline.js';
import { serveWebApp, stopWebApp } from '../../helpers/serve-web-app.js';
import { createHistoryRepo, type HistoryRepo } from '../../helpers/history-repo.js';
import { signInCookie } from '../../helpers/sign-in.js';

const TOKEN = 'history-graph-test-admin-token-0123456789';
const HOSTILE = 'Fix <script>alert("x")</script> & <b>bold</b> "quotes"';

let fp: FakePipeline;
let server: Server;
let base: string;
let cookie: string;
let repo: HistoryRepo;
let sha: HistoryRepo['sha'];

async function page(path: string): Promise<string> {
  const res = await fetch(`${base}${path}`, { headers: { cookie }, redirect: 'manual' });
  const html = await res.text();
  expect(res.status, html.slice(0, 1000)).toBe(200);
  return html;
}
/** The commit graph's SVG, and its parts by what they are about. */
function graphOf(html: string) {
  const svg = html.match(/<svg class="commit-graph"[\s\S]*?<\/svg>/)?.[0] ?? '';
  const attr = (tag: string, name: string) => tag.match(new RegExp(`${name}="([^"]*)"`))?.[1] ?? '';
  const nodes = [...svg.matchAll(/<circle class="graph-node[^>]*>/g)].map((m) => ({
    sha: attr(m[0], 'data-commit'),
    cx: Number(attr(m[0], 'cx')),
    merge: m[0].includes('node-merge'),
  }));
  const edges = [...svg.matchAll(/<path class="graph-edge[^>]*>/g)].map((m) => ({
    from: attr(m[0], 'data-from'),
    to: attr(m[0], 'data-to'),
    off: attr(m[0], 'data-off'),
    merge: m[0].includes('edge-merge'),
  }));
  const rows = [...svg.matchAll(/<g class="graph-row" data-commit="([0-9a-f]{40})">([\s\S]*?)<\/g>\s*(?=<g class="graph-row"|<\/g>)/g)].map((m) => ({
    sha: m[1]!,
    markers: [...m[2]!.matchAll(/data-marker="([^"]*)"/g)].map((x) => x[1]!),
    subject: m[2]!.match(/<text class="graph-subject"[^>]*>(?:<title>[^<]*<\/title>)?([^<]*)<\/text>/)?.[1] ?? '',
  }));
  const laneOf = (s: string) => {
    const n = nodes.find((x) => x.sha === s);
    return n ? Math.round((n.cx - GRAPH_METRICS.pad - GRAPH_METRICS.lane / 2) / GRAPH_METRICS.lane) : -1;
  };
  return { svg, nodes, edges, rows, laneOf, lanes: Number(svg.match(/data-lanes="(\d+)"/)?.[1]) };
}

beforeAll(async () => {
  fp = await createFakePipeline({ env: { SLIPWAY_ADMIN_TOKEN: TOKEN } });
  ({ server, base } = await serveWebApp(fp));
  cookie = await signInCookie(base, new URL(fp.config.publicUrl).origin, TOKEN);
  repo = await createHistoryRepo(fp, 'graphs', { featureMessage: HOSTILE });
  sha = repo.sha;
});

afterAll(async () => {
  await stopWebApp(server, fp);
  repo?.dispose();
});

describe('the history page as a picture', () => {
  it('draws main in lane 0 and the merged branch in a lane of its own, joined at the merge and at the fork', async () => {
    const html = await page('/apps/graphs/history');
    const g = graphOf(html);
    expect(g.svg).toMatch(/^<svg class="commit-graph" role="img" aria-labelledby="commit-graph-title commit-graph-desc"/);
    expect(g.svg).toContain('<title id="commit-graph-title">Commit graph of graphs</title>');
    // Newest first in topological order: every commit above its parents (git picks which of c2 and the feature
    // commit comes first).
    const order = g.nodes.map((n) => n.sha);
    expect([...order].sort()).toEqual([sha.broken, sha.merge, sha.c2, sha.feature, sha.c1, sha.first].sort());
    expect(order.slice(0, 2)).toEqual([sha.broken, sha.merge]);
    expect(order.slice(4)).toEqual([sha.c1, sha.first]);
    expect(g.lanes).toBe(2);
    for (const s of [sha.broken, sha.merge, sha.c2, sha.c1, sha.first]) expect(g.laneOf(s!), s).toBe(0);
    expect(g.laneOf(sha.feature)).toBe(1);
    expect(g.nodes.find((n) => n.sha === sha.merge)!.merge).toBe(true);
    // The merge has two edges: its first parent on main, and the merged branch (drawn as a merge edge).
    const fromMerge = g.edges.filter((e) => e.from === sha.merge);
    expect(fromMerge).toHaveLength(2);
    expect(fromMerge).toContainEqual({ from: sha.merge, to: sha.c2, off: '', merge: false });
    expect(fromMerge).toContainEqual({ from: sha.merge, to: sha.feature, off: '', merge: true });
    // Both lines meet again where the branch started.
    expect(
      g.edges
        .filter((e) => e.to === sha.c1)
        .map((e) => e.from)
        .sort(),
    ).toEqual([sha.c2, sha.feature].sort());
    expect(g.edges.every((e) => e.off === '')).toBe(true);
  });

  it('labels branch tips, the release tag and what each environment runs now, whatever its name', async () => {
    const g = graphOf(await page('/apps/graphs/history'));
    const markers = Object.fromEntries(g.rows.map((r) => [r.sha, r.markers]));
    expect(markers[sha.broken]).toEqual(['branch:main']);
    // The failed deploy left preview on the merge.
    expect(markers[sha.merge]).toEqual(['runs:preview']);
    expect(markers[sha.feature]).toEqual(['branch:feature-x', 'runs:preview--feature-x']);
    expect(markers[sha.c1]).toEqual(['branch:prod', 'tag:v1', 'runs:production']);
    expect(g.svg).toContain('Tags: v1 at ');
  });

  it('keeps commit messages as text in the SVG and in the list', async () => {
    const html = await page('/apps/graphs/history');
    const g = graphOf(html);
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<b>bold</b>');
    const row = g.rows.find((r) => r.sha === sha.feature)!;
    expect(row.subject).toBe('Fix &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt; &quot;quotes&quot;');
    // The list for screen readers is still on the page, one row per commit, in the graph's order.
    const listed = [...html.matchAll(/<li class="history-row" data-commit="([0-9a-f]{40})"/g)].map((m) => m[1]);
    expect(listed).toEqual(g.nodes.map((n) => n.sha));
    expect(html).toContain('href="#commit-list"');
  });

  it('draws a timeline row per environment with live segments and the failed attempt', async () => {
    const html = await page('/apps/graphs/history');
    const svg = html.match(/<svg class="environment-timeline"[\s\S]*?<\/svg>/)?.[0] ?? '';
    expect(svg).toMatch(/role="img" aria-labelledby="timeline-title timeline-desc"/);
    const rows = [...svg.matchAll(/<g class="timeline-row" data-environment="([^"]*)">([\s\S]*?)(?=<g class="timeline-row"|<g class="timeline-axis")/g)];
    expect(rows.map((r) => r[1])).toEqual(['preview', 'prod', 'preview--feature-x']);
    const [preview, prod, branch] = rows.map((r) => r[2]!);
    // preview: first → c1 → merge (live); the broken commit's attempt is a cross.
    expect([...preview!.matchAll(/class="timeline-segment[^"]*" data-commit="([0-9a-f]+)"/g)].map((m) => m[1])).toEqual([sha.first, sha.c1, sha.merge]);
    expect(preview).toMatch(new RegExp(`class="timeline-segment shade-\\d segment-live" data-commit="${sha.merge}"`));
    expect(preview).toMatch(new RegExp(`class="timeline-attempt attempt-failed" data-commit="${sha.broken}"`));
    expect(prod).toMatch(new RegExp(`segment-live" data-commit="${sha.c1}"`));
    expect(branch).toMatch(new RegExp(`segment-live" data-commit="${sha.feature}"`));
    // The same facts in words.
    expect(html).toContain(`preview runs ${sha.merge.slice(0, 7)} since `);
    expect(html).toContain(`production runs v1 since `);
    expect(html).toContain(`preview: failed attempt of ${sha.broken.slice(0, 7)} at `);
  });

  it('pages a long history, with the lanes running off the bottom of one page and into the top of the next', async () => {
    // 60 more commits on a side branch that forks from main's first commit: the branch's line spans both pages.
    await repo.git(['checkout', '--quiet', '-b', 'long', sha.first]);
    for (let i = 0; i < 60; i++) await repo.git(['commit', '--allow-empty', '-m', `long ${i}`]);
    await repo.pushQuietly(['long']);
    const one = graphOf(await page('/apps/graphs/history'));
    const two = graphOf(await page('/apps/graphs/history?page=2'));
    expect(one.nodes).toHaveLength(50);
    expect(two.nodes).toHaveLength(16);
    const leaving = one.edges.filter((e) => e.off === 'bottom');
    const entering = two.edges.filter((e) => e.off === 'top');
    expect(leaving.length).toBeGreaterThan(0);
    expect(entering.length).toBe(leaving.length);
    // Each line leaves page 1 and enters page 2 in the same lane: the parents it leads to are on page 2.
    for (const e of entering) expect(two.nodes.some((n) => n.sha === e.to)).toBe(true);
    expect(one.svg).toContain('Lines at the bottom continue on the next page.');
    expect(one.svg).toContain('page 1 of 2');
  });
});
