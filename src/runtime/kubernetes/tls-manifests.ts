// The objects that serve an environment's hosts over HTTPS on Kubernetes (a TLS Secret per host with a certificate,
// one HTTPS Ingress), and the Ingress that routes ACME HTTP-01 challenges to Slipway. Rendered from k8s/templates/.
import type { HostCertificate } from '../runtime.js';
import { appNamespace } from './app-namespace.js';
import type { KubeObject } from './kube-api.js';
import type { Templates } from './load-templates.js';
import { tlsSecretName } from './tls-secret-name.js';

/** Where challenges go: a Service (in the namespace the challenge Ingress is made in) in front of Slipway. */
export interface ChallengeService {
  readonly namespace: string;
  readonly name: string;
  /** The Service's port, by name or number. */
  readonly port: string | number;
}

/** A dot, which environment names (DNS labels) cannot hold: no environment's own Ingress can have this name. */
export const tlsIngressName = (environment: string): string => `${environment}.tls`;

/** The challenge Ingress of one installation (its id is 12 hex). */
export const challengeIngressName = (installation: string): string => `slipway-acme-${installation}`;

const ruleTo = (service: string, port: string | number, path: string) => {
  const servicePort: Record<string, string | number> = typeof port === 'number' ? { number: port } : { name: port };
  return (host: string) => ({ host, http: { paths: [{ path, pathType: 'Prefix', backend: { service: { name: service, port: servicePort } } }] } });
};

export function tlsManifests(
  templates: Templates,
  o: { app: string; environment: string; ingressClassName: string; certificates: readonly HostCertificate[] },
): { namespace: string; secrets: KubeObject[]; ingress: KubeObject | undefined; ingressName: string } {
  const namespace = appNamespace(o.app);
  const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
  const common = { app: o.app, namespace, environment: o.environment };
  const secrets = o.certificates.map((c) =>
    templates.render('tls-secret', { ...common, name: tlsSecretName(c.host), host: c.host, cert: base64(c.cert), key: base64(c.key) }),
  );
  const name = tlsIngressName(o.environment);
  // Every host to the environment's Service (named after the environment), as its plain Ingress does.
  const rule = ruleTo(o.environment, 'http', '/');
  const ingress =
    o.certificates.length === 0
      ? undefined
      : templates.render('ingress-tls', {
          ...common,
          name,
          ingressClassName: o.ingressClassName,
          rules: o.certificates.map((c) => rule(c.host)),
          tls: o.certificates.map((c) => ({ hosts: [c.host], secretName: tlsSecretName(c.host) })),
        });
  return { namespace, secrets, ingress, ingressName: name };
}

export function challengeIngress(
  templates: Templates,
  o: { installation: string; service: ChallengeService; ingressClassName: string; hosts: readonly string[] },
): KubeObject {
  const rule = ruleTo(o.service.name, o.service.port, '/.well-known/acme-challenge/');
  return templates.render('acme-challenges', {
    name: challengeIngressName(o.installation),
    namespace: o.service.namespace,
    installation: o.installation,
    ingressClassName: o.ingressClassName,
    rules: [...o.hosts].sort().map(rule),
  });
}
