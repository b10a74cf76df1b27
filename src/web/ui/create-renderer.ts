// The nunjucks environment of the UI: views/ with autoescape on, a few formatting filters, and one promise-
// returning render (a synchronous render of a template with an async filter silently gives null).
import nunjucks from 'nunjucks';

export type Render = (template: string, model: object) => Promise<string>;

const UNITS: [number, string][] = [
  [60, 'second'],
  [60, 'minute'],
  [24, 'hour'],
  [30, 'day'],
  [12, 'month'],
  [Infinity, 'year'],
];

/** "3 minutes ago" for an ISO time, relative to `now`. */
export function timeAgo(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  let n = Math.max(0, Math.round((now - t) / 1000));
  if (n < 5) return 'just now';
  for (const [size, unit] of UNITS) {
    if (n < size) return `${n} ${unit}${n === 1 ? '' : 's'} ago`;
    n = Math.floor(n / size);
  }
  return '';
}

/** "1 min 4 s" between two ISO times (or until now when `to` is null). */
export function duration(from: string | null | undefined, to: string | null | undefined, now = Date.now()): string {
  if (!from) return '';
  const ms = (to ? Date.parse(to) : now) - Date.parse(from);
  if (Number.isNaN(ms) || ms < 0) return '';
  const s = Math.round(ms / 1000);
  if (s < 1) return `${ms} ms`;
  if (s < 60) return `${s} s`;
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** `strict`: a variable a template reads that the model lacks is an error, not an empty string (tests turn it on). */
export function createRenderer(viewsDir: string, options: { watch?: boolean; strict?: boolean } = {}): Render {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(viewsDir, { noCache: options.watch ?? false }), {
    autoescape: true,
    throwOnUndefined: options.strict ?? false,
    trimBlocks: true,
    lstripBlocks: true,
  });
  env.addFilter('ago', (iso: string | null) => timeAgo(iso));
  env.addFilter('duration', (from: string | null, to: string | null) => duration(from, to));
  env.addFilter('short', (sha: string | null) => (sha ? sha.slice(0, 12) : ''));
  env.addFilter('datetime', (iso: string | null) =>
    iso
      ? new Date(iso)
          .toISOString()
          .replace('T', ' ')
          .replace(/\.\d+Z$/, ' UTC')
      : '',
  );
  return (template, model) =>
    new Promise((resolve, reject) => {
      env.render(template, model, (e, out) => (e ? reject(e) : resolve(out ?? '')));
    });
}
