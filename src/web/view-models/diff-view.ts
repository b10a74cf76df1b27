// A diff as the UI shows it: every changed file with git's own counts (`--numstat`), and the patches of the
// files that fit on a page rendered by diff2html on the server (escaped by diff2html; the page script only adds syntax
// colours), unified or side by side. A file whose patch is not on the page is one click away, on its own page.
import { html, parse } from 'diff2html';
import { getHtmlId } from 'diff2html/lib/render-utils.js';
import { ColorSchemeType } from 'diff2html/lib/types.js';
import type { ChangedFile, Patch } from '../../git/read-change-set.js';

export type DiffLayout = 'unified' | 'split';

export interface DiffFileView {
  name: string;
  status: ChangedFile['status'];
  /** null for binary files (git counts no lines in them). */
  additions: number | null;
  deletions: number | null;
  binary: boolean;
  /** Where its patch is on this page; null when it is not on this page (it is one click away). */
  anchor: string | null;
}

/** The two sides of a diff: where a file's own patch is asked for. `from` null is the empty tree. */
export interface DiffRange {
  app: string;
  from: string | null;
  to: string;
}

export interface DiffView {
  layout: DiffLayout;
  /** Rendered HTML: the only raw HTML handed to a template, through the diff macro's explicit `html` parameter. */
  html: string;
  files: DiffFileView[];
  /** Not every file's patch is on this page. */
  truncated: boolean;
  /** How many files' patches are on this page. */
  shown: number;
  empty: boolean;
  totals: { files: number; additions: number; deletions: number; binary: number };
  /** A GET form that shows one file's patch: these fields plus `path`. */
  fileForm: { action: string; fields: { name: string; value: string }[] };
}

export function parseLayout(value: unknown): DiffLayout {
  return value === 'split' ? 'split' : 'unified';
}

export function diffTotals(files: readonly Pick<ChangedFile, 'additions' | 'deletions'>[]): DiffView['totals'] {
  const totals = { files: files.length, additions: 0, deletions: 0, binary: 0 };
  for (const f of files) {
    if (f.additions === null || f.deletions === null) totals.binary++;
    else {
      totals.additions += f.additions;
      totals.deletions += f.deletions;
    }
  }
  return totals;
}

/** The per-file page of a diff (`GET /apps/:name/compare/file?from&to&path`). */
export function fileDiffHref(range: DiffRange, path: string, layout: DiffLayout): string {
  const q = new URLSearchParams({ from: range.from ?? '', to: range.to, path, ...(layout === 'split' ? { view: 'split' } : {}) });
  return `/apps/${range.app}/compare/file?${q.toString()}`;
}

export function diffView(files: readonly ChangedFile[], patch: Patch, layout: DiffLayout, range: DiffRange): DiffView {
  const parsed = patch.text ? parse(patch.text, { diffMaxChanges: 20_000, diffTooBigMessage: () => 'This file changes too much to show here.' }) : [];
  const anchors = new Map<string, string>();
  // git ends a name holding spaces with a tab on the ---/+++ lines (to mark where it ends); diff2html keeps it.
  for (const f of parsed) anchors.set((f.isDeleted ? f.oldName : f.newName).replace(/\t$/, ''), getHtmlId(f));
  return {
    layout,
    html:
      parsed.length === 0
        ? ''
        : html(parsed, {
            outputFormat: layout === 'split' ? 'side-by-side' : 'line-by-line',
            drawFileList: false,
            matching: 'none',
            diffStyle: 'word',
            colorScheme: ColorSchemeType.LIGHT,
          }),
    files: files.map((f) => ({
      name: f.path,
      status: f.status,
      additions: f.additions,
      deletions: f.deletions,
      binary: f.additions === null || f.deletions === null,
      anchor: anchors.get(f.path) ?? null,
    })),
    truncated: patch.truncated,
    shown: patch.files,
    empty: files.length === 0,
    totals: diffTotals(files),
    fileForm: {
      action: `/apps/${range.app}/compare/file`,
      fields: [{ name: 'from', value: range.from ?? '' }, { name: 'to', value: range.to }, ...(layout === 'split' ? [{ name: 'view', value: 'split' }] : [])],
    },
  };
}
