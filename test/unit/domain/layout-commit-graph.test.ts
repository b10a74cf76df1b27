// The commit graph's lanes: a straight line, a merge, an octopus, branch tips, main kept in lane 0, and pages
// whose edges run off the top and bottom exactly where the neighbouring page continues them.
import { describe, expect, it } from 'vitest';
import { layoutCommitGraph, type GraphCommit, type GraphLayout } from '../../../src/domain/layout-commit-graph.js';

/** `c('M', 'B', 'F')`: commit M with parents B (first) and F. */
const c = (sha: string, ...parents: string[]): GraphCommit => ({ sha, parents });

const lanesOf = (g: GraphLayout) => Object.fromEntries(g.rows.map((r) => [r.sha, r.lane]));
/** Edges as `child>parent@via` (`^` off the top, `v` off the bottom), sorted. */
const edgesOf = (g: GraphLayout) =>
  g.edges.map((e) => `${e.from.row < 0 ? '^' : e.childSha}>${e.to.row >= g.rows.length ? 'v' : e.parentSha}@${e.via}${e.kind === 'merge' ? 'm' : ''}`).sort();

describe('layoutCommitGraph', () => {
  it('puts a straight history in one lane', () => {
    const g = layoutCommitGraph([c('C', 'B'), c('B', 'A'), c('A')]);
    expect(lanesOf(g)).toEqual({ C: 0, B: 0, A: 0 });
    expect(edgesOf(g)).toEqual(['B>A@0', 'C>B@0']);
    expect(g.lanes).toBe(1);
    expect(g.edges.map((e) => [e.from.row, e.to.row])).toEqual([
      [0, 1],
      [1, 2],
    ]);
  });

  it('draws a merged branch beside the line it joins, and joins both lines at the fork', () => {
    // main: A - B - M (merge of F); feature: A - F
    const g = layoutCommitGraph([c('M', 'B', 'F'), c('B', 'A'), c('F', 'A'), c('A')]);
    expect(lanesOf(g)).toEqual({ M: 0, B: 0, F: 1, A: 0 });
    expect(edgesOf(g)).toEqual(['B>A@0', 'F>A@1', 'M>B@0', 'M>F@1m']);
    const forkEdge = g.edges.find((e) => e.childSha === 'F')!;
    // F's line runs down lane 1 and bends into A's lane 0.
    expect(forkEdge).toMatchObject({ from: { row: 2, lane: 1 }, to: { row: 3, lane: 0 }, via: 1 });
    expect(g.rows.find((r) => r.sha === 'M')!.merge).toBe(true);
    expect(g.lanes).toBe(2);
  });

  it('gives every parent of an octopus merge its own lane', () => {
    const g = layoutCommitGraph([c('O', 'A', 'B', 'C'), c('A', 'R'), c('B', 'R'), c('C', 'R'), c('R')]);
    expect(lanesOf(g)).toEqual({ O: 0, A: 0, B: 1, C: 2, R: 0 });
    expect(edgesOf(g)).toEqual(['A>R@0', 'B>R@1', 'C>R@2', 'O>A@0', 'O>B@1m', 'O>C@2m']);
    expect(g.lanes).toBe(3);
  });

  it('gives each branch tip a lane, reuses a lane once its branch has joined, and keeps main in lane 0', () => {
    // feature-x (X2 - X1) and prod (P) branch off main; feature-x is the newest, so it comes first.
    const commits = [c('X2', 'X1'), c('M2', 'M1'), c('X1', 'M1'), c('M1', 'M0'), c('P', 'M0'), c('M0')];
    const plain = layoutCommitGraph(commits);
    expect(lanesOf(plain)).toMatchObject({ X2: 0, M2: 1 });
    const g = layoutCommitGraph(commits, { reserve: ['M2'] });
    expect(lanesOf(g)).toEqual({ X2: 1, M2: 0, X1: 1, M1: 0, P: 1, M0: 0 });
    // P took lane 1 again after feature-x met main at M1.
    expect(edgesOf(g)).toEqual(['M1>M0@0', 'M2>M1@0', 'P>M0@1', 'X1>M1@1', 'X2>X1@1']);
    expect(g.lanes).toBe(2);
  });

  it('joins a merged parent to the lane that already waits for it', () => {
    // Two merges of the same branch tip F: the second one's edge joins the first one's lane.
    const g = layoutCommitGraph([c('M2', 'M1', 'F'), c('M1', 'A', 'F'), c('F', 'A'), c('A')]);
    expect(lanesOf(g)).toEqual({ M2: 0, M1: 0, F: 1, A: 0 });
    expect(edgesOf(g)).toEqual(['F>A@1', 'M1>A@0', 'M1>F@1m', 'M2>F@1m', 'M2>M1@0']);
  });

  it('runs edges to parents past the end of the list off the bottom of the page', () => {
    const g = layoutCommitGraph([c('M', 'B', 'F'), c('B', 'A')]);
    expect(edgesOf(g)).toEqual(['B>v@0', 'M>B@0', 'M>v@1m']);
    const off = g.edges.filter((e) => e.to.row === g.rows.length);
    expect(off.map((e) => e.to.lane).sort()).toEqual([0, 1]);
  });

  it('continues a later page with the lanes of the earlier one, entering from the top', () => {
    const all = [c('M', 'B', 'F'), c('B', 'A'), c('F', 'E'), c('E', 'A'), c('A', 'R'), c('R')];
    const full = layoutCommitGraph(all);
    // Page 1: two rows; page 2: the next two, laid out after page 1's rows; page 3: the rest.
    const page1 = layoutCommitGraph(all.slice(0, 2));
    const page2 = layoutCommitGraph(all.slice(0, 4), { from: 2 });
    const page3 = layoutCommitGraph(all, { from: 4 });
    expect([page1, page2, page3].map((p) => p.rows)).toEqual([full.rows.slice(0, 2), full.rows.slice(2, 4), full.rows.slice(4)]);
    // What leaves page 1 at the bottom enters page 2 at the top, in the same lanes.
    const leaving = page1.edges.filter((e) => e.to.row === page1.rows.length).map((e) => e.via);
    const entering = page2.edges.filter((e) => e.from.row === -1).map((e) => e.via);
    expect(leaving.sort()).toEqual([0, 1]);
    expect(entering.sort()).toEqual([0, 1]);
    expect(edgesOf(page2)).toEqual(['E>v@1', 'F>E@1', '^>F@1m', '^>v@0']);
    // B's edge to A crosses the whole of page 2 in lane 0 and enters page 3, where A is.
    expect(page2.edges.find((e) => e.via === 0)).toMatchObject({ from: { row: -1, lane: 0 }, to: { row: 2, lane: 0 } });
    expect(edgesOf(page3)).toEqual(['A>R@0', '^>A@0', '^>A@1']);
  });

  it('lays out an empty list', () => {
    expect(layoutCommitGraph([])).toEqual({ rows: [], edges: [], lanes: 0 });
  });
});
