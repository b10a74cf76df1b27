// The audit log's filters from a query string (API and UI alike): app, person (name or id), action (or a prefix
// ending in "."), since/until (ISO times or dates), a page cursor and size. Bad values are a 400 that says which.
import type { ReadStore } from '../store/read-store.js';
import type { AuditFilter } from '../store/audit-store.js';
import { InvalidInputError, NotFoundError } from '../shared/errors.js';

const one = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function time(v: string | undefined, what: string): string | undefined {
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(t)) throw new InvalidInputError(`${what} is a date or time such as 2026-01-31 or 2026-01-31T12:00:00Z`);
  return new Date(t).toISOString();
}

export function parseAuditQuery(query: Record<string, unknown>, people: ReadStore['people']): AuditFilter {
  const filter: AuditFilter = {};
  const app = one(query.app);
  if (app !== undefined) filter.app = app;
  const person = one(query.person);
  if (person !== undefined) {
    const found = people.get(person) ?? people.byName(person);
    if (!found) throw new NotFoundError(`no person named ${person}`);
    filter.personId = found.id;
  }
  const action = one(query.action);
  if (action !== undefined) {
    if (!/^[a-z.-]{1,40}$/.test(action)) throw new InvalidInputError('action is an audit action such as publish, or a prefix such as token.');
    filter.action = action;
  }
  const since = time(one(query.since), 'since');
  const until = time(one(query.until), 'until');
  if (since !== undefined) filter.since = since;
  if (until !== undefined) filter.until = until;
  for (const [key, max] of [
    ['before', Number.MAX_SAFE_INTEGER],
    ['limit', 500],
  ] as const) {
    const v = one(query[key]);
    if (v === undefined) continue;
    if (!/^[1-9][0-9]{0,15}$/.test(v) || Number(v) > max) throw new InvalidInputError(`${key} is a whole number from 1${key === 'limit' ? ' to 500' : ''}`);
    filter[key] = Number(v);
  }
  return filter;
}
