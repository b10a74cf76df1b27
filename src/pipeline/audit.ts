// Writes the audit log: one row per change, with who (person and token), when, from where and what. Every
// command of the pipeline that changes something calls it after the change is made (src/pipeline/create-pipeline.ts),
// and sign-ins (failed ones too) and pushes (each ref, old → new) are recorded where they happen.
import { toActor, type Actor } from '../domain/actor.js';
import { messageOf } from '../shared/errors.js';
import type { AuditEntry } from '../store/audit-store.js';
import type { PipelineDeps } from './deps.js';

/** What is recorded: `area.verb`, so that a filter by prefix (`token.`) finds an area. */
export type AuditAction =
  | 'app.created'
  | 'app.deleted'
  | 'push'
  | 'publish'
  | 'rollback'
  | 'generation'
  | 'generation.reverted'
  | 'secret.set'
  | 'secret.removed'
  | 'domain.added'
  | 'domain.removed'
  | 'job.run'
  | 'token.created'
  | 'token.revoked'
  | 'person.created'
  | 'person.removed'
  | 'person.admin'
  | 'role.granted'
  | 'role.revoked'
  | 'sign-in'
  | 'sign-in.failed'
  | 'sign-in-link.created'
  | 'backup'
  | 'claude-session.opened'
  | 'claude-session.pushed'
  | 'claude-session.closed';

export interface AuditFields {
  app?: string | null;
  target?: string | null;
  detail?: Record<string, unknown>;
}

export type RecordAudit = (actor: Actor | string | undefined, action: AuditAction, fields?: AuditFields) => AuditEntry | null;

/**
 * Appends one entry. The change it records has already happened, so a failed write is logged as an error rather
 * than turned into a failed answer for something that was done.
 */
export function createAuditRecorder(deps: Pick<PipelineDeps, 'store' | 'log'>): RecordAudit {
  return (by, action, fields = {}) => {
    const actor = toActor(by);
    try {
      return deps.store.audit.append({
        personId: actor.personId,
        person: actor.name,
        token: actor.token,
        address: actor.address,
        action,
        app: fields.app ?? null,
        target: fields.target ?? null,
        detail: fields.detail ?? {},
      });
    } catch (e) {
      deps.log.error('could not write the audit log', { action, app: fields.app ?? undefined, error: messageOf(e) });
      return null;
    }
  };
}
