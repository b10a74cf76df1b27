// The commit graph's shape, with no drawing: each commit gets a row (its place in the topological order) and a
// lane (a column), and each parent link an edge that travels down one lane. This is the lane assignment of
// `git log --graph` and gitgraph (a straight-branch layout): a commit goes in the lane of its first child that
// continues it (the lowest lane waiting for it), its first parent continues in its own lane, and a merge's other
// parents get a lane of their own (or join the lane already waiting for that parent), so that a branch stays a
// straight line until it meets another one.

/** A commit as the layout needs it: parents first-parent first, as git prints them. */
export interface GraphCommit {
  sha: string;
  parents: readonly string[];
}

/** Where an edge ends: a row of the laid-out page and a lane. Rows -1 and `rows.length` are off the page. */
export interface GraphPoint {
  row: number;
  lane: number;
}

export interface GraphEdge {
  /** The child (row -1: a commit on an earlier page). */
  from: GraphPoint;
  /** The parent (row `rows.length`: a commit on a later page). */
  to: GraphPoint;
  /** The lane the edge runs down between the two rows. */
  via: number;
  /** `first`: the first-parent line; `merge`: a merged-in parent. */
  kind: 'first' | 'merge';
  childSha: string | null;
  parentSha: string;
}

export interface GraphRow {
  sha: string;
  lane: number;
  /** A merge commit (two or more parents). */
  merge: boolean;
}

export interface GraphLayout {
  rows: GraphRow[];
  edges: GraphEdge[];
  /** How many lanes the page uses (its width in lanes). */
  lanes: number;
}

export interface LayoutOptions {
  /**
   * Rows before this index are laid out (so lanes continue across pages exactly as on the earlier page) but not
   * returned; their edges into the page start off the top. Default 0.
   */
  from?: number;
  /** Commits that get the first lanes, in this order, whatever comes first in the list (main in lane 0). */
  reserve?: readonly string[];
}

/** An edge waiting in a lane for the parent it leads to. */
interface Waiting {
  parentSha: string;
  /** null: a reserved lane, nothing to draw. */
  child: { sha: string; row: number; lane: number } | null;
  kind: 'first' | 'merge';
}

/**
 * Lays out `commits`, which must be in an order where every child comes before its parents (`git log
 * --topo-order`). Parents not in the list run off the bottom of the page; commits whose children came before
 * `from` are entered from the top.
 */
export function layoutCommitGraph(commits: readonly GraphCommit[], options: LayoutOptions = {}): GraphLayout {
  const from = Math.max(0, Math.min(options.from ?? 0, commits.length));
  const end = commits.length;
  /** lanes[i]: the edges waiting in lane i (several when another child's edge joined it); empty = free. */
  const lanes: Waiting[][] = [];
  const reserved = new Set<string>();
  for (const sha of options.reserve ?? []) {
    if (reserved.has(sha)) continue;
    reserved.add(sha);
    lanes.push([{ parentSha: sha, child: null, kind: 'first' }]);
  }
  const rows: GraphRow[] = [];
  const edges: GraphEdge[] = [];
  let width = 0;

  const freeLane = () => {
    const i = lanes.findIndex((w) => w.length === 0);
    if (i >= 0) return i;
    lanes.push([]);
    return lanes.length - 1;
  };
  const laneWaitingFor = (sha: string) => lanes.findIndex((w) => w.some((x) => x.parentSha === sha));

  for (let index = 0; index < end; index++) {
    const commit = commits[index]!;
    const row = index - from;
    const shown = index >= from;
    // The commit's lane: the lowest lane waiting for it, else the lowest free one (a branch tip).
    const waitingLanes = lanes.map((w, i) => (w.some((x) => x.parentSha === commit.sha) ? i : -1)).filter((i) => i >= 0);
    const lane = waitingLanes[0] ?? freeLane();
    for (const i of waitingLanes) {
      const here = lanes[i]!.filter((x) => x.parentSha === commit.sha);
      lanes[i] = lanes[i]!.filter((x) => x.parentSha !== commit.sha);
      if (!shown) continue;
      for (const x of here) {
        if (!x.child) continue;
        edges.push({ from: start(x.child, i), to: { row, lane }, via: i, kind: x.kind, childSha: x.child.sha, parentSha: commit.sha });
      }
    }
    if (shown) rows.push({ sha: commit.sha, lane, merge: commit.parents.length > 1 });
    const child = { sha: commit.sha, row, lane };
    commit.parents.forEach((parentSha, n) => {
      if (n === 0) {
        // The first parent continues the commit's own line, even when another lane waits for it too: the two
        // lines then run side by side and meet at the parent (a straight branch, not an early bend).
        lanes[lane]!.push({ parentSha, child, kind: 'first' });
        return;
      }
      const joined = laneWaitingFor(parentSha);
      const target = joined >= 0 && joined !== lane ? joined : freeLaneAfter(lanes, lane);
      lanes[target]!.push({ parentSha, child, kind: 'merge' });
    });
    if (shown) width = Math.max(width, lane + 1, usedWidth(lanes));
  }

  // Edges still waiting leave the page at the bottom, in the lane they run down.
  for (let i = 0; i < lanes.length; i++) {
    for (const x of lanes[i]!) {
      if (!x.child) continue;
      edges.push({
        from: start(x.child, i),
        to: { row: rows.length, lane: i },
        via: i,
        kind: x.kind,
        childSha: x.child.sha,
        parentSha: x.parentSha,
      });
      width = Math.max(width, i + 1);
    }
  }
  return { rows, edges, lanes: width };
}

/** Where an edge starts on the page: at its child, or (a child on an earlier page) at the top of its lane. */
function start(child: { row: number; lane: number }, via: number): GraphPoint {
  return child.row < 0 ? { row: -1, lane: via } : { row: child.row, lane: child.lane };
}

/** The lowest free lane to the right of `lane` (a merged-in branch is drawn beside the merge, never left of it). */
function freeLaneAfter(lanes: Waiting[][], lane: number): number {
  for (let i = lane + 1; i < lanes.length; i++) if (lanes[i]!.length === 0) return i;
  lanes.push([]);
  return lanes.length - 1;
}

/** Lanes up to the last one in use. */
function usedWidth(lanes: Waiting[][]): number {
  for (let i = lanes.length - 1; i >= 0; i--) if (lanes[i]!.length > 0) return i + 1;
  return 0;
}
