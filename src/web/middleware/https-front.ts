// In front of everything when Slipway serves HTTPS: answers the CA's HTTP-01 challenges (on any host, over plain
// HTTP), sends plain-HTTP requests for a host that has a certificate to HTTPS, and tells browsers to stay on
// HTTPS for the UI's host. A host without a certificate (not issued yet, or its order failing) keeps being
// served over plain HTTP: a failed order never takes a site down.
import type { Middleware } from 'koa';
import type { Certificates } from '../../tls/certificates.js';

const CHALLENGE_PREFIX = '/.well-known/acme-challenge/';
const HSTS = 'max-age=31536000';

export function httpsFront(o: { certificates: Certificates; httpsPort: number; uiHost: string }): Middleware {
  const portPart = o.httpsPort === 443 ? '' : `:${o.httpsPort}`;
  return async (ctx, next) => {
    if (ctx.path.startsWith(CHALLENGE_PREFIX) && !ctx.secure) {
      const answer = o.certificates.challengeAnswer(ctx.path.slice(CHALLENGE_PREFIX.length));
      ctx.status = answer === undefined ? 404 : 200;
      ctx.type = 'text/plain';
      ctx.body = answer ?? 'no such challenge';
      return;
    }
    const host = ctx.hostname.toLowerCase();
    if (!ctx.secure) {
      if (o.certificates.contextFor(host)) {
        ctx.status = 308; // keeps the method and body (a git push, a form post)
        ctx.redirect(`https://${host}${portPart}${ctx.originalUrl}`);
        return;
      }
    } else if (host === o.uiHost) {
      ctx.set('Strict-Transport-Security', HSTS);
    }
    return next();
  };
}
