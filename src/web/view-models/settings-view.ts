// An app's settings page: the plain variables of slipway.yaml (they live in the repo, so they are shown, not
// edited), the names of its secrets per environment (values are write-only), its custom domains with their
// certificates, and how to clone and push.
import { readAppSettings } from '../../pipeline/read-app-settings.js';
import { shortSha } from '../../domain/types.js';
import { resolveRef } from '../../git/read-refs.js';
import { repoPath } from '../../git/repo-path.js';
import type { PipelineReads } from '../../pipeline/pipeline-reads.js';
import type { Secrets } from '../../pipeline/secrets.js';
import { messageOf, NotFoundError } from '../../shared/errors.js';
import type { CertificateState } from '../../domain/certificate-state.js';
import { isProduction, productionEnvironment } from '../../domain/environments.js';
import type { Tone } from './status-view.js';

export interface DomainView {
  domain: string;
  environment: string;
  environmentTitle: string;
  certificate: {
    state: CertificateState['state'];
    label: string;
    tone: Tone;
    /** Day of expiry (valid, or failed while a certificate still serves). */
    notAfter: string | null;
    error: string | null;
    nextAttemptAt: string | null;
  };
}

export interface SettingsView {
  app: string;
  cloneUrl: string;
  commands: { clone: string; push: string; publish: string; rollback: string };
  environments: {
    name: string;
    title: string;
    branch: string;
    /** What setting this environment's secrets needs (production's are the releaser's). */
    secretsAction: 'app:production-secrets' | 'app:preview-secrets';
    /** slipway.yaml as the commit this environment runs (or will run) has it. */
    settings: {
      commit: string | null;
      short: string;
      vars: { name: string; value: string }[];
      port: number | null;
      healthPath: string | null;
      schedule: string | null;
      error: string | null;
    };
    secrets: string[];
    /** Secrets the app had before its database was rebuilt from the repos, with no value now. */
    missingSecrets: string[];
  }[];
  domains: DomainView[];
  /** What the add-domain form selects first: production, where custom domains usually go. */
  domainEnvironment: string | null;
}

export async function settingsView(
  read: Pick<PipelineReads, 'config' | 'store' | 'certificateState'>,
  secrets: Pick<Secrets, 'names' | 'missing'>,
  app: string,
): Promise<SettingsView> {
  if (!read.store.apps.get(app)) throw new NotFoundError(`no app named ${app}`);
  const gitdir = repoPath(read.config.dataDir, app);
  const cloneUrl = `${read.config.publicUrl}/git/${app}.git`;
  const environments = await Promise.all(
    read.config.environments.map(async (env) => {
      const commit = read.store.deployments.live(app, env.name)?.commit ?? (await resolveRef(gitdir, env.ref));
      let settings: SettingsView['environments'][number]['settings'] = {
        commit,
        short: commit ? shortSha(commit) : '',
        vars: [],
        port: null,
        healthPath: null,
        schedule: null,
        error: null,
      };
      if (commit) {
        try {
          const parsed = await readAppSettings(gitdir, commit);
          settings = {
            ...settings,
            vars: Object.entries(parsed.env).map(([name, value]) => ({ name, value })),
            port: parsed.port,
            healthPath: parsed.healthPath,
            schedule: parsed.schedule ?? null,
          };
        } catch (e) {
          settings.error = messageOf(e);
        }
      }
      return {
        name: env.name,
        title: env.title,
        branch: env.ref.replace(/^refs\/heads\//, ''),
        secretsAction: isProduction(env) ? ('app:production-secrets' as const) : ('app:preview-secrets' as const),
        settings,
        secrets: secrets.names(app, env.name),
        missingSecrets: await secrets.missing(app, env.name),
      };
    }),
  );
  return {
    app,
    cloneUrl,
    commands: {
      clone: `git clone ${cloneUrl}`,
      push: 'git push origin main',
      publish: 'git tag v2 && git push origin v2',
      rollback: 'git push -f origin v1:prod',
    },
    environments,
    domainEnvironment: productionEnvironment(read.config.environments)?.name ?? null,
    domains: read.store.domains.listForApp(app).map((d) => ({
      domain: d.domain,
      environment: d.environment,
      environmentTitle: read.config.environments.find((e) => e.name === d.environment)?.title ?? d.environment,
      certificate: certificateView(read.certificateState(d.domain)),
    })),
  };
}

const CERTIFICATE_WORDS: Record<CertificateState['state'], { label: string; tone: Tone }> = {
  off: { label: 'not managed', tone: 'none' },
  none: { label: 'not requested yet', tone: 'none' },
  pending: { label: 'being obtained', tone: 'busy' },
  valid: { label: 'valid', tone: 'ok' },
  failed: { label: 'failed', tone: 'bad' },
};

function certificateView(c: CertificateState): DomainView['certificate'] {
  const day = (iso: string | undefined) => (iso ? iso.slice(0, 10) : null);
  return {
    state: c.state,
    ...CERTIFICATE_WORDS[c.state],
    notAfter: day(c.notAfter),
    error: c.error ?? null,
    nextAttemptAt: c.nextAttemptAt ? c.nextAttemptAt.replace('T', ' ').slice(0, 16) + ' UTC' : null,
  };
}
