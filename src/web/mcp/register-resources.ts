// MCP resources, so an agent can read before it asks for a change: an app's files at a commit
// (`slipway://APP/files/PATH?ref=REF`, ref defaulting to main; `slipway://APP/files` lists every file, a PATH
// ending in "/" the files under that folder) and its environments' status (`slipway://APP/environments`).
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Variables } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import { ErrorCode, McpError, type ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import { listFilesAt } from '../../git/list-files-at.js';
import { readBlobAt } from '../../git/read-blob-at.js';
import { repoPath } from '../../git/repo-path.js';
import { resolveCommitish } from '../../git/resolve-commitish.js';
import { InvalidInputError, NotFoundError } from '../../shared/errors.js';
import { mapError } from '../map-error.js';
import { environmentViews } from '../view-models/environment-views.js';
import type { McpToolContext } from './define-tool.js';
import { existingApp } from './mcp-inputs.js';
import { checkMayUseTool, visibleApps } from './mcp-access.js';

const MAX_FILE_BYTES = 1024 * 1024;
const MAX_LISTED = 5000;
/** MCP's code for a resource that does not exist. */
const RESOURCE_NOT_FOUND = -32002;

export function registerResources(server: McpServer, ctx: McpToolContext): void {
  const { read } = ctx.pipeline;
  // Only the principal's apps, as in the API: an app it has no role on does not exist for it.
  const apps = () => visibleApps(ctx.principal, read.store.apps.list());
  const viewable = (name: string): string => {
    checkMayUseTool(ctx.principal, 'get_app', { app: name }, read);
    return existingApp(read, name);
  };
  const json = (uri: URL, data: unknown): ReadResourceResult => ({
    contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(data, null, 2) }],
  });
  // Errors as the API words them (5xx: a fixed sentence and a request id), with MCP's error codes.
  const safely =
    (what: string, fn: (uri: URL, vars: Variables) => Promise<ReadResourceResult>) =>
    async (uri: URL, vars: Variables): Promise<ReadResourceResult> => {
      try {
        return await fn(uri, vars);
      } catch (e) {
        const a = mapError(e, { method: 'MCP', path: `resources/read ${what}` }, ctx.log);
        throw new McpError(
          a.status === 404 ? RESOURCE_NOT_FOUND : a.status < 500 ? ErrorCode.InvalidParams : ErrorCode.InternalError,
          `${a.code}: ${a.message}`,
        );
      }
    };

  server.registerResource(
    'environments',
    new ResourceTemplate('slipway://{app}/environments', {
      list: () => ({
        resources: apps().map((a) => ({ uri: `slipway://${a.name}/environments`, name: `${a.name}: environments`, mimeType: 'application/json' })),
      }),
    }),
    {
      title: "An app's environments",
      description: 'Each environment of the app: URL, the commit its branch points at, the commit that serves, status, release and health.',
      mimeType: 'application/json',
    },
    safely('environments', async (uri, vars) => json(uri, { environments: await environmentViews(read, viewable(one(vars.app))) })),
  );

  const readFiles = safely('files', async (uri, vars) => {
    const app = viewable(one(vars.app));
    const gitdir = repoPath(read.config.dataDir, app);
    const ref = vars.ref === undefined ? 'main' : one(vars.ref);
    const commit = await resolveCommitish(gitdir, ref);
    const path = checkRepoPath(vars.path === undefined ? '' : decodeURIComponent(one(vars.path)));
    if (path === '' || path.endsWith('/')) return listing(uri, gitdir, commit, path);
    const blob = await readBlobAt(gitdir, commit, path, MAX_FILE_BYTES);
    if (blob.kind === 'folder') return listing(uri, gitdir, commit, `${path}/`);
    if (blob.kind === 'missing') throw new NotFoundError(`${app} has no file ${path} at ${ref}`);
    const text = new TextDecoder('utf-8', { fatal: true });
    try {
      return { contents: [{ uri: uri.href, mimeType: 'text/plain', text: text.decode(blob.bytes) }] };
    } catch {
      return { contents: [{ uri: uri.href, mimeType: 'application/octet-stream', blob: blob.bytes.toString('base64') }] };
    }
  });
  const listing = async (uri: URL, gitdir: string, commit: string, folder: string): Promise<ReadResourceResult> => {
    const { paths, truncated } = await listFilesAt(gitdir, commit, folder, MAX_LISTED);
    return json(uri, { commit, folder, files: paths, truncated });
  };
  const fileMeta = {
    title: "An app's files",
    description:
      'A file of the app at a commit, tag or branch (ref, default main); a path ending in "/" lists that folder, slipway://APP/files lists every file.',
  };
  // The SDK's URI templates need `?ref` present when the template names it, hence two templates of each.
  server.registerResource('file-at-ref', new ResourceTemplate('slipway://{app}/files/{+path}{?ref}', { list: undefined }), fileMeta, readFiles);
  server.registerResource('file', new ResourceTemplate('slipway://{app}/files/{+path}', { list: undefined }), fileMeta, readFiles);
  server.registerResource('files-at-ref', new ResourceTemplate('slipway://{app}/files{?ref}', { list: undefined }), fileMeta, readFiles);
  server.registerResource(
    'files',
    new ResourceTemplate('slipway://{app}/files', {
      list: () => ({ resources: apps().map((a) => ({ uri: `slipway://${a.name}/files`, name: `${a.name}: files on main`, mimeType: 'application/json' })) }),
    }),
    fileMeta,
    readFiles,
  );
}

const one = (v: string | string[] | undefined): string => (Array.isArray(v) ? (v[0] ?? '') : (v ?? ''));

/** A path inside the repo: relative, no "." or ".." or empty parts (a trailing "/" names a folder), no control characters. */
function checkRepoPath(path: string): string {
  const parts = path.replace(/\/$/, '').split('/');
  // eslint-disable-next-line no-control-regex
  const bad = path.length > 1000 || path.startsWith('/') || /[\u0000-\u001f\u007f]/.test(path);
  if (path !== '' && (bad || parts.some((p) => p === '' || p === '.' || p === '..')))
    throw new InvalidInputError(`"${path.slice(0, 80)}" is not a path inside the app: use a relative path like public/index.html`);
  return path;
}
