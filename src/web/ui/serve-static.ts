// The UI's static files: our own static/ folder and a few files of UI libraries in node_modules, listed one by
// one (nothing else under node_modules is reachable). They are read once, served with an ETag, and linked
// with ?v=HASH so browsers may keep them.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Middleware } from 'koa';
import { ConfigError } from '../../shared/errors.js';

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
  version: string;
}

export interface StaticAssets {
  middleware: Middleware;
  /** The URL of an asset with its version, for templates: `/static/slipway.css?v=1a2b3c4d`. */
  url(path: string): string;
}

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** Files of UI libraries, served under /static/vendor/. */
const VENDOR: Record<string, string> = {
  'pico.classless.min.css': '@picocss/pico/css/pico.classless.min.css',
  'diff2html.min.css': 'diff2html/bundles/css/diff2html.min.css',
  'diff2html-ui-slim.min.js': 'diff2html/bundles/js/diff2html-ui-slim.min.js',
  // The terminal of Claude Code sessions (UMD builds: they define window.Terminal and window.FitAddon).
  'xterm.js': '@xterm/xterm/lib/xterm.js',
  'xterm.css': '@xterm/xterm/css/xterm.css',
  'addon-fit.js': '@xterm/addon-fit/lib/addon-fit.js',
};

export function createStaticAssets(projectRoot: string): StaticAssets {
  const files = new Map<string, Asset>();
  const add = (url: string, file: string) => {
    if (!existsSync(file)) throw new ConfigError(`the UI needs ${file} (run npm install)`);
    const body = readFileSync(file);
    const hash = createHash('sha256').update(body).digest('hex');
    files.set(url, { body, type: TYPES[extname(file)] ?? 'application/octet-stream', etag: `"${hash.slice(0, 32)}"`, version: hash.slice(0, 10) });
  };
  const own = join(projectRoot, 'static');
  for (const name of readdirSync(own)) if (TYPES[extname(name)]) add(`/static/${name}`, join(own, name));
  for (const [name, path] of Object.entries(VENDOR)) add(`/static/vendor/${name}`, join(projectRoot, 'node_modules', path));

  return {
    url(path) {
      const asset = files.get(path);
      return asset ? `${path}?v=${asset.version}` : path;
    },
    middleware: async (ctx, next) => {
      if (!ctx.path.startsWith('/static/')) return next();
      const asset = files.get(ctx.path);
      if (!asset || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
      ctx.set('ETag', asset.etag);
      ctx.set('Cache-Control', ctx.query.v ? 'public, max-age=31536000, immutable' : 'public, max-age=300');
      ctx.set('X-Content-Type-Options', 'nosniff');
      if (ctx.get('if-none-match') === asset.etag) {
        ctx.status = 304;
        return;
      }
      ctx.type = asset.type;
      ctx.body = asset.body;
    },
  };
}
