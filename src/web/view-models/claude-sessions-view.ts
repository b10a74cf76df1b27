// The app page's "Claude Code sessions" section: whether one can be opened here (and why not), and the sessions of
// the app — the person's own link to their terminal; others' show only who has one open.
import type { ClaudeSessions } from '../../pipeline/claude-sessions/claude-sessions.js';

export interface ClaudeSessionsView {
  available: boolean;
  /** Why sessions cannot open here, said on the page. */
  unavailable: string | null;
  /** The memory limit is missing (no cgroup here): said beside the button, never silently unlimited. */
  unlimited: string | null;
  list: Array<{ id: string; owner: string; mine: boolean; href: string | null; state: string; startedAt: string; ended: string | null }>;
}

export async function claudeSessionsView(sessions: ClaudeSessions | undefined, app: string, personId: string): Promise<ClaudeSessionsView> {
  if (!sessions) return { available: false, unavailable: 'Claude Code sessions are not available on this server', unlimited: null, list: [] };
  const ready = sessions.available();
  const limit = ready.ok ? await sessions.memoryLimit() : null;
  return {
    available: ready.ok,
    unavailable: ready.ok ? null : ready.reason,
    unlimited: limit && limit.state === 'off' ? `sessions run without a memory limit here: ${limit.detail}` : null,
    list: sessions.list(app).map((s) => ({
      id: s.id,
      owner: s.owner.name,
      mine: s.owner.personId === personId,
      href: s.owner.personId === personId ? `/apps/${app}/sessions/${s.id}` : null,
      state: s.state,
      startedAt: s.startedAt,
      ended: s.ended,
    })),
  };
}
