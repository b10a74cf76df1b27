// The one answer to "may this person open this app's protected environments": asked when the UI hands out a
// one-time access code, and again on every request that carries an access cookie.
import type { Principal } from './authenticate-token.js';

/**
 * Today every token is an admin, so any signed-in person may. When people and roles land, this becomes the role
 * check (a viewer of the app or more) and nothing else changes.
 */
export function mayViewApp(principal: Principal, _app: string): boolean {
  return principal.role === 'admin';
}
