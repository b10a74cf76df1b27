// The commits Claude (or a revert of its work) made, read back from their trailers on every ref: what rebuilding
// the database from the repos needs to put the app's generations back. The trailers are written by
// src/pipeline/generate.ts and src/pipeline/revert-generation.ts.
import { exec } from '../shared/exec.js';

export interface GenerationCommit {
  commit: string;
  /** Author date, ISO 8601. */
  createdAt: string;
  generationId: string;
  kind: 'request' | 'fix' | 'revert';
  /** The generation a fix repairs or a revert undoes. */
  parentId: string | null;
  /** The commit's subject: the generation's summary. */
  summary: string;
  /** What was asked: the message between the subject and the trailers (a revert's is its subject). */
  prompt: string;
  model: string;
  requestedBy: string;
}

const TRAILERS = ['Slipway-Generation', 'Generated-By', 'Slipway-Fix-Of', 'Slipway-Reverts', 'Slipway-Requested-By'];
const FORMAT = ['%H', '%aI', '%s', ...TRAILERS.map((k) => `%(trailers:key=${k},valueonly,separator=%x2C)`), '%b'].join('%x1f');

/** The body without its closing block of `Key: value` trailer lines. */
function withoutTrailers(body: string): string {
  const lines = body.replace(/\s+$/, '').split('\n');
  while (lines.length > 0 && /^[A-Za-z0-9-]+: /.test(lines[lines.length - 1] ?? '')) lines.pop();
  return lines.join('\n').trim();
}

/** Oldest first. An app with no generation commit gives an empty list. */
export async function readGenerationCommits(gitdir: string): Promise<GenerationCommit[]> {
  // --all: main, prod and the release tags; a commit on several refs is listed once.
  const { stdout } = await exec('git', ['--git-dir', gitdir, 'log', '--all', '--reverse', '-z', `--format=${FORMAT}`, '--grep=^Slipway-Generation: ']);
  const out: GenerationCommit[] = [];
  for (const record of stdout.split('\0')) {
    if (record.trim() === '') continue;
    const [commit = '', createdAt = '', summary = '', generation = '', model = '', fixOf = '', reverts = '', by = '', body = ''] = record
      .replace(/^\n/, '')
      .split('\x1f');
    const generationId = generation.split(',')[0]?.trim() ?? '';
    if (!/^[0-9a-f]{40}$/.test(commit) || !generationId) continue;
    const kind = reverts.trim() ? 'revert' : fixOf.trim() ? 'fix' : 'request';
    out.push({
      commit,
      createdAt,
      generationId,
      kind,
      parentId: reverts.trim() || fixOf.trim() || null,
      summary,
      prompt: kind === 'revert' ? summary : withoutTrailers(body),
      model: model.trim(),
      requestedBy: by.trim(),
    });
  }
  return out;
}
