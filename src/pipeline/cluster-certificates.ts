// On Kubernetes the cluster's ingress, not Slipway, takes the app hosts' traffic: the certificates Slipway holds for
// them go to the cluster (a TLS Secret per host and an HTTPS Ingress per environment, `applyCertificates`), and
// with ACME the challenges for them are routed back to Slipway, which answers them (`routeAcmeChallenges`).
//
// `sync` is cheap to call often (on every certificate change, deployment and domain event, and each minute): it
// applies only what changed since it last did, and everything again every ten minutes, so that a namespace made
// again or a hand edit is put right. One pass at a time; a call during a pass runs one more after it.
import { createHash } from 'node:crypto';
import { messageOf } from '../shared/errors.js';
import type { HostCertificate } from '../runtime/runtime.js';
import type { Certificates } from '../tls/certificates.js';
import type { PipelineDeps } from './deps.js';
import { environmentHosts } from './served-hosts.js';

const REAPPLY_MS = 10 * 60_000;

export interface ClusterCertificates {
  sync(): void;
  /** Waits for a pass under way (tests, shutdown). */
  settled(): Promise<void>;
}

const digest = (parts: readonly string[]): string => createHash('sha256').update(parts.join('\0')).digest('hex');

export function createClusterCertificates(
  deps: Pick<PipelineDeps, 'config' | 'store' | 'runtime' | 'log'>,
  certificates: Certificates,
  now: () => number = Date.now,
): ClusterCertificates {
  const { runtime, log } = deps;
  const applied = new Map<string, { key: string; at: number }>();
  let running: Promise<void> | undefined;
  let again = false;

  const fresh = (name: string, key: string): boolean => {
    const last = applied.get(name);
    return last !== undefined && last.key === key && now() - last.at < REAPPLY_MS;
  };

  async function pass(): Promise<void> {
    const environments = environmentHosts(deps);
    if (deps.config.https.mode === 'acme' && runtime.routeAcmeChallenges) {
      const hosts = [...new Set(environments.flatMap((e) => e.hosts))].sort();
      const key = digest(hosts);
      if (!fresh('challenges', key)) {
        try {
          await runtime.routeAcmeChallenges(hosts);
          applied.set('challenges', { key, at: now() });
        } catch (e) {
          log.warn('could not route ACME challenges through the cluster’s ingress; tried again shortly', { error: messageOf(e) });
        }
      }
    }
    if (!runtime.applyCertificates) return;
    const seen = new Set<string>();
    for (const { app, environment, hosts } of environments) {
      const name = `${app}/${environment}`;
      seen.add(name);
      const held: HostCertificate[] = hosts.flatMap((host) => {
        const pem = certificates.pemFor(host);
        return pem ? [{ host, ...pem }] : [];
      });
      const key = digest(held.flatMap((c) => [c.host, c.cert]));
      if (fresh(name, key)) continue;
      try {
        if (await runtime.applyCertificates(app, environment, held)) applied.set(name, { key, at: now() });
      } catch (e) {
        log.warn('could not give the cluster an environment’s certificates; tried again shortly', { app, environment, error: messageOf(e) });
      }
    }
    // Apps deleted: their namespace went with everything in it.
    for (const name of applied.keys()) if (name !== 'challenges' && !seen.has(name)) applied.delete(name);
  }

  function sync(): void {
    if (running) {
      again = true;
      return;
    }
    running = pass()
      .catch((e: unknown) => log.error('certificate sync with the cluster failed', { error: messageOf(e) }))
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          sync();
        }
      });
  }

  return {
    sync,
    async settled() {
      while (running) await running;
    },
  };
}
