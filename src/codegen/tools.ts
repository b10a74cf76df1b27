// The tools the model works through, and how one call runs against the workspace. A refused or
// failed call is a result the model reads (`is_error: true`) so it can correct itself; only
// faults in Slipway itself (the tree cannot be read) are thrown.
import type Anthropic from '@anthropic-ai/sdk';
import { SlipwayError } from '../shared/errors.js';
import { MAX_PATH_LENGTH } from './check-path.js';
import { formatBytes } from './format-bytes.js';
import type { Workspace } from './workspace.js';

/** Longest commit summary kept; longer ones are cut (git shows the first line in one row). */
export const MAX_SUMMARY_LENGTH = 100;
/** Reads longer than this are truncated in the tool result, so one file cannot fill the context. */
export const DEFAULT_MAX_READ_BYTES = 64 * 1024;
const MAX_LISTED_FILES = 1000;

const pathProperty = {
  type: 'string',
  description: `A file path relative to the repository root, with "/" between folders, such as "public/index.html". At most ${MAX_PATH_LENGTH} characters; never absolute, never inside .git/.`,
} as const;

export const CODEGEN_TOOLS: Anthropic.Tool[] = [
  {
    name: 'list_files',
    description: 'Lists the files of the app as they are now, including the changes you made in this generation. Optionally only those under a folder.',
    input_schema: {
      type: 'object',
      properties: { folder: { type: 'string', description: 'Only list files under this folder, such as "public". Omit to list every file.' } },
      required: [],
    },
  },
  {
    name: 'read_file',
    description: `Returns the content of one file as it is now. Files longer than ${formatBytes(DEFAULT_MAX_READ_BYTES)} are truncated (the result says so). Read a file before changing it.`,
    input_schema: { type: 'object', properties: { path: pathProperty }, required: ['path'] },
  },
  {
    name: 'write_file',
    description:
      'Creates a file, or replaces the whole content of an existing one. Give the complete new content: there is no partial edit. Folders are created as needed.',
    input_schema: {
      type: 'object',
      properties: { path: pathProperty, content: { type: 'string', description: 'The complete content of the file (UTF-8 text).' } },
      required: ['path', 'content'],
    },
  },
  {
    name: 'delete_file',
    description: 'Deletes one file.',
    input_schema: { type: 'object', properties: { path: pathProperty }, required: ['path'] },
  },
  {
    name: 'finish',
    description: `Call this once, when the change is complete, with a one-line summary of what you changed. It becomes the first line of the git commit message, so write it like one: imperative mood, at most 72 characters, no trailing period (for example "Add a contact form to the home page").`,
    input_schema: {
      type: 'object',
      properties: { summary: { type: 'string', description: 'One line, at most 72 characters.' } },
      required: ['summary'],
    },
  },
];

/** What a tool call did, besides the text the model reads. */
export type ToolEffect = { kind: 'write'; path: string; bytes: number } | { kind: 'delete'; path: string } | { kind: 'finish'; summary: string };

export interface ToolOutcome {
  content: string;
  isError: boolean;
  effect?: ToolEffect;
}

export interface RunToolOptions {
  maxReadBytes?: number;
}

export async function runTool(workspace: Workspace, name: string, input: unknown, options: RunToolOptions = {}): Promise<ToolOutcome> {
  const args = (input !== null && typeof input === 'object' ? input : {}) as Record<string, unknown>;
  try {
    switch (name) {
      case 'list_files':
        return await listFiles(workspace, args.folder);
      case 'read_file':
        return await readFile(workspace, args.path, options.maxReadBytes ?? DEFAULT_MAX_READ_BYTES);
      case 'write_file': {
        if (typeof args.content !== 'string') return failed('write_file needs "content": the complete file content as a string');
        const done = await workspace.write(args.path as string, args.content);
        return {
          content: `${done.created ? 'created' : 'wrote'} ${done.path} (${formatBytes(done.bytes)})`,
          isError: false,
          effect: { kind: 'write', path: done.path, bytes: done.bytes },
        };
      }
      case 'delete_file': {
        const done = await workspace.delete(args.path as string);
        return { content: `deleted ${done.path}`, isError: false, effect: { kind: 'delete', path: done.path } };
      }
      case 'finish':
        return finish(args.summary);
      default:
        return failed(`there is no tool "${name}"; the tools are list_files, read_file, write_file, delete_file and finish`);
    }
  } catch (e) {
    // Refusals (bad path, size caps, missing file) are the model's to fix; anything else is ours.
    if (e instanceof SlipwayError && e.code === 'INVALID_INPUT') return failed(e.message);
    throw e;
  }
}

async function listFiles(workspace: Workspace, folder: unknown): Promise<ToolOutcome> {
  const all = await workspace.list();
  let files = all;
  if (folder !== undefined && folder !== null && folder !== '' && folder !== '.') {
    if (typeof folder !== 'string') return failed('"folder" must be a string');
    const prefix = `${folder.replace(/^\.\/+/, '').replace(/\/+$/, '')}/`;
    files = all.filter((f) => f.startsWith(prefix));
    if (files.length === 0) return { content: `no files under ${prefix} (the app has ${all.length} files in all)`, isError: false };
  }
  if (files.length === 0) return { content: 'the app has no files yet', isError: false };
  const shown = files.slice(0, MAX_LISTED_FILES);
  const more = files.length > shown.length ? `\n… and ${files.length - shown.length} more (list a folder to see them)` : '';
  return { content: `${files.length} file${files.length === 1 ? '' : 's'}:\n${shown.join('\n')}${more}`, isError: false };
}

async function readFile(workspace: Workspace, path: unknown, maxBytes: number): Promise<ToolOutcome> {
  const content = await workspace.read(path as string);
  if (content === null) {
    const prefix = `${String(path).replace(/\/+$/, '')}/`;
    const inside = (await workspace.list()).filter((f) => f.startsWith(prefix));
    if (inside.length > 0) return failed(`${String(path)} is a folder; use list_files with folder "${String(path)}"`);
    return failed(`there is no file ${String(path)}; use list_files to see the files`);
  }
  // NUL in the first bytes is how git itself tells binary from text.
  if (content.subarray(0, 8000).includes(0))
    return { content: `${String(path)} is a binary file of ${formatBytes(content.length)}; its content is not shown`, isError: false };
  if (content.length <= maxBytes) return { content: content.toString('utf8'), isError: false };
  // Cut on a character boundary: decoding drops a split trailing character.
  const head = content
    .subarray(0, maxBytes)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
  return {
    content: `${head}\n\n[truncated: this shows the first ${formatBytes(maxBytes)} of ${formatBytes(content.length)}. Writing this file replaces all of it, so do not write it back from this excerpt.]`,
    isError: false,
  };
}

function finish(summary: unknown): ToolOutcome {
  if (typeof summary !== 'string') return failed('finish needs "summary": one line saying what you changed');
  let line = summary.replace(/\s+/g, ' ').trim();
  if (line === '') return failed('the summary is empty; say in one line what you changed');
  if (line.length > MAX_SUMMARY_LENGTH) line = `${line.slice(0, MAX_SUMMARY_LENGTH - 1).trimEnd()}…`;
  return { content: 'finished', isError: false, effect: { kind: 'finish', summary: line } };
}

function failed(message: string): ToolOutcome {
  return { content: message, isError: true };
}
