// The BuildKit Job of one build, and the one-time handing over of its commit tree (no cluster: their shapes).
import { describe, expect, it } from 'vitest';
import { createBuildContexts } from '../../../src/pipeline/build-contexts.js';
import { jobFor, registryCredentialsSecret } from '../../../src/pipeline/build-in-cluster.js';
import { useRegistry } from '../../../src/build/registry-manifests.js';

const commit = 'abcdef0123456789abcdef0123456789abcdef01';

describe('build contexts', () => {
  it('are handed over once, to the right token, while they are fresh', () => {
    let now = 1_000;
    const contexts = createBuildContexts(() => now);
    const a = contexts.offer({ gitdir: '/data/repos/shop.git', commit }, 60_000);
    const id = a.path.split('/').at(-1)!;
    expect(a.path).toMatch(/^\/internal\/build-context\/ctx_[\w-]+$/);
    expect(contexts.take(id, 'slw_wrong')).toBeNull();
    expect(contexts.take(id, a.token)).toEqual({ gitdir: '/data/repos/shop.git', commit });
    expect(contexts.take(id, a.token)).toBeNull();

    const b = contexts.offer({ gitdir: '/data/repos/shop.git', commit }, 60_000);
    now += 60_001;
    expect(contexts.take(b.path.split('/').at(-1)!, b.token)).toBeNull();

    const c = contexts.offer({ gitdir: '/data/repos/shop.git', commit });
    expect(contexts.openOffers).toBe(1);
    c.withdraw();
    expect(contexts.openOffers).toBe(0);
  });
});

describe('the build Job', () => {
  const job = jobFor({
    app: 'shop',
    commit,
    image: `registry.slipway.internal:5000/shop:${commit.slice(0, 12)}`,
    repository: 'registry.slipway.internal:5000/shop',
    registry: 'registry.slipway.internal:5000',
    plainHttp: true,
    installation: 'inst1',
    offer: { path: '/internal/build-context/ctx_1', token: 'slw_secret' },
    buildArgs: { PYTHON_IMAGE: 'registry.slipway.internal:5000/slipway-base/python:3.11' },
    timeoutMs: 20 * 60_000,
    limits: { memoryBytes: 2 * 2 ** 30, cpus: 1.5 },
    settings: {
      image: 'registry.slipway.internal:5000/slipway/buildkit:v0.34.2-1',
      namespace: 'slipway-builds',
      contextUrl: 'http://10.42.0.9:8080',
      cache: true,
      registryIp: '10.96.0.50',
      nodeSelector: { 'kubernetes.io/hostname': 'real-node-1' },
      tolerate: { 'slipway.dev/pool': 'real', 'kubernetes.io/hostname': 'real-node-1' },
    },
    api: undefined as never,
    contexts: undefined as never,
  });
  const spec = (job.spec as { template: { spec: Record<string, any> } }).template.spec;
  const container = spec['containers'][0];
  const env = Object.fromEntries(container.env.map((e: { name: string; value: string }) => [e.name, e.value]));

  it('runs once in the build namespace, ends within the build timeout and is labelled with app and commit', () => {
    expect(job.metadata).toMatchObject({ generateName: 'build-shop-abcdef01-', namespace: 'slipway-builds' });
    expect(job.metadata.labels).toMatchObject({ 'slipway.dev/app': 'shop', 'slipway.dev/commit': commit.slice(0, 12) });
    expect(job.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 20 * 60 + 60 });
    expect(spec['restartPolicy']).toBe('Never');
    expect(spec['automountServiceAccountToken']).toBe(false);
  });

  it('tells the pod where its tree is, what to build and where to push, with the registry cache of the app', () => {
    expect(env).toEqual({
      SLIPWAY_CONTEXT_URL: 'http://10.42.0.9:8080/internal/build-context/ctx_1',
      SLIPWAY_CONTEXT_TOKEN: 'slw_secret',
      SLIPWAY_IMAGE: `registry.slipway.internal:5000/shop:${commit.slice(0, 12)}`,
      SLIPWAY_BUILD_ARGS: 'PYTHON_IMAGE=registry.slipway.internal:5000/slipway-base/python:3.11',
      SLIPWAY_CACHE_REF: 'registry.slipway.internal:5000/shop-cache:buildkit',
      SLIPWAY_INSECURE_REGISTRIES: 'registry.slipway.internal:5000',
    });
  });

  it('runs on the build nodes, resolves the registry name to its Service, and is held to the build limits', () => {
    expect(spec['nodeSelector']).toEqual({ 'kubernetes.io/hostname': 'real-node-1' });
    // Pinned to one node of the app pool, it still tolerates the pool's taint.
    expect(spec['tolerations']).toContainEqual({ key: 'slipway.dev/pool', operator: 'Equal', value: 'real', effect: 'NoSchedule' });
    expect(spec['hostAliases']).toEqual([{ ip: '10.96.0.50', hostnames: ['registry.slipway.internal'] }]);
    expect(container.resources.limits).toEqual({ cpu: '1500m', memory: '2048Mi' });
    expect(container.image).toBe('registry.slipway.internal:5000/slipway/buildkit:v0.34.2-1');
  });
});

describe('the build Job, for a registry that asks for credentials', () => {
  // A registry name of this test's own: the credentials Slipway holds are per registry, for the whole process.
  const registry = 'authed.registry.test:5000';
  useRegistry(registry, { auth: { username: 'slipway', password: 'pw-0123456789abcdef' } });
  const input: Parameters<typeof jobFor>[0] = {
    app: 'shop',
    commit,
    image: `${registry}/shop:${commit.slice(0, 12)}`,
    repository: `${registry}/shop`,
    registry,
    plainHttp: false,
    installation: 'inst1',
    offer: { path: '/internal/build-context/ctx_1', token: 'slw_secret' },
    buildArgs: {},
    timeoutMs: undefined,
    limits: undefined,
    settings: {
      image: 'bk',
      namespace: 'slipway-builds',
      contextUrl: 'http://10.42.0.9:8080',
      cache: false,
      registryIp: undefined,
      nodeSelector: {},
      tolerate: {},
    },
    api: undefined as never,
    contexts: undefined as never,
  };
  const spec = (jobFor(input).spec as { template: { spec: Record<string, any> } }).template.spec;
  const container = spec['containers'][0];

  it('reads them from a Secret mounted as Docker’s config.json, never from its environment', () => {
    expect(container.env).toContainEqual({ name: 'DOCKER_CONFIG', value: '/slipway/registry' });
    expect(JSON.stringify(container.env)).not.toContain('pw-0123456789abcdef');
    expect(container.volumeMounts).toContainEqual({ name: 'registry-credentials', mountPath: '/slipway/registry', readOnly: true });
    expect(spec['volumes']).toContainEqual({
      name: 'registry-credentials',
      secret: { secretName: 'slipway-registry-credentials', items: [{ key: '.dockerconfigjson', path: 'config.json' }] },
    });
  });

  it('that Secret holds the registry’s user and password as Docker writes them', () => {
    const secret = registryCredentialsSecret('slipway-builds', `${registry}/team`, { username: 'slipway', password: 'pw-0123456789abcdef' });
    expect(secret.metadata).toMatchObject({ name: 'slipway-registry-credentials', namespace: 'slipway-builds' });
    expect(secret.type).toBe('kubernetes.io/dockerconfigjson');
    const config = JSON.parse(Buffer.from(secret.data['.dockerconfigjson']!, 'base64').toString());
    expect(Object.keys(config.auths)).toEqual([registry]);
    expect(Buffer.from(config.auths[registry].auth, 'base64').toString()).toBe('slipway:pw-0123456789abcdef');
  });

  it('a registry without credentials gets no Secret', () => {
    const plain = jobFor({ ...input, image: 'r.test:1/shop:x', repository: 'r.test:1/shop', registry: 'r.test:1' });
    const plainSpec = (plain.spec as { template: { spec: { volumes: { name: string }[]; containers: { env: { name: string }[] }[] } } }).template.spec;
    expect(plainSpec.volumes.map((v) => v.name)).toEqual(['buildkit', 'workspace']);
    expect(plainSpec.containers[0]!.env.map((e) => e.name)).not.toContain('DOCKER_CONFIG');
  });
});
