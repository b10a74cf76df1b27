// The access part of an app's settings page: whether previews and production are public or protected, what can be
// chosen (Kubernetes: public only, for now), and the app's share links with their state.
import type { AppAccess } from '../../domain/app-access.js';
import type { AppAccessService, ShareLinkView } from '../../pipeline/app-access.js';
import type { PipelineReads } from '../../pipeline/pipeline-reads.js';

export interface AccessView {
  access: AppAccess;
  /** False on Kubernetes: the form says why instead of offering `protected`. */
  canProtect: boolean;
  /** Environments a share link may open: the files' ones and the app's branch previews. */
  environments: { name: string; title: string }[];
  expiries: { value: string; label: string }[];
  links: {
    id: string;
    environmentTitle: string;
    state: ShareLinkView['state'];
    tone: 'ok' | 'none' | 'bad';
    createdBy: string;
    createdAt: string;
    expiresAt: string;
  }[];
}

const EXPIRIES = [
  { value: '1h', label: '1 hour' },
  { value: '24h', label: '1 day' },
  { value: '7d', label: '7 days' },
  { value: '30d', label: '30 days' },
];
const minute = (iso: string) => `${iso.replace('T', ' ').slice(0, 16)} UTC`;

export async function accessView(read: Pick<PipelineReads, 'config' | 'branchPreviews'>, access: AppAccessService, app: string): Promise<AccessView> {
  const branches = (await read.branchPreviews(app)).flatMap((b) => (b.environment ? [{ name: b.environment.name, title: `branch ${b.branch}` }] : []));
  const environments = [...read.config.environments.map((e) => ({ name: e.name, title: e.title })), ...branches];
  const titleOf = (name: string) => environments.find((e) => e.name === name)?.title ?? name;
  return {
    access: access.settings(app),
    canProtect: read.config.runtime === 'docker',
    environments,
    expiries: EXPIRIES,
    links: access.shareLinks.list(app).map((l) => ({
      id: l.id,
      environmentTitle: titleOf(l.environment),
      state: l.state,
      tone: l.state === 'active' ? 'ok' : l.state === 'revoked' ? 'bad' : 'none',
      createdBy: l.createdBy,
      createdAt: minute(l.createdAt),
      expiresAt: minute(l.expiresAt),
    })),
  };
}
