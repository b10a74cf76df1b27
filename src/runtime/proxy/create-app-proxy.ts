// The Host-header reverse proxy for app traffic on Slipway's own port: APP-preview.DOMAIN → preview,
// APP.DOMAIN → production, a custom domain → its app's environment, WebSockets included. Hosts that name no app
// fall through to the UI. Protected environments (src/pipeline/app-access.ts decides) need an access cookie, which
// this proxy sets itself at `/__slipway/access` (a one-time code from the UI) and `/__slipway/share` (a share link).
import { Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createProxyServer } from 'http-proxy-3';
import type { Middleware } from 'koa';
import { routeForHost } from '../../domain/host-for.js';
import { safeReturnPath } from '../../domain/return-path.js';
import { withoutCookie } from '../../shared/cookie-header.js';
import type { EnvironmentDef } from '../../domain/types.js';
import type { Logger } from '../../shared/log.js';
import { createTtlCache } from '../../shared/ttl-cache.js';

/** What a Host header names (the target is looked up apart: it changes with every deployment). */
interface HostRoute {
  app: string;
  environment: string;
  /** A branch preview: without a target it may be gone (404) rather than not deployed yet (502). */
  branch: boolean;
}

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

/** What the access check says of a request to an environment. */
export type AccessVerdict =
  | { kind: 'open' }
  | { kind: 'allowed' }
  /** No valid access cookie: a page load goes through the UI's sign-in, anything else gets 401. */
  | { kind: 'signIn' }
  /** Signed in, but this person may not view the app. */
  | { kind: 'forbidden'; message: string }
  /** The cookie came from a share link that expired or was revoked. */
  | { kind: 'refused'; title: string; message: string };

/** A one-time code or a share link turned into an access cookie, or why not. */
export type AccessRedeem = { ok: true; cookie: string; expiresAt: number } | { ok: false; status: number; title: string; message: string };

/** Protected environments: asked before anything is proxied (src/pipeline/app-access.ts implements it). */
export interface ProxyAccess {
  /** The cookie's name on app hosts; it is never passed on to the app. */
  cookieName: string;
  check(app: string, environment: string, cookieHeader: string | undefined): AccessVerdict;
  /** The UI's page that signs a person in and sends them back to `host` with a one-time code. */
  signInUrl(host: string, returnPath: string): string;
  redeemCode(code: unknown, app: string, environment: string): AccessRedeem;
  redeemShare(token: unknown, app: string, environment: string): AccessRedeem;
}

/** Paths the proxy answers itself on every app host (reserved: an app never sees them). */
export const ACCESS_PATH = '/__slipway/access';
export const SHARE_PATH = '/__slipway/share';

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
  /** Protected environments; without it every environment is public. */
  access?: ProxyAccess;
  /** How long an idle connection to an app is kept for the next request (below the 5 s of uvicorn's and Node's). */
  upstreamIdleMs?: number;
  log: Logger;
}

export interface AppProxy {
  /**
   * The fast path, called by the server before Koa: forwards a request to an app that needs nothing but forwarding
   * (a live target, access open or allowed, not one of the proxy's own paths) and says true; false leaves the
   * request untouched for Koa, where `middleware` answers everything else on app hosts (pages, access hand-off).
   */
  handle: (req: IncomingMessage, res: ServerResponse) => boolean;
  middleware: Middleware;
  upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean;
  /** Connections to apps' containers now: carrying a request, and idle (kept for the next one). */
  upstreamSockets(): { active: number; idle: number };
  /** Forgets the hosts resolved so far (an app, a domain or a deployment changed in this process). */
  forget(): void;
  /** Closes the connections kept to apps (the server is stopping). */
  close(): void;
}

const UPSTREAM_IDLE_MS = 4_000;
/** How long a host's app and environment are trusted before the store is asked again (a CLI's change takes this long). */
export const HOST_ROUTE_TTL_MS = 1_000;

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

function accessPage(status: number, title: string, message: string, link: { href: string; label: string } | null): string {
  const more = link ? `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.label)}</a></p>` : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}</style></head>
<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>${more}<p>Slipway · ${status}</p></body></html>`;
}

/** A server's request listener: the proxy's fast path first, then `callback` (Koa) for what it hands on. */
export function withAppProxy(
  proxy: AppProxy,
  callback: (req: IncomingMessage, res: ServerResponse) => unknown,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (!proxy.handle(req, res)) void callback(req, res);
  };
}

export function createAppProxy(options: AppProxyOptions): AppProxy {
  // Connections to the apps are kept and reused (without an agent http-proxy-3 opens one per request and sends
  // `Connection: close`, which costs a TCP handshake and docker-proxy's two more per request). Kept per target
  // (host:port), so a new container gets new connections; an idle one is closed after upstreamIdleMs, or as soon
  // as its container stops, so none outlives a retired container for long. No cap on sockets per app: a cap
  // would queue requests behind an app's long polls and event streams.
  const agent = new Agent({ keepAlive: true, scheduling: 'lifo', maxFreeSockets: 256, timeout: options.upstreamIdleMs ?? UPSTREAM_IDLE_MS });
  const proxy = createProxyServer({ xfwd: true, ws: true, proxyTimeout: 120_000, timeout: 120_000 });
  // Likewise the app's `Connection` and `Keep-Alive` speak of the kept connection: the client's own request
  // decides whether its connection stays open (http-proxy-3's setConnection echoes it once these are gone).
  proxy.on('proxyRes', (proxyRes: IncomingMessage) => {
    delete proxyRes.headers.connection;
    delete proxyRes.headers['keep-alive'];
  });
  // Requests only (a WebSocket takes its connection for itself): `Connection` is hop-by-hop, so a client's `close`
  // ends its own connection to Slipway, not the kept one to the app.
  // One options object per target, its URL parsed once (http-proxy-3 would parse a string target per request).
  const webOptionsByTarget = new Map<string, { target: URL; agent: Agent; headers: { connection: string } }>();
  const webOptions = (target: { host: string; port: number }) => {
    const key = `${target.host}:${target.port}`;
    let o = webOptionsByTarget.get(key);
    if (!o) {
      if (webOptionsByTarget.size >= 1000) webOptionsByTarget.clear();
      o = { target: new URL(`http://${key}`), agent, headers: { connection: 'keep-alive' } };
      webOptionsByTarget.set(key, o);
    }
    return o;
  };
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

  // Which app and environment a Host header names, from the patterns, the apps and the custom domains: asked on
  // every request, so cached per header for HOST_ROUTE_TTL_MS (forget() clears it on this process's changes). Only
  // hosts that name an app are kept: a host that names none is asked again, so a new app or domain serves at once.
  // The target is asked every time (the runtime's routes are in memory and change with every deployment).
  const hostRoutes = createTtlCache<string, HostRoute>({ ttlMs: HOST_ROUTE_TTL_MS });
  const routeOfHost = (hostHeader: string): HostRoute | undefined => {
    const host = hostname(hostHeader);
    const byPattern = routeForHost(host, options.environments, options.domain, options.branchPreviews ?? false);
    if (byPattern)
      return options.appExists(byPattern.app) ? { app: byPattern.app, environment: byPattern.environment, branch: byPattern.slug !== undefined } : undefined;
    // A client may send the fully qualified form (a trailing dot); domains are stored without it.
    const custom = options.routeForDomain?.(host.endsWith('.') ? host.slice(0, -1) : host);
    return custom ? { app: custom.app, environment: custom.environment, branch: false } : undefined;
  };
  // The fast path reads the cache; the middleware and upgrades (pages, hand-offs, WebSockets: rare) read the store.
  const resolve = (hostHeader: string | undefined, cached: boolean) => {
    const r = cached ? hostRoutes.get(hostHeader ?? '', routeOfHost) : routeOfHost(hostHeader ?? '');
    if (!r) return null;
    const target = options.route(r.app, r.environment);
    const gone = !target && r.branch && !(options.branchPreviewExists?.(r.app, r.environment) ?? true);
    return { app: r.app, environment: r.environment, target, gone };
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

  // The access cookie is Slipway's: the app never sees it (nor could a script of the app read it: HttpOnly).
  const dropAccessCookie = (req: IncomingMessage, name: string) => {
    const rest = withoutCookie(req.headers.cookie, name);
    if (rest === undefined) delete req.headers.cookie;
    else req.headers.cookie = rest;
  };

  /** Answers the request when access stops it here (true), or lets it through with the cookie removed. */
  const guard = (ctx: Parameters<Middleware>[0], access: ProxyAccess, app: string, environment: string): boolean => {
    const page = (status: number, title: string, message: string, link: { href: string; label: string } | null) => {
      ctx.status = status;
      ctx.type = 'html';
      ctx.set('cache-control', 'no-store');
      ctx.body = accessPage(status, title, message, link);
    };
    const host = hostname(ctx.get('host'));
    if (ctx.path === ACCESS_PATH || ctx.path === SHARE_PATH) {
      const result = ctx.path === ACCESS_PATH ? access.redeemCode(ctx.query.code, app, environment) : access.redeemShare(ctx.query.token, app, environment);
      if (!result.ok) {
        page(result.status, result.title, result.message, { href: access.signInUrl(host, '/'), label: 'Sign in to Slipway to open it' });
        return true;
      }
      const maxAge = Math.max(1, Math.floor((result.expiresAt - Date.now()) / 1000));
      ctx.set('set-cookie', `${access.cookieName}=${result.cookie}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${ctx.secure ? '; Secure' : ''}`);
      ctx.set('cache-control', 'no-store');
      ctx.status = 302;
      // A share link always lands on the app's front page; the sign-in hand-off where the person was going.
      ctx.redirect(ctx.path === ACCESS_PATH ? safeReturnPath(ctx.query.return) : '/');
      return true;
    }
    const verdict = access.check(app, environment, ctx.get('cookie') || undefined);
    if (verdict.kind === 'signIn') {
      if (ctx.method === 'GET' || ctx.method === 'HEAD') {
        ctx.set('cache-control', 'no-store');
        ctx.status = 302;
        ctx.redirect(access.signInUrl(host, safeReturnPath(ctx.url)));
      } else page(401, 'Sign in first', 'This environment is protected: open it in a browser and sign in to Slipway first.', null);
      return true;
    }
    if (verdict.kind === 'forbidden') {
      page(403, 'Not yours to view', verdict.message, null);
      return true;
    }
    if (verdict.kind === 'refused') {
      page(403, verdict.title, verdict.message, { href: access.signInUrl(host, safeReturnPath(ctx.url)), label: 'Sign in to Slipway instead' });
      return true;
    }
    dropAccessCookie(ctx.req, access.cookieName);
    return false;
  };

  return {
    handle(req, res) {
      const r = resolve(req.headers.host, true);
      if (!r?.target || r.gone) return false;
      const { access } = options;
      if (access) {
        // The proxy's own paths, and anything but a plain pass, are the middleware's (pages, redirects, cookies).
        if (req.url?.startsWith('/__slipway/')) return false;
        const verdict = access.check(r.app, r.environment, req.headers.cookie);
        if (verdict.kind !== 'open' && verdict.kind !== 'allowed') return false;
        dropAccessCookie(req, access.cookieName);
      }
      measure(req, res, r.app, r.environment);
      dropClientForwarding(req);
      proxy.web(req, res, webOptions(r.target));
      return true;
    },
    middleware: async (ctx, next) => {
      const r = resolve(ctx.get('host'), false);
      if (!r) return next();
      // Before anything else: a protected environment tells nobody unsigned whether a branch preview exists.
      if (options.access && guard(ctx, options.access, r.app, r.environment)) return;
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
      proxy.web(ctx.req, ctx.res, webOptions(r.target));
    },
    upgrade(req, socket, head) {
      const r = resolve(req.headers.host, false);
      if (!r) return false;
      const { access } = options;
      if (access) {
        // No redirect for a WebSocket: the page that opens it got its cookie already, or it is refused.
        const verdict = access.check(r.app, r.environment, req.headers.cookie);
        if (verdict.kind === 'forbidden') {
          socket.end('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nnot yours to view\n');
          return true;
        }
        if (verdict.kind === 'signIn' || verdict.kind === 'refused') {
          socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nthis environment is protected: sign in first\n');
          return true;
        }
        dropAccessCookie(req, access.cookieName);
      }
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
    forget() {
      hostRoutes.clear();
    },
    upstreamSockets() {
      const count = (pool: NodeJS.ReadOnlyDict<unknown[]>) => Object.values(pool).reduce((n, list) => n + (list?.length ?? 0), 0);
      return { active: count(agent.sockets), idle: count(agent.freeSockets) };
    },
    close() {
      agent.destroy();
    },
  };
}
