// Protected previews, in one place: each app's access setting, the hand-off from the UI to an app's host (a
// one-time code that the Docker proxy turns into a host-only cookie), share links, and the check the proxy asks
// before every request. Who may view an app is src/auth/may-view-app.ts alone; it is asked when a code is handed
// out and again on every request, so revoking a token (or, later, a role) ends access at once. Cookies made by a
// share link are checked against the link too: revoked or expired, they stop working.
import { randomBytes } from 'node:crypto';
import { ACCESS_CODE_MS, createAccessCodes } from '../auth/access-codes.js';
import { ACCESS_COOKIE, ACCESS_COOKIE_MS, readAccessCookie, signAccessCookie, type AccessGrant } from '../auth/access-cookie.js';
import { loadAccessKey } from '../auth/access-key.js';
import { checkSession, type SessionClaim } from '../auth/authenticate-session.js';
import type { Principal } from '../auth/authenticate-token.js';
import { mayViewApp } from '../auth/may-view-app.js';
import { isProtected, parseAppAccess, PUBLIC_ACCESS, type AppAccess } from '../domain/app-access.js';
import { BRANCH_SEPARATOR, branchBasis, SLUG } from '../domain/branch-environment.js';
import { hostFor, routeForHost } from '../domain/host-for.js';
import { safeReturnPath } from '../domain/return-path.js';
import { parseShareExpiry } from '../domain/share-link-expiry.js';
import type { AccessRedeem, AccessVerdict, ProxyAccess } from '../runtime/proxy/create-app-proxy.js';
import { ForbiddenError, NeedsDockerRuntimeError, NotFoundError } from '../shared/errors.js';
import { readCookie } from '../shared/cookie-header.js';
import { createTtlCache } from '../shared/ttl-cache.js';
import { newId } from '../shared/ids.js';
import type { ShareLinkRecord } from '../store/share-links-store.js';
import type { PipelineDeps } from './deps.js';

export type ShareLinkState = 'active' | 'expired' | 'revoked';
export type ShareLinkView = ShareLinkRecord & { state: ShareLinkState };

export interface AppAccessService {
  /** The app's setting (everything public when it never had one). */
  settings(app: string): AppAccess;
  /** Changes the setting (fields left out keep their value); `protected` is refused on Kubernetes for now. */
  update(app: string, input: unknown, by: string): AppAccess;
  /**
   * Where the UI sends a signed-in person who asked to open `host` (the access redirect): the host's
   * `/__slipway/access` with a one-time code, or straight to the path when the environment is public.
   * 404 for a host no app answers at, 403 when the person may not view the app.
   */
  handOff(claim: SessionClaim, host: unknown, returnPath: unknown): string;
  /** What the Docker proxy asks (src/runtime/proxy/create-app-proxy.ts). */
  readonly proxy: ProxyAccess;
  shareLinks: {
    /** A new link: its URL (with the token) is returned once; only the token's hash is kept. */
    create(app: string, environment: unknown, expiresIn: unknown, by: string): { link: ShareLinkView; url: string };
    list(app: string): ShareLinkView[];
    revoke(app: string, id: string, by: string): ShareLinkView;
  };
}

/** How long an app's access setting is trusted before it is read again (a change by the CLI takes this long). */
export const ACCESS_SETTINGS_TTL_MS = 1_000;

const SHARE_TOKEN = /^shr_[A-Za-z0-9_-]{20,100}$/;

export function createAppAccess(deps: Pick<PipelineDeps, 'config' | 'store' | 'runtime' | 'log'>, options: { now?: () => number } = {}): AppAccessService {
  const { config, store } = deps;
  const now = options.now ?? Date.now;
  const codes = createAccessCodes({ now, ttlMs: ACCESS_CODE_MS });
  let key: Buffer | undefined;
  // Read (or made) on first use: the CLI's pipeline never needs it.
  const accessKey = () => (key ??= loadAccessKey(config.dataDir));
  const publicUrl = new URL(config.publicUrl);
  const originOf = (host: string) => `${publicUrl.protocol}//${host}${publicUrl.port ? `:${publicUrl.port}` : ''}`;
  const branchesOn = config.branchPreviews.max > 0;

  // Asked on every proxied request: cached, cleared by update() here, and re-read within a second of a change made
  // by another process (the CLI).
  const cached = createTtlCache<string, AppAccess>({ ttlMs: ACCESS_SETTINGS_TTL_MS, now });
  const settings = (app: string): AppAccess => cached.get(app, (a) => store.appAccess.get(a) ?? PUBLIC_ACCESS) ?? PUBLIC_ACCESS;
  const protects = (app: string, environment: string) => isProtected(settings(app), environment, config.environments);
  const checkApp = (app: string) => {
    if (!store.apps.get(app)) throw new NotFoundError(`no app named ${app}`);
  };

  /** The app and environment a host (no port) is served as: the proxy's own resolution, patterns then domains. */
  const routeOf = (input: unknown): { host: string; app: string; environment: string } | null => {
    if (typeof input !== 'string' || input.length > 253) return null;
    const host = input.toLowerCase().replace(/\.$/, '');
    const byPattern = routeForHost(host, config.environments, config.domain, branchesOn);
    if (byPattern) return store.apps.get(byPattern.app) ? { host, app: byPattern.app, environment: byPattern.environment } : null;
    const custom = store.domains.get(host);
    return custom ? { host, app: custom.app, environment: custom.environment } : null;
  };

  /** The host of an environment of the app: a file's environment, or a branch preview `preview--SLUG`. */
  const hostOf = (app: string, environment: string): string | null => {
    const env = config.environments.find((e) => e.name === environment);
    if (env) return hostFor(env, app, config.domain);
    const basis = branchBasis(config.environments);
    const prefix = basis ? `${basis.name}${BRANCH_SEPARATOR}` : null;
    if (!basis || !prefix || !branchesOn || !environment.startsWith(prefix) || !SLUG.test(environment.slice(prefix.length))) return null;
    return hostFor(basis, `${app}${BRANCH_SEPARATOR}${environment.slice(prefix.length)}`, config.domain);
  };

  const stateOf = (link: ShareLinkRecord): ShareLinkState => (link.revokedAt ? 'revoked' : Date.parse(link.expiresAt) <= now() ? 'expired' : 'active');
  const view = (link: ShareLinkRecord): ShareLinkView => ({ ...link, state: stateOf(link) });

  const grantCookie = (grant: AccessGrant): AccessRedeem => ({ ok: true, cookie: signAccessCookie(accessKey(), grant), expiresAt: grant.expiresAt });
  const principalOf = (via: { name: string; tokenId: string }): Principal | null => checkSession(deps, { name: via.name, tokenId: via.tokenId });

  const shareEnded = (state: ShareLinkState): { title: string; message: string } =>
    state === 'revoked'
      ? { title: 'This share link was revoked', message: 'Whoever made it took it back. Ask them for a new link, or sign in to Slipway.' }
      : { title: 'This share link has expired', message: 'Share links work for a limited time. Ask for a new link, or sign in to Slipway.' };

  const check = (app: string, environment: string, cookieHeader: string | undefined): AccessVerdict => {
    if (!protects(app, environment)) return { kind: 'open' };
    const grant = readAccessCookie(accessKey(), readCookie(cookieHeader, ACCESS_COOKIE), now());
    if (!grant || grant.app !== app || grant.environment !== environment) return { kind: 'signIn' };
    if (grant.via.kind === 'share') {
      const link = store.shareLinks.get(grant.via.linkId);
      if (!link || link.app !== app || link.environment !== environment) return { kind: 'signIn' };
      const state = stateOf(link);
      return state === 'active' ? { kind: 'allowed' } : { kind: 'refused', ...shareEnded(state) };
    }
    const principal = principalOf(grant.via);
    if (!principal) return { kind: 'signIn' };
    if (!mayViewApp(principal, app)) return { kind: 'forbidden', message: `${principal.name} may not view ${app}. Ask an admin for access.` };
    return { kind: 'allowed' };
  };

  const proxy: ProxyAccess = {
    cookieName: ACCESS_COOKIE,
    check,
    signInUrl: (host, returnPath) => `${config.publicUrl}/access?${new URLSearchParams({ host, return: safeReturnPath(returnPath) }).toString()}`,
    redeemCode(code, app, environment) {
      const grant = typeof code === 'string' && code.length <= 100 ? codes.redeem(code) : null;
      if (!grant || grant.app !== app || grant.environment !== environment)
        return {
          ok: false,
          status: 400,
          title: 'This sign-in link has been used or has expired',
          message: 'Sign-in links work once, for a minute. Open the address again to get a new one.',
        };
      return grantCookie({ app, environment, via: grant.via, expiresAt: now() + ACCESS_COOKIE_MS });
    },
    redeemShare(token, app, environment) {
      const link = typeof token === 'string' && SHARE_TOKEN.test(token) ? store.shareLinks.byToken(token) : undefined;
      // Another host's link says nothing about that host: the same answer as an unknown one.
      if (!link || link.app !== app || link.environment !== environment)
        return { ok: false, status: 404, title: 'This share link is not valid', message: 'Check that the whole link was copied, or ask for a new one.' };
      const state = stateOf(link);
      if (state !== 'active') return { ok: false, status: 410, ...shareEnded(state) };
      const expiresAt = Math.min(now() + ACCESS_COOKIE_MS, Date.parse(link.expiresAt));
      return grantCookie({ app, environment, via: { kind: 'share', linkId: link.id }, expiresAt });
    },
  };

  return {
    settings: (app) => {
      checkApp(app);
      return settings(app);
    },
    update(app, input, by) {
      checkApp(app);
      const next = parseAppAccess(input, settings(app));
      if (deps.runtime.kind !== 'docker' && (next.previews === 'protected' || next.production === 'protected'))
        throw new NeedsDockerRuntimeError(
          'protected previews need the Docker runtime for now: on Kubernetes, Traefik serves app traffic and does not ask Slipway who may see it yet',
        );
      store.appAccess.set(app, next, by);
      cached.delete(app);
      deps.log.info('app access changed', { app, previews: next.previews, production: next.production, by });
      return next;
    },
    handOff(claim, hostInput, returnInput) {
      const route = routeOf(hostInput);
      if (!route) throw new NotFoundError(`no app answers at ${String(hostInput).slice(0, 80)}`);
      const principal = principalOf(claim);
      if (!principal) throw new ForbiddenError('sign in again: this session ended');
      if (!mayViewApp(principal, route.app)) throw new ForbiddenError(`${principal.name} may not view ${route.app}`);
      const returnPath = safeReturnPath(returnInput);
      if (!protects(route.app, route.environment)) return `${originOf(route.host)}${returnPath}`;
      const code = codes.mint({ app: route.app, environment: route.environment, via: { kind: 'session', name: claim.name, tokenId: claim.tokenId } });
      return `${originOf(route.host)}/__slipway/access?${new URLSearchParams({ code, return: returnPath }).toString()}`;
    },
    proxy,
    shareLinks: {
      create(app, environmentInput, expiresIn, by) {
        checkApp(app);
        const environment = typeof environmentInput === 'string' ? environmentInput : '';
        const host = hostOf(app, environment);
        if (!host)
          throw new NotFoundError(
            `no environment named ${environment.slice(0, 60) || '(none)'} (there are ${config.environments.map((e) => e.name).join(', ')}${branchesOn ? ', and branch previews' : ''})`,
          );
        const ms = parseShareExpiry(expiresIn);
        if (deps.runtime.kind !== 'docker') throw new NeedsDockerRuntimeError('share links open protected previews, which need the Docker runtime for now');
        const token = `shr_${randomBytes(32).toString('base64url')}`;
        const at = now();
        const record = {
          id: newId('link'),
          app,
          environment,
          createdBy: by,
          createdAt: new Date(at).toISOString(),
          expiresAt: new Date(at + ms).toISOString(),
        };
        store.shareLinks.add(record, token);
        deps.log.info('share link made', { app, environment, id: record.id, expiresAt: record.expiresAt, by });
        return { link: view({ ...record, revokedAt: null }), url: `${originOf(host)}/__slipway/share?token=${token}` };
      },
      list(app) {
        checkApp(app);
        return store.shareLinks.listForApp(app).map(view);
      },
      revoke(app, id, by) {
        checkApp(app);
        const link = store.shareLinks.get(id);
        if (!link || link.app !== app) throw new NotFoundError(`${app} has no share link ${id.slice(0, 40)}`);
        if (store.shareLinks.revoke(app, id, new Date(now()).toISOString())) deps.log.info('share link revoked', { app, id, by });
        return view(store.shareLinks.get(id)!);
      },
    },
  };
}
