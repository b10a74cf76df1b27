// The Host-header reverse proxy for app traffic on Slipway's own port: APP-preview.DOMAIN → preview,
// APP.DOMAIN → production, a custom domain → its app's environment, WebSockets included. Hosts that name no app
// fall through to the UI.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createProxyServer } from 'http-proxy-3';
import type { Middleware } from 'koa';
import { routeForHost } from '../../domain/host-for.js';
import type { EnvironmentDef } from '../../domain/types.js';
import type { Logger } from '../../shared/log.js';

/** One request through the proxy, as measured there (for metrics and the traffic history). */
export interface ProxiedRequest {
  app: string;
  environment: string;
  /** The status sent to the client; null when the client went away before an answer was complete. */
  status: number | null;
  durationMs: number;
  /** Bytes of the request as read from the client's connection, and of the answer as written to it (headers included). */
  bytesIn: number;
  bytesOut: number;
}

/** What the proxy reports of the traffic it carries (src/pipeline/create-metrics.ts listens). */
export interface AppTrafficObserver {
  request(r: ProxiedRequest): void;
  /** A WebSocket to an environment opened (+1) or closed (-1). */
  webSocket(app: string, environment: string, change: 1 | -1): void;
}

export interface AppProxyOptions {
  environments: readonly EnvironmentDef[];
  domain: string;
  /** Branch previews on: `APP--SLUG-preview.DOMAIN` goes to the branch preview `preview--SLUG` (host-for.ts). */
  branchPreviews?: boolean;
  appExists: (app: string) => boolean;
  /**
   * Whether a branch preview is there (deploying or live). One that is not (its branch deleted, or stopped after its
   * idle time) answers 404 rather than the 502 of an environment that has nothing deployed yet.
   */
  branchPreviewExists?: (app: string, environment: string) => boolean;
  /**
   * The app and environment a custom domain goes to (the host is lower case, without port), asked for every host
   * no pattern routes: keep it cheap (a prepared statement). Its domains can never be pattern hosts (refused when
   * added), so patterns are asked first.
   */
  routeForDomain?: (hostname: string) => { app: string; environment: string } | undefined;
  route: (app: string, environment: string) => { host: string; port: number } | null;
  /** Called when an upstream refused a connection: its route may be stale. */
  onUpstreamError?: () => void;
  /** Told of every request and WebSocket proxied (or answered 502 for want of a container). */
  observe?: AppTrafficObserver;
  log: Logger;
}

export interface AppProxy {
  middleware: Middleware;
  upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean;
}

function hostname(hostHeader: string | undefined): string {
  const h = (hostHeader ?? '').toLowerCase();
  return h.startsWith('[') ? h.slice(0, h.indexOf(']') + 1) : h.replace(/:\d+$/, '');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function noBranchPreviewPage(app: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(app)}: no branch preview here</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}</style></head>
<body><h1>No branch preview here</h1><p><strong>${escapeHtml(app)}</strong> has no branch preview at this address: its branch was deleted, or the preview stopped after a while without pushes.
Push to the branch to start it again.</p><p>Slipway · 404</p></body></html>`;
}

function notDeployedPage(app: string, environment: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(app)}: nothing deployed</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}</style></head>
<body><h1>Nothing is deployed here yet</h1><p>The <strong>${escapeHtml(environment)}</strong> environment of <strong>${escapeHtml(app)}</strong> has no running version.
Push a commit to <code>main</code> (or publish a release) and this page will be replaced by the app.</p><p>Slipway · 502</p></body></html>`;
}

export function createAppProxy(options: AppProxyOptions): AppProxy {
  const proxy = createProxyServer({ xfwd: true, ws: true, proxyTimeout: 120_000, timeout: 120_000 });
  proxy.on('error', (err: Error, _req: IncomingMessage, resOrSocket: ServerResponse | Duplex) => {
    options.log.warn('app upstream failed', { error: err.message });
    if ((err as NodeJS.ErrnoException).code === 'ECONNREFUSED') options.onUpstreamError?.();
    if ('writeHead' in resOrSocket) {
      if (!resOrSocket.headersSent) resOrSocket.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
      resOrSocket.end('502: the app did not answer\n');
    } else resOrSocket.destroy();
  });

  // Slipway is the edge here: forwarding headers a client sent are dropped, and xfwd sets ours, so an app can
  // trust X-Forwarded-For/Host/Proto/Port.
  const dropClientForwarding = (req: IncomingMessage) => {
    for (const h of ['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'forwarded']) delete req.headers[h];
  };

  const resolve = (hostHeader: string | undefined) => {
    const host = hostname(hostHeader);
    const byPattern = routeForHost(host, options.environments, options.domain, options.branchPreviews ?? false);
    if (byPattern && options.appExists(byPattern.app)) {
      const target = options.route(byPattern.app, byPattern.environment);
      const gone = !target && byPattern.slug !== undefined && !(options.branchPreviewExists?.(byPattern.app, byPattern.environment) ?? true);
      return { ...byPattern, target, gone };
    }
    if (byPattern) return null;
    // A client may send the fully qualified form (a trailing dot); domains are stored without it.
    const custom = options.routeForDomain?.(host.endsWith('.') ? host.slice(0, -1) : host);
    if (!custom) return null;
    return { app: custom.app, environment: custom.environment, target: options.route(custom.app, custom.environment), gone: false };
  };

  // Measured from here to the last byte written (or the client leaving). Byte counts come from the connection's
  // counters since the end of its previous request (a keep-alive connection serves one request at a time): headers
  // included, and no listener on the bodies, which http-proxy-3 pipes.
  const counted = new WeakMap<object, { read: number; written: number }>();
  const measure = (req: IncomingMessage, res: ServerResponse, app: string, environment: string): void => {
    const observe = options.observe;
    if (!observe) return;
    const started = performance.now();
    const socket = req.socket;
    res.once('close', () => {
      const before = counted.get(socket) ?? { read: 0, written: 0 };
      const now = { read: socket.bytesRead, written: socket.bytesWritten };
      counted.set(socket, now);
      observe.request({
        app,
        environment,
        status: res.writableFinished ? res.statusCode : null,
        durationMs: performance.now() - started,
        bytesIn: Math.max(0, now.read - before.read),
        bytesOut: Math.max(0, now.written - before.written),
      });
    });
  };

  return {
    middleware: async (ctx, next) => {
      const r = resolve(ctx.get('host'));
      if (!r) return next();
      // A removed branch preview's host is not an environment any more: not measured.
      if (r.gone) {
        ctx.status = 404;
        ctx.type = 'html';
        ctx.body = noBranchPreviewPage(r.app);
        return;
      }
      measure(ctx.req, ctx.res, r.app, r.environment);
      if (!r.target) {
        ctx.status = 502;
        ctx.type = 'html';
        ctx.body = notDeployedPage(r.app, r.environment);
        return;
      }
      ctx.respond = false;
      dropClientForwarding(ctx.req);
      proxy.web(ctx.req, ctx.res, { target: `http://${r.target.host}:${r.target.port}` });
    },
    upgrade(req, socket, head) {
      const r = resolve(req.headers.host);
      if (!r) return false;
      if (r.gone) {
        socket.end('HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nno branch preview here\n');
        return true;
      }
      if (!r.target) {
        socket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nnothing is deployed in this environment yet\n');
        return true;
      }
      dropClientForwarding(req);
      const observe = options.observe;
      if (observe) {
        const { app, environment } = r;
        observe.webSocket(app, environment, 1);
        socket.once('close', () => observe.webSocket(app, environment, -1));
      }
      proxy.ws(req, socket, head, { target: `http://${r.target.host}:${r.target.port}` });
      return true;
    },
  };
}
