// The words and tone of a status badge, for environments, builds, deployments and generations alike.
export type Tone = 'ok' | 'busy' | 'bad' | 'none';

export interface StatusView {
  status: string;
  label: string;
  tone: Tone;
}

const TONES: Record<string, Tone> = {
  live: 'ok',
  succeeded: 'ok',
  committed: 'ok',
  building: 'busy',
  deploying: 'busy',
  queued: 'busy',
  running: 'busy',
  failed: 'bad',
  'not deployed': 'none',
  superseded: 'none',
  replaced: 'none',
  nothing: 'none',
  none: 'none',
};

const LABELS: Record<string, string> = { none: 'not built', nothing: 'no changes', replaced: 'replaced', committed: 'committed' };

export function statusView(status: string): StatusView {
  return { status, label: LABELS[status] ?? status, tone: TONES[status] ?? 'none' };
}

/** An environment's status from its latest deployment and the one serving (the same rule as the API's). */
export function environmentStatus(latest: { status: string } | undefined, live: { commit: string } | undefined): string {
  return latest && latest.status !== 'superseded' && latest.status !== 'replaced' ? latest.status : live ? 'live' : 'not deployed';
}
