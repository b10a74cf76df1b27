// Every template of k8s/templates/ and every file of k8s/bootstrap/, rendered offline: the right
// objects, labels and values, read identically as YAML 1.1 (Kubernetes) and 1.2.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { appManifests } from '../../../src/runtime/kubernetes/app-manifests.js';
import { DEFAULT_APP_QUOTA } from '../../../src/runtime/kubernetes/app-quota.js';
import { DEFAULT_BUILDER } from '../../../src/runtime/kubernetes/create-kubernetes-runtime.js';
import { environmentManifests } from '../../../src/runtime/kubernetes/environment-manifests.js';
import type { KubeObject } from '../../../src/runtime/kubernetes/kube-api.js';
import { loadTemplates, TEMPLATE_NAMES } from '../../../src/runtime/kubernetes/load-templates.js';
import { bootstrapValues, renderBootstrap, renderBootstrapYaml } from '../../../src/runtime/kubernetes/render-bootstrap.js';
import { renderTemplate } from '../../../src/runtime/kubernetes/render-template.js';
import { tlsSecretName } from '../../../src/runtime/kubernetes/tls-secret-name.js';
import { challengeIngress, tlsManifests } from '../../../src/runtime/kubernetes/tls-manifests.js';
import { BOOTSTRAP_DIR, commitOf, jobSpec, PREVIEW, PROD, TEMPLATES_DIR, TEST_DOMAIN, TEST_INSTALLATION, webSpec } from '../../helpers/k8s-cluster.js';

const templates = loadTemplates(TEMPLATES_DIR);
const envOptions = { domain: TEST_DOMAIN, ingressClassName: 'traefik', nodeSelector: {}, rolloutMarginSeconds: 120, jobDeadlineSeconds: 3600 };
const byKind = (objs: KubeObject[], kind: string) => objs.find((o) => o.kind === kind)!;
const at = (o: unknown, path: string): any => path.split('.').reduce<any>((x, k) => (x == null ? undefined : x[/^\d+$/.test(k) ? Number(k) : k]), o);

describe('app manifests', () => {
  const objs = appManifests(templates, 'shop', { quota: DEFAULT_APP_QUOTA, builder: DEFAULT_BUILDER, installation: TEST_INSTALLATION });
  it('are the namespace (first), the builder RoleBinding, quota, limit range and network policy', () => {
    expect(objs.map((o) => o.kind)).toEqual(['Namespace', 'RoleBinding', 'ResourceQuota', 'LimitRange', 'NetworkPolicy']);
    expect(objs.every((o) => o.metadata.labels?.['app.kubernetes.io/managed-by'] === 'slipway' && o.metadata.labels['slipway.dev/app'] === 'shop')).toBe(true);
    expect(objs.slice(1).every((o) => o.metadata.namespace === 'app-shop')).toBe(true);
  });
  it('set the seed quota and defaults for containers that name no resources', () => {
    expect(at(byKind(objs, 'ResourceQuota'), 'spec.hard')).toEqual({
      'requests.cpu': '500m',
      'requests.memory': '256Mi',
      'limits.cpu': '1',
      'limits.memory': '512Mi',
      pods: '6',
    });
    expect(at(byKind(objs, 'LimitRange'), 'spec.limits.0.default')).toEqual({ cpu: '250m', memory: '128Mi' });
    expect(at(byKind(objs, 'Namespace'), 'metadata.labels')['pod-security.kubernetes.io/enforce']).toBe('baseline');
    // Which installation owns the namespace: another one's is refused, never adopted.
    expect(at(byKind(objs, 'Namespace'), 'metadata.labels')['slipway.dev/installation']).toBe(TEST_INSTALLATION);
  });
  it('admit traffic only from the namespace itself and kube-system', () => {
    expect(at(byKind(objs, 'NetworkPolicy'), 'spec')).toEqual({
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: {} }, { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }] }],
    });
  });
  it('bind the builder ServiceAccount to slipway-app', () => {
    const rb = byKind(objs, 'RoleBinding');
    expect(at(rb, 'roleRef')).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'slipway-app' });
    expect(at(rb, 'subjects')).toEqual([{ kind: 'ServiceAccount', name: 'slipway-builder', namespace: 'slipway-system' }]);
  });
});

describe('an app whose slipway.yaml says readOnly', () => {
  const spec = webSpec('shop', PREVIEW, commitOf(0xab), {
    settings: { kind: 'web', port: 8080, healthPath: '/health', env: {}, readOnly: true, writable: ['/tmp', '/var/cache/nginx'] },
  });
  const deployment = byKind(environmentManifests(templates, spec, envOptions).objects, 'Deployment');
  it('runs with a read-only root filesystem and an in-memory emptyDir for each writable folder', () => {
    const c = at(deployment, 'spec.template.spec.containers.0');
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(c.volumeMounts).toEqual([
      { name: 'writable-0', mountPath: '/tmp' },
      { name: 'writable-1', mountPath: '/var/cache/nginx' },
    ]);
    expect(at(deployment, 'spec.template.spec.volumes')).toEqual([
      { name: 'writable-0', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
      { name: 'writable-1', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
    ]);
  });
});

describe('environment manifests of a web app', () => {
  const spec = webSpec('shop', PREVIEW, commitOf(0xab), { settings: { kind: 'web', port: 8080, healthPath: '/healthz', env: { ON: 'on', MODE: '0755' } } });
  const m = environmentManifests(templates, spec, envOptions);
  const deployment = byKind(m.objects, 'Deployment');
  it('are ConfigMap, Secret, Service, Ingress, PodDisruptionBudget and the Deployment last', () => {
    expect(m.objects.map((o) => o.kind)).toEqual(['ConfigMap', 'Secret', 'Service', 'Ingress', 'PodDisruptionBudget', 'Deployment']);
    expect(m.workload).toBe(deployment);
  });
  it('run the commit image with labels app/env/commit and the health probes', () => {
    expect(deployment.metadata.labels).toMatchObject({ 'slipway.dev/app': 'shop', 'slipway.dev/environment': 'preview', 'slipway.dev/commit': commitOf(0xab) });
    const c = at(deployment, 'spec.template.spec.containers.0');
    expect(c.image).toBe(`localhost:5050/shop:${commitOf(0xab).slice(0, 12)}`);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.startupProbe.failureThreshold).toBe(2);
    expect(c.lifecycle).toEqual({ preStop: { sleep: { seconds: 5 } } });
    expect(c.resources).toEqual({ requests: { cpu: '62m', memory: '32Mi' }, limits: { cpu: '250m', memory: '128Mi' } });
    expect(c.securityContext).toEqual({
      readOnlyRootFilesystem: false,
      privileged: false,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['NET_RAW'] },
    });
    expect(c.volumeMounts).toEqual([]);
    expect(at(deployment, 'spec.template.spec.automountServiceAccountToken')).toBe(false);
    expect(at(deployment, 'spec.progressDeadlineSeconds')).toBe(122);
    expect(at(deployment, 'spec.selector.matchLabels')).toEqual({ 'slipway.dev/app': 'shop', 'slipway.dev/environment': 'preview' });
  });
  it('keep env values as strings and refer to content-named ConfigMap and Secret', () => {
    const cm = byKind(m.objects, 'ConfigMap');
    expect(cm['data']).toEqual({ ON: 'on', MODE: '0755' });
    expect(cm.metadata.name).toMatch(/^preview-env-[0-9a-f]{10}$/);
    expect(at(byKind(m.objects, 'Secret'), 'data')).toEqual({ API_TOKEN: Buffer.from('s3cret-value').toString('base64') });
    expect(at(deployment, 'spec.template.spec.containers.0.envFrom')).toEqual([
      { configMapRef: { name: m.configMapName } },
      { secretRef: { name: m.secretName } },
    ]);
    // Same content, same name; other content, another name.
    expect(environmentManifests(templates, spec, envOptions).configMapName).toBe(m.configMapName);
    expect(environmentManifests(templates, { ...spec, settings: { ...spec.settings, env: { ON: 'off' } } }, envOptions).configMapName).not.toBe(
      m.configMapName,
    );
  });
  it('route the preview host and the production host with Traefik', () => {
    expect(at(byKind(m.objects, 'Ingress'), 'spec.rules.0.host')).toBe(`shop-preview.${TEST_DOMAIN}`);
    expect(at(byKind(m.objects, 'Ingress'), 'spec.ingressClassName')).toBe('traefik');
    const prod = environmentManifests(templates, webSpec('shop', PROD, commitOf(1)), envOptions);
    expect(at(byKind(prod.objects, 'Ingress'), 'spec.rules.0.host')).toBe(`shop.${TEST_DOMAIN}`);
    expect(at(byKind(prod.objects, 'Service'), 'spec.ports.0')).toEqual({ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' });
  });
  it('spread replicas over the nodes they may use, and let a drain take one pod at a time', () => {
    const [spread] = at(deployment, 'spec.template.spec.topologySpreadConstraints');
    expect(spread).toMatchObject({
      maxSkew: 1,
      topologyKey: 'kubernetes.io/hostname',
      whenUnsatisfiable: 'DoNotSchedule',
      nodeTaintsPolicy: 'Honor',
      labelSelector: { matchLabels: { 'slipway.dev/app': 'shop', 'slipway.dev/environment': 'preview' } },
    });
    const budget = byKind(m.objects, 'PodDisruptionBudget');
    expect(at(budget, 'spec')).toEqual({ maxUnavailable: 1, selector: { matchLabels: { 'slipway.dev/app': 'shop', 'slipway.dev/environment': 'preview' } } });
  });
  it("route the environment's custom domains over plain HTTP, with no TLS (certificates are applied apart)", () => {
    const withDomains = { ...spec, domains: ['shop.example.com', 'www.shop.example.com'] };
    const plain = environmentManifests(templates, withDomains, envOptions);
    expect(plain.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      `ConfigMap/${plain.configMapName}`,
      `Secret/${plain.secretName}`,
      'Service/preview',
      'Ingress/preview',
      'PodDisruptionBudget/preview',
      'Deployment/preview',
    ]);
    const http = byKind(plain.objects, 'Ingress');
    expect(at(http, 'spec.rules').map((r: { host: string }) => r.host)).toEqual([`shop-preview.${TEST_DOMAIN}`, 'shop.example.com', 'www.shop.example.com']);
    expect(at(http, 'spec.rules.1.http.paths.0.backend')).toEqual({ service: { name: 'preview', port: { name: 'http' } } });
    expect(at(http, 'spec.tls')).toBeUndefined();
  });
  it('serve over HTTPS exactly the hosts given a certificate, each with its kubernetes.io/tls Secret', () => {
    const certificates = [{ host: 'shop.example.com', cert: 'CERT PEM', key: 'KEY PEM' }];
    const m = tlsManifests(templates, { app: 'shop', environment: 'preview', ingressClassName: 'traefik', certificates });
    expect(m.namespace).toBe('app-shop');
    expect(m.secrets).toHaveLength(1);
    const secret = m.secrets[0]!;
    expect(secret.metadata.name).toBe(tlsSecretName('shop.example.com'));
    expect(at(secret, 'type')).toBe('kubernetes.io/tls');
    expect(Buffer.from(at(secret, 'data')['tls.crt'], 'base64').toString()).toBe('CERT PEM');
    expect(Buffer.from(at(secret, 'data')['tls.key'], 'base64').toString()).toBe('KEY PEM');
    // Labelled apart from the environment's own Secrets, which pruneConfig removes once nothing refers to them.
    expect(at(secret, 'metadata.labels')).toMatchObject({ 'slipway.dev/app': 'shop', 'slipway.dev/environment': 'preview', 'slipway.dev/tls': 'true' });
    expect(at(secret, 'metadata.labels')['slipway.dev/holds']).toBeUndefined();
    const https = m.ingress!;
    expect(https.metadata.name).toBe('preview.tls');
    expect(at(https, 'spec.rules').map((r: { host: string }) => r.host)).toEqual(['shop.example.com']);
    expect(at(https, 'spec.rules.0.http.paths.0.backend')).toEqual({ service: { name: 'preview', port: { name: 'http' } } });
    expect(at(https, 'spec.tls')).toEqual([{ hosts: ['shop.example.com'], secretName: tlsSecretName('shop.example.com') }]);
    expect(at(https, 'metadata.annotations')).toMatchObject({ 'traefik.ingress.kubernetes.io/router.entrypoints': 'websecure' });
    // No certificate: no HTTPS Ingress (the runtime deletes the one there was).
    expect(tlsManifests(templates, { app: 'shop', environment: 'preview', ingressClassName: 'traefik', certificates: [] }).ingress).toBeUndefined();
  });
  it("route ACME challenges of the wanted hosts to Slipway's Service, on the plain HTTP entrypoint", () => {
    const ingress = challengeIngress(templates, {
      installation: '0123456789ab',
      service: { namespace: 'slipway-system', name: 'slipway-builder', port: 'http' },
      ingressClassName: 'traefik',
      hosts: ['shop.example.com', 'a.example.com'],
    });
    expect(ingress.metadata).toMatchObject({ name: 'slipway-acme-0123456789ab', namespace: 'slipway-system' });
    expect(at(ingress, 'spec.rules').map((r: { host: string }) => r.host)).toEqual(['a.example.com', 'shop.example.com']);
    expect(at(ingress, 'spec.rules.0.http.paths.0')).toEqual({
      path: '/.well-known/acme-challenge/',
      pathType: 'Prefix',
      backend: { service: { name: 'slipway-builder', port: { name: 'http' } } },
    });
    expect(at(ingress, 'metadata.annotations')).toMatchObject({ 'traefik.ingress.kubernetes.io/router.entrypoints': 'web' });
  });
  it('name TLS Secrets after the domain, distinctly and within a Secret name', () => {
    expect(tlsSecretName('shop.example.com')).toMatch(/^tls-shop-example-com-[0-9a-f]{8}$/);
    expect(tlsSecretName('a-b.com')).not.toBe(tlsSecretName('a.b-com'));
    const long = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
    expect(tlsSecretName(long).length).toBeLessThanOrEqual(253);
    expect(tlsSecretName(long)).toMatch(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/);
  });
  it('run anywhere by default, and only on dedicated nodes (tolerating their taint) when a node selector is set', () => {
    expect(at(deployment, 'spec.template.spec.nodeSelector')).toEqual({});
    expect(at(deployment, 'spec.template.spec.tolerations')).toEqual([]);
    const pinned = { ...envOptions, nodeSelector: { 'slipway.dev/pool': 'apps' } };
    const toleration = { key: 'slipway.dev/pool', operator: 'Equal', value: 'apps', effect: 'NoSchedule' };
    const web = environmentManifests(templates, spec, pinned).workload;
    expect(at(web, 'spec.template.spec.nodeSelector')).toEqual({ 'slipway.dev/pool': 'apps' });
    expect(at(web, 'spec.template.spec.tolerations')).toEqual([toleration]);
    const job = environmentManifests(templates, jobSpec('tick', PREVIEW, commitOf(2)), pinned).workload;
    expect(at(job, 'spec.jobTemplate.spec.template.spec.nodeSelector')).toEqual({ 'slipway.dev/pool': 'apps' });
    expect(at(job, 'spec.jobTemplate.spec.template.spec.tolerations')).toEqual([toleration]);
  });
});

describe('environment manifests of a scheduled job', () => {
  const m = environmentManifests(templates, jobSpec('tick', PREVIEW, commitOf(7)), envOptions);
  it('are a CronJob with the schedule from slipway.yaml, and no Deployment, Service or Ingress', () => {
    expect(m.objects.map((o) => o.kind)).toEqual(['ConfigMap', 'Secret', 'CronJob']);
    expect(at(m.workload, 'spec.schedule')).toBe('*/5 * * * *');
    expect(at(m.workload, 'spec.concurrencyPolicy')).toBe('Forbid');
    expect(at(m.workload, 'spec.jobTemplate.spec.template.spec.restartPolicy')).toBe('Never');
  });
});

describe('every template', () => {
  it('reads the same as YAML 1.1 and 1.2, after rendering with awkward values', () => {
    const values = {
      ...bootstrapValues({
        publicIp: '203.0.113.7',
        builderImage: 'localhost:5050/slipway-builder:abc',
        buildkitImage: 'registry.slipway.internal:5000/slipway/buildkit:v0.34.2-abc',
      }),
      app: 'on',
      namespace: 'app-on',
      installation: '0755',
      environment: 'yes',
      name: 'yes',
      commit: '0'.repeat(40),
      deploymentId: '0755',
      image: 'x:1e3',
      port: 8080,
      portText: '8080',
      healthPath: '/health',
      replicas: 1,
      progressDeadlineSeconds: 60,
      resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '1', memory: '1Gi' } },
      probes: { periodSeconds: 1, timeoutSeconds: 1, startupFailureThreshold: 1 },
      configMapName: 'c',
      secretName: 's',
      env: { A: 'no', B: '~' },
      secretData: {},
      host: 'on.example',
      rules: [{ host: 'on.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'yes', port: { name: 'http' } } } }] } }],
      cert: 'bm8=',
      key: 'eWVz',
      tls: [{ hosts: ['on.example'], secretName: 'tls-on-example' }],
      ingressClassName: 'traefik',
      nodeSelector: { on: 'yes' },
      tolerations: [{ key: 'on', operator: 'Equal', value: 'yes', effect: 'NoSchedule' }],
      readOnlyRootFilesystem: true,
      writableVolumes: [{ name: 'writable-0', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } }],
      writableMounts: [{ name: 'writable-0', mountPath: '/var/run' }],
      schedule: '0 0 * * *',
      jobDeadlineSeconds: 60,
      quota: { ...DEFAULT_APP_QUOTA, pods: '6' },
      limits: { defaultCpu: '1', defaultMemory: '1Mi', defaultRequestCpu: '1', defaultRequestMemory: '1Mi', maxCpu: '1', maxMemory: '1Mi' },
      builder: { namespace: 'n', name: 'off' },
      builderRole: 'r',
    };
    const files = [
      ...TEMPLATE_NAMES.map((n) => join(TEMPLATES_DIR, `${n}.yaml`)),
      ...readdirSync(BOOTSTRAP_DIR)
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => join(BOOTSTRAP_DIR, f)),
    ];
    expect(files.length).toBeGreaterThan(TEMPLATE_NAMES.length);
    for (const file of files) {
      const text = renderTemplate(file, readFileSync(file, 'utf8'), values);
      expect(text, file).not.toContain('{{');
      const v11 = YAML.parseAllDocuments(text, { version: '1.1' }).map((d) => d.toJS());
      const v12 = YAML.parseAllDocuments(text, { version: '1.2' }).map((d) => d.toJS());
      expect(v11, file).toEqual(v12);
    }
  });
});

describe('bootstrap manifests', () => {
  const objs = renderBootstrap(BOOTSTRAP_DIR, {
    publicIp: '203.0.113.7',
    builderImage: 'localhost:5050/slipway-builder:abc',
    buildkitImage: 'registry.slipway.internal:5000/slipway/buildkit:v0.34.2-abc',
  });
  it('hold the namespace first, the builder identity, policy, registry and builder', () => {
    expect(objs[0]).toMatchObject({ kind: 'Namespace', metadata: { name: 'slipway-system' } });
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(
      expect.arrayContaining([
        'ServiceAccount/slipway-builder',
        'ClusterRole/slipway-app',
        'ClusterRole/slipway-builder',
        'ClusterRoleBinding/slipway-builder',
        'ValidatingAdmissionPolicy/slipway-builder-app-namespaces-only',
        'ValidatingAdmissionPolicyBinding/slipway-builder-app-namespaces-only',
        'Deployment/registry',
        'Deployment/slipway-builder',
        'Service/slipway-builder',
        'Ingress/slipway-builder',
        'PersistentVolumeClaim/slipway-data',
      ]),
    );
  });
  it('serve the builder at builder.<ip>.nip.io with the image just built, building with BuildKit Jobs and no Docker socket', () => {
    expect(at(byKind(objs, 'Ingress'), 'spec.rules.0.host')).toBe('builder.203-0-113-7.nip.io');
    const builder = objs.find((o) => o.kind === 'Deployment' && o.metadata.name === 'slipway-builder')!;
    expect(at(builder, 'spec.template.spec.containers.0.image')).toBe('localhost:5050/slipway-builder:abc');
    expect(at(builder, 'spec.template.spec.serviceAccountName')).toBe('slipway-builder');
    expect(JSON.stringify(builder)).not.toMatch(/docker\.sock|hostPath/);
    const env = at(builder, 'spec.template.spec.containers.0.env') as { name: string; value?: string; valueFrom?: unknown }[];
    expect(env).toContainEqual({ name: 'SLIPWAY_DOMAIN', value: '203-0-113-7.nip.io' });
    expect(env).toContainEqual({ name: 'SLIPWAY_BUILDER', value: 'buildkit' });
    expect(env).toContainEqual({ name: 'SLIPWAY_BUILDKIT_IMAGE', value: 'registry.slipway.internal:5000/slipway/buildkit:v0.34.2-abc' });
    expect(env).toContainEqual({ name: 'SLIPWAY_REGISTRY', value: 'registry.slipway.internal:5000' });
    expect(env).toContainEqual({ name: 'SLIPWAY_POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } });
    expect(at(builder, 'spec.template.spec.hostAliases')).toEqual([{ ip: '10.43.0.50', hostnames: ['registry.slipway.internal'] }]);
  });
  it('run builds in their own privileged namespace, with a quota, which only the builder may start Jobs in', () => {
    const ns = objs.find((o) => o.kind === 'Namespace' && o.metadata.name === 'slipway-builds')!;
    expect(ns.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'privileged' });
    expect(objs.find((o) => o.kind === 'Namespace' && o.metadata.name === 'slipway-system')!.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'baseline',
    });
    const quota = objs.find((o) => o.kind === 'ResourceQuota' && o.metadata.namespace === 'slipway-builds')!;
    expect(at(quota, 'spec.hard')).toMatchObject({ pods: '4' });
    const role = objs.find((o) => o.kind === 'Role' && o.metadata.name === 'slipway-builder-builds')!;
    expect(at(role, 'rules.0')).toEqual({ apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'watch', 'create', 'delete'] });
  });
  it('put the registry behind a Service every node reaches: a fixed ClusterIP for pods, a NodePort for the nodes', () => {
    const registry = objs.find((o) => o.kind === 'Deployment' && o.metadata.name === 'registry')!;
    expect(at(registry, 'spec.template.spec.hostNetwork')).toBeUndefined();
    expect(at(registry, 'spec.template.spec.containers.0.env')).toContainEqual({ name: 'REGISTRY_HTTP_ADDR', value: '0.0.0.0:5000' });
    const service = objs.find((o) => o.kind === 'Service' && o.metadata.name === 'registry')!;
    expect(at(service, 'spec')).toMatchObject({ type: 'NodePort', clusterIP: '10.43.0.50', ports: [{ port: 5000, nodePort: 30500 }] });
  });
  it('for a cluster without volumes or a registry in it (--test-cluster): the node pool, an emptyDir, no claims, no registry', () => {
    const test = renderBootstrap(BOOTSTRAP_DIR, {
      domain: 'builder-node.test',
      builderImage: 'localhost:5050/slipway-builder:abc',
      buildkitImage: 'registry.slipway.internal:5000/slipway/buildkit:v0.34.2-abc',
      registryIp: '10.96.0.50',
      nodeSelector: { 'slipway.dev/pool': 'real' },
      buildArgs: 'PYTHON_IMAGE=slipway-base/python:3.11',
      dataVolume: 'emptyDir',
      withoutRegistry: true,
    });
    const names = test.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(names).not.toContain('Deployment/registry');
    expect(names).not.toContain('Service/registry');
    expect(names.filter((n) => n.startsWith('PersistentVolumeClaim/'))).toEqual([]);
    expect(at(byKind(test, 'Ingress'), 'spec.rules.0.host')).toBe('builder.builder-node.test');
    const builder = test.find((o) => o.kind === 'Deployment' && o.metadata.name === 'slipway-builder')!;
    const pod = at(builder, 'spec.template.spec') as Record<string, unknown>;
    expect(pod).toMatchObject({
      nodeSelector: { 'slipway.dev/pool': 'real' },
      tolerations: [{ key: 'slipway.dev/pool', operator: 'Equal', value: 'real', effect: 'NoSchedule' }],
    });
    expect(pod.volumes).toContainEqual({ name: 'data', emptyDir: {} });
    expect(pod.hostAliases).toEqual([{ ip: '10.96.0.50', hostnames: ['registry.slipway.internal'] }]);
    const env = Object.fromEntries((at(builder, 'spec.template.spec.containers.0.env') as { name: string; value?: string }[]).map((e) => [e.name, e.value]));
    expect(env).toMatchObject({
      SLIPWAY_KUBE_NODE_SELECTOR: 'slipway.dev/pool=real',
      SLIPWAY_BUILD_ARGS: 'PYTHON_IMAGE=slipway-base/python:3.11',
    });
    // What k3s gets is unchanged by any of this.
    const k3s = objs.find((o) => o.kind === 'Deployment' && o.metadata.name === 'slipway-builder')!;
    expect(at(k3s, 'spec.template.spec.nodeSelector')).toBeUndefined();
    expect(at(k3s, 'spec.template.spec.volumes')).toContainEqual({ name: 'data', persistentVolumeClaim: { claimName: 'slipway-data' } });
  });
  it('need a public IP or a domain', () => {
    expect(() => renderBootstrap(BOOTSTRAP_DIR, { builderImage: 'i', buildkitImage: 'b' })).toThrow(/public IP address or a domain/);
  });
  it('contain no secret value: the Secret is made by the script from its environment', () => {
    expect(objs.some((o) => o.kind === 'Secret')).toBe(false);
    expect(renderBootstrapYaml(BOOTSTRAP_DIR, { publicIp: '203.0.113.7', builderImage: 'i', buildkitImage: 'b' })).not.toMatch(/sk-ant|slw_/);
  });
});
