// Renders k8s/bootstrap/*.yaml (the builder, its RBAC and admission policy, the registry) with
// the machine's values. scripts/bootstrap-cluster.sh runs this inside the builder image it has
// just built, so the host needs no Node.js; tests render and dry-run apply the same files.
//
// The files are what a k3s machine gets. A cluster that lacks a part k3s bundles (a volume
// provisioner, a registry in the cluster: scripts/k8s-test-cluster.sh has neither) gets the same
// objects changed as `BootstrapSettings` say, in code, so the files stay plain.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from './kube-api.js';
import { nipIoDomain } from './nip-io-domain.js';
import { parseManifests, renderTemplate, TemplateError, type TemplateValues } from './render-template.js';

export interface BootstrapSettings {
  /** The machine's public IPv4 address; needed unless `domain` is given. */
  publicIp?: string;
  /** Overrides `<ip-with-dashes>.nip.io`. */
  domain?: string;
  /** e.g. registry.slipway.internal:5000/slipway-builder:0123456789ab */
  builderImage: string;
  /** The BuildKit build image (scripts/buildkit-image.sh), e.g. registry.slipway.internal:5000/slipway/buildkit:v0.34.2-1a2b3c4d. */
  buildkitImage: string;
  /** The registry Service's ClusterIP (30-registry.yaml fixes 10.43.0.50, k3s' service range; the test cluster's is 10.96.0.50). */
  registryIp?: string;
  dataStorage?: string;
  /** Node labels the builder and every app run on (with a matching NoSchedule toleration each). */
  nodeSelector?: Readonly<Record<string, string>>;
  /** Passed to every app build (`SLIPWAY_BUILD_ARGS`), e.g. base images a machine without Docker Hub has. */
  buildArgs?: string;
  /** `emptyDir`: the builder's data lives as long as its pod (a cluster without volume provisioner). Default `claim`. */
  dataVolume?: 'claim' | 'emptyDir';
  /** Leaves out the registry (30-registry.yaml): the cluster already has a Service `registry` at `registryIp`. */
  withoutRegistry?: boolean;
}

export function bootstrapValues(s: BootstrapSettings): TemplateValues {
  if (!s.domain && !s.publicIp) throw new TemplateError('the bootstrap needs a public IP address or a domain');
  const domain = s.domain ?? nipIoDomain(s.publicIp!);
  return {
    domain,
    builderHost: `builder.${domain}`,
    publicUrl: `http://builder.${domain}`,
    builderImage: s.builderImage,
    buildkitImage: s.buildkitImage,
    registryIp: s.registryIp ?? '10.43.0.50',
    dataStorage: s.dataStorage ?? '10Gi',
  };
}

interface Container {
  env?: { name: string; value?: string }[];
}
interface PodSpec {
  containers: Container[];
  volumes?: { name: string; [source: string]: unknown }[];
  [field: string]: unknown;
}

function setEnv(c: Container, name: string, value: string): void {
  c.env = [...(c.env ?? []).filter((e) => e.name !== name), { name, value }];
}

function adapt(objects: KubeObject[], s: BootstrapSettings): KubeObject[] {
  let out = objects;
  if (s.withoutRegistry)
    out = out.filter((o) => !(o.metadata.name.startsWith('registry') && ['Deployment', 'PersistentVolumeClaim', 'Service'].includes(o.kind)));
  if (s.dataVolume === 'emptyDir') out = out.filter((o) => !(o.kind === 'PersistentVolumeClaim' && o.metadata.name === 'slipway-data'));
  const builder = out.find((o) => o.kind === 'Deployment' && o.metadata.name === 'slipway-builder') as
    (KubeObject & { spec: { template: { spec: PodSpec } } }) | undefined;
  if (!builder) return out;
  const pod = builder.spec.template.spec;
  const container = pod.containers[0]!;
  const selector = Object.entries(s.nodeSelector ?? {});
  if (selector.length > 0) {
    pod.nodeSelector = Object.fromEntries(selector);
    pod.tolerations = selector.map(([key, value]) => ({ key, operator: 'Equal', value, effect: 'NoSchedule' }));
    setEnv(container, 'SLIPWAY_KUBE_NODE_SELECTOR', selector.map(([k, v]) => `${k}=${v}`).join(','));
  }
  if (s.buildArgs) setEnv(container, 'SLIPWAY_BUILD_ARGS', s.buildArgs);
  if (s.dataVolume === 'emptyDir') pod.volumes = (pod.volumes ?? []).map((v) => (v.name === 'data' ? { name: 'data', emptyDir: {} } : v));
  return out;
}

/** The objects to apply, in file-name order (namespace first). */
export function renderBootstrap(dir: string, settings: BootstrapSettings): KubeObject[] {
  const values = bootstrapValues(settings);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  const objects = files.flatMap((f) => parseManifests(`k8s/bootstrap/${f}`, renderTemplate(f, readFileSync(join(dir, f), 'utf8'), values)));
  return adapt(objects, settings);
}

/** The same objects as one multi-document YAML text (each document in JSON, which is YAML read one way only), for `kubectl apply -f -`. */
export function renderBootstrapYaml(dir: string, settings: BootstrapSettings): string {
  return renderBootstrap(dir, settings)
    .map((o) => `${JSON.stringify(o, null, 2)}\n`)
    .join('---\n');
}
