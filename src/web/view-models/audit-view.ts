// The audit log's page: the filters as asked, a page of entries (newest first) and the link to the next page.
import type { PipelineReads } from '../../pipeline/pipeline-reads.js';
import { parseAuditQuery } from '../parse-audit-query.js';

export function auditView(read: PipelineReads, query: Record<string, unknown>) {
  const filter = parseAuditQuery(query, read.store.people);
  const page = read.store.audit.list({ ...filter, limit: filter.limit ?? 100 });
  const asked = Object.fromEntries(['app', 'person', 'action', 'since', 'until'].map((k) => [k, typeof query[k] === 'string' ? (query[k] as string) : '']));
  const nextQuery = new URLSearchParams(Object.entries(asked).filter(([, v]) => v !== ''));
  if (page.next !== null) nextQuery.set('before', String(page.next));
  return {
    filter: asked,
    entries: page.entries.map((e) => ({
      ...e,
      detail: Object.entries(e.detail)
        .filter(([, v]) => v !== null && v !== undefined && v !== '')
        .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? JSON.stringify(v) : String(v as string | number | boolean)}`)
        .join('; '),
    })),
    next: page.next === null ? null : `/audit?${nextQuery.toString()}`,
    people: read.store.people.list().map((p) => p.name),
    apps: read.store.apps.list().map((a) => a.name),
  };
}
