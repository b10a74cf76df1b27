// Where a person goes back to on an app's host after the access redirect: a path on that same host, never another
// site. `//evil.com/x` and `/\evil.com` are protocol-relative in browsers, and absolute URLs leave the host.

/** The longest return path kept (a longer one becomes `/`). */
const MAX_LENGTH = 2048;

/** A same-host path (with its query) from outside; anything else (absolute, protocol-relative, odd characters) is `/`. */
export function safeReturnPath(input: unknown): string {
  if (typeof input !== 'string' || input.length > MAX_LENGTH) return '/';
  // Printable ASCII only (a browser sends the rest percent-encoded): no spaces, tabs or newlines that a browser
  // strips before reading `/\t/evil.com` as `//evil.com`.
  if (!/^\/(?![/\\])[\x21-\x7e]*$/.test(input)) return '/';
  return input;
}
