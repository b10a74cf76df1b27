// The one answer to "may this person open this app's protected environments": asked when the UI hands out a
// one-time access code, and again on every request that carries an access cookie. The API's own rule: a viewer of
// the app or more (src/domain/authorize.ts), so a revoked role or token ends the access at the next request.
import { mayViewApp as grantMayViewApp } from '../domain/authorize.js';
import type { Principal } from './authenticate-token.js';

export function mayViewApp(principal: Principal, app: string): boolean {
  return grantMayViewApp(principal.grant, app);
}
