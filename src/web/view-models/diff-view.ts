// A patch as the UI shows it: diff2html renders it on the server (escaped by diff2html; the page script only
// adds syntax colours), unified or side by side, with a file list that links to each file.
import { html, parse } from 'diff2html';
import { getHtmlId } from 'diff2html/lib/render-utils.js';
import { ColorSchemeType } from 'diff2html/lib/types.js';
import type { Patch } from '../../git/read-change-set.js';

export type DiffLayout = 'unified' | 'split';

export interface DiffFileView {
  name: string;
  anchor: string;
  status: 'added' | 'deleted' | 'renamed' | 'modified';
  additions: number;
  deletions: number;
  binary: boolean;
}

export interface DiffView {
  layout: DiffLayout;
  /** Rendered HTML: the only raw HTML handed to a template, through the diff macro's explicit `html` parameter. */
  html: string;
  files: DiffFileView[];
  truncated: boolean;
  empty: boolean;
  totals: { additions: number; deletions: number };
}

export function parseLayout(value: unknown): DiffLayout {
  return value === 'split' ? 'split' : 'unified';
}

export function diffView(patch: Patch, layout: DiffLayout): DiffView {
  if (patch.truncated) return { layout, html: '', files: [], truncated: true, empty: false, totals: { additions: 0, deletions: 0 } };
  const parsed = parse(patch.text, { diffMaxChanges: 20_000, diffTooBigMessage: () => 'This file changes too much to show here.' });
  const files: DiffFileView[] = parsed.map((f) => ({
    name: f.isDeleted ? f.oldName : f.newName,
    anchor: getHtmlId(f),
    status: f.isNew ? 'added' : f.isDeleted ? 'deleted' : f.isRename ? 'renamed' : 'modified',
    additions: f.addedLines,
    deletions: f.deletedLines,
    binary: Boolean(f.isBinary),
  }));
  return {
    layout,
    html:
      parsed.length === 0
        ? ''
        : html(parsed, {
            outputFormat: layout === 'split' ? 'side-by-side' : 'line-by-line',
            drawFileList: false,
            matching: 'lines',
            diffStyle: 'word',
            colorScheme: ColorSchemeType.LIGHT,
          }),
    files,
    truncated: false,
    empty: parsed.length === 0,
    totals: { additions: files.reduce((n, f) => n + f.additions, 0), deletions: files.reduce((n, f) => n + f.deletions, 0) },
  };
}
