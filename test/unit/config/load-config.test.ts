import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.host).toBe('127.0.0.1');
    expect(c.domain).toBe('localhost');
    expect(c.dataDir).toBe(join(process.cwd(), 'data'));
    expect(c.runtime).toBe('docker');
    expect(c.adminToken).toBeUndefined();
    expect(c.publicUrl).toBe('http://localhost:8080');
    expect(c.environments.map((e) => e.name)).toEqual(['preview', 'prod']);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.environments[0])).toBe(true);
  });

  it.each([
    [{ SLIPWAY_PORT: 'eighty' }, /SLIPWAY_PORT="eighty": expected a port number/],
    [{ SLIPWAY_PORT: '70000' }, /SLIPWAY_PORT/],
    [{ SLIPWAY_RUNTIME: 'podman' }, /SLIPWAY_RUNTIME="podman": expected docker or kubernetes/],
    [{ SLIPWAY_DOMAIN: 'bad domain!' }, /SLIPWAY_DOMAIN/],
    [{ SLIPWAY_ADMIN_TOKEN: 'short' }, /SLIPWAY_ADMIN_TOKEN: expected at least 16/],
    [{ SLIPWAY_BUILD_ARGS: 'NOPE' }, /SLIPWAY_BUILD_ARGS: "NOPE" is not KEY=VALUE/],
    [{ SLIPWAY_PIPELINE_PAUSED: 'maybe' }, /SLIPWAY_PIPELINE_PAUSED="maybe": expected true or false/],
    [{ SLIPWAY_KUBE_NODE_SELECTOR: 'pool' }, /SLIPWAY_KUBE_NODE_SELECTOR="pool": expected node labels/],
    [{ SLIPWAY_KUBE_NODE_SELECTOR: 'a=1,a=2' }, /SLIPWAY_KUBE_NODE_SELECTOR/],
    [{ SLIPWAY_KUBE_NODE_SELECTOR: 'pool=has space' }, /SLIPWAY_KUBE_NODE_SELECTOR/],
    [{ SLIPWAY_KUBE_ACME_SERVICE: 'slipway' }, /SLIPWAY_KUBE_ACME_SERVICE="slipway": expected NAMESPACE\/SERVICE/],
    [{ SLIPWAY_KUBE_ACME_SERVICE: 'a/b:70000' }, /SLIPWAY_KUBE_ACME_SERVICE/],
    [{ SLIPWAY_KUBE_ACME_SERVICE: 'A/b' }, /SLIPWAY_KUBE_ACME_SERVICE/],
    [{ SLIPWAY_BUILD_MEMORY: 'lots' }, /SLIPWAY_BUILD_MEMORY="lots": expected a memory size of at least 32m/],
    [{ SLIPWAY_BUILD_MEMORY: '1m' }, /SLIPWAY_BUILD_MEMORY/],
    [{ SLIPWAY_BUILD_CPUS: '0' }, /SLIPWAY_BUILD_CPUS="0": expected a number of CPUs/],
    [{ SLIPWAY_BUILD_PIDS: 'many' }, /SLIPWAY_BUILD_PIDS="many": expected a whole number from 16 to 4194304/],
    [{ SLIPWAY_BUILD_PIDS: '8' }, /SLIPWAY_BUILD_PIDS="8": expected a whole number from 16/],
    [{ SLIPWAY_BUILD_PIDS: '1.5' }, /SLIPWAY_BUILD_PIDS="1.5"/],
    [{ SLIPWAY_BUILD_PIDS: '4194305' }, /SLIPWAY_BUILD_PIDS="4194305"/],
    [{ SLIPWAY_BUILD_CONCURRENCY: '0' }, /SLIPWAY_BUILD_CONCURRENCY="0": expected a whole number from 1 to 1024/],
    [{ SLIPWAY_BUILD_CONCURRENCY: 'all' }, /SLIPWAY_BUILD_CONCURRENCY="all"/],
    [{ SLIPWAY_MAX_PUSH_MB: '0' }, /SLIPWAY_MAX_PUSH_MB/],
    [{ SLIPWAY_BODY_TIMEOUT: 'soon' }, /SLIPWAY_BODY_TIMEOUT/],
  ])('names the variable and what was expected: %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('reads where backups go, how many are kept and their schedule (cron, five fields)', () => {
    expect(loadConfig({ SLIPWAY_DATA_DIR: '/srv/slipway' }).backup).toEqual({ dir: '/srv/slipway/backups', keep: 7, schedule: undefined });
    expect(loadConfig({ SLIPWAY_BACKUP_DIR: '/mnt/backups', SLIPWAY_BACKUP_KEEP: '30', SLIPWAY_BACKUP_SCHEDULE: '0 3 * * *' }).backup).toEqual({
      dir: '/mnt/backups',
      keep: 30,
      schedule: '0 3 * * *',
    });
    expect(() => loadConfig({ SLIPWAY_BACKUP_SCHEDULE: 'daily' })).toThrow(
      /SLIPWAY_BACKUP_SCHEDULE="daily": expected a cron expression such as "0 3 \* \* \*"/,
    );
    expect(() => loadConfig({ SLIPWAY_BACKUP_SCHEDULE: '* * * * * *' })).toThrow(/SLIPWAY_BACKUP_SCHEDULE.*expected 5 fields/);
    expect(() => loadConfig({ SLIPWAY_BACKUP_SCHEDULE: '0 25 * * *' })).toThrow(/SLIPWAY_BACKUP_SCHEDULE="0 25 \* \* \*"/);
    expect(() => loadConfig({ SLIPWAY_BACKUP_KEEP: '0' })).toThrow(/SLIPWAY_BACKUP_KEEP="0": expected a whole number from 1/);
  });

  it('chooses kubernetes in a cluster, docker otherwise', () => {
    expect(loadConfig({ KUBERNETES_SERVICE_HOST: '10.0.0.1', SLIPWAY_BUILDER: 'docker' }).runtime).toBe('kubernetes');
    expect(loadConfig({ SLIPWAY_RUNTIME: 'docker', KUBERNETES_SERVICE_HOST: '10.0.0.1' }).runtime).toBe('docker');
  });

  const buildkitEnv = {
    SLIPWAY_RUNTIME: 'kubernetes',
    SLIPWAY_REGISTRY: 'registry.slipway.internal:5000',
    SLIPWAY_BUILDKIT_IMAGE: 'registry.slipway.internal:5000/slipway/buildkit:v0.34.2-1',
    SLIPWAY_POD_IP: '10.42.1.7',
    SLIPWAY_PORT: '8080',
  };

  it('builds with BuildKit in Jobs on Kubernetes and with Docker otherwise, unless told', () => {
    expect(loadConfig({}).build.engine).toBe('docker');
    const c = loadConfig(buildkitEnv);
    expect(c.build.engine).toBe('buildkit');
    // In a cluster, build pods reach the builder pod at its own address (the downward API's SLIPWAY_POD_IP).
    expect(c.build.buildkit).toMatchObject({ namespace: 'slipway-builds', contextUrl: 'http://10.42.1.7:8080', cache: true, nodeSelector: {} });
    expect(loadConfig({ ...buildkitEnv, SLIPWAY_BUILDER: 'docker' }).build.engine).toBe('docker');
    const tuned = loadConfig({
      ...buildkitEnv,
      SLIPWAY_BUILD_CONTEXT_URL: 'http://10.96.0.2:4000/',
      SLIPWAY_BUILD_CACHE: 'none',
      SLIPWAY_KUBE_NODE_SELECTOR: 'slipway.dev/pool=real',
      SLIPWAY_BUILD_NODE_SELECTOR: 'kubernetes.io/hostname=real-node-1',
      SLIPWAY_KUBE_REGISTRY_IP: '10.96.0.50',
      SLIPWAY_REGISTRY_URL: 'http://127.0.0.1:5050',
    });
    expect(tuned.build.registryUrl).toBe('http://127.0.0.1:5050');
    expect(tuned.build.buildkit).toMatchObject({
      contextUrl: 'http://10.96.0.2:4000',
      cache: false,
      registryIp: '10.96.0.50',
      nodeSelector: { 'kubernetes.io/hostname': 'real-node-1' },
      tolerate: { 'slipway.dev/pool': 'real', 'kubernetes.io/hostname': 'real-node-1' },
    });
  });

  it('refuses a BuildKit set-up that could not build, saying what is missing', () => {
    const { SLIPWAY_REGISTRY: _r, ...noRegistry } = buildkitEnv;
    expect(() => loadConfig(noRegistry)).toThrow(/SLIPWAY_BUILDER=buildkit needs SLIPWAY_REGISTRY/);
    const { SLIPWAY_BUILDKIT_IMAGE: _i, ...noImage } = buildkitEnv;
    expect(() => loadConfig(noImage)).toThrow(/needs SLIPWAY_BUILDKIT_IMAGE.*scripts\/buildkit-image\.sh/);
    const { SLIPWAY_POD_IP: _p, ...noWayBack } = buildkitEnv;
    expect(() => loadConfig(noWayBack)).toThrow(/needs SLIPWAY_BUILD_CONTEXT_URL/);
    expect(() => loadConfig({ SLIPWAY_BUILDER: 'buildkit' })).toThrow(/needs SLIPWAY_RUNTIME=kubernetes/);
    expect(() => loadConfig({ SLIPWAY_BUILDER: 'kaniko' })).toThrow(/SLIPWAY_BUILDER="kaniko": expected docker or buildkit/);
    expect(() => loadConfig({ ...buildkitEnv, SLIPWAY_BUILD_NAMESPACE: 'app-builds' })).toThrow(/not starting with app-/);
    expect(() => loadConfig({ ...buildkitEnv, SLIPWAY_BUILD_CACHE: 'local' })).toThrow(/expected registry or none/);
    expect(() => loadConfig({ ...buildkitEnv, SLIPWAY_REGISTRY_URL: 'ftp://x' })).toThrow(/SLIPWAY_REGISTRY_URL="ftp:\/\/x"/);
  });

  it('reads the log format: pretty unless json is asked for', () => {
    expect(loadConfig({}).logFormat).toBe('pretty');
    expect(loadConfig({ SLIPWAY_LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(() => loadConfig({ SLIPWAY_LOG_FORMAT: 'logfmt' })).toThrow(/SLIPWAY_LOG_FORMAT="logfmt": expected pretty or json/);
  });

  it('reads the registry’s credentials: both or neither, only with a registry, never a malformed user', () => {
    expect(loadConfig({ SLIPWAY_REGISTRY: 'localhost:5050' }).build.registryAuth).toBeUndefined();
    expect(
      loadConfig({ SLIPWAY_REGISTRY: 'localhost:5050', SLIPWAY_REGISTRY_USER: 'slipway', SLIPWAY_REGISTRY_PASSWORD: 'p@ss word:1' }).build.registryAuth,
    ).toEqual({ username: 'slipway', password: 'p@ss word:1' });
    expect(() => loadConfig({ SLIPWAY_REGISTRY: 'localhost:5050', SLIPWAY_REGISTRY_USER: 'slipway' })).toThrow(
      /SLIPWAY_REGISTRY_PASSWORD is not set: the registry's credentials are a user and a password, both or neither/,
    );
    expect(() => loadConfig({ SLIPWAY_REGISTRY: 'localhost:5050', SLIPWAY_REGISTRY_PASSWORD: 'x' })).toThrow(/SLIPWAY_REGISTRY_USER is not set/);
    expect(() => loadConfig({ SLIPWAY_REGISTRY_USER: 'slipway', SLIPWAY_REGISTRY_PASSWORD: 'secret-value' })).toThrow(/SLIPWAY_REGISTRY is not/);
    expect(() => loadConfig({ SLIPWAY_REGISTRY: 'localhost:5050', SLIPWAY_REGISTRY_USER: 'a:b', SLIPWAY_REGISTRY_PASSWORD: 'x' })).toThrow(
      /SLIPWAY_REGISTRY_USER: expected 1–100 characters without ":"/,
    );
    // The password is never repeated in an error.
    expect(() => loadConfig({ SLIPWAY_REGISTRY: 'localhost:5050', SLIPWAY_REGISTRY_USER: 'u', SLIPWAY_REGISTRY_PASSWORD: 'bad\nsecret' })).toThrow(
      /^SLIPWAY_REGISTRY_PASSWORD: expected at most 512 characters and no control characters$/,
    );
  });

  it('reads the nodes app pods may run on', () => {
    expect(loadConfig({}).kubernetes.nodeSelector).toEqual({});
    expect(loadConfig({ SLIPWAY_KUBE_NODE_SELECTOR: 'slipway.dev/pool=apps, zone=a' }).kubernetes.nodeSelector).toEqual({
      'slipway.dev/pool': 'apps',
      zone: 'a',
    });
  });

  it('reads where ACME challenges go in a cluster: the builder’s Service unless set', () => {
    expect(loadConfig({}).kubernetes.acmeService).toBeUndefined();
    expect(loadConfig({ SLIPWAY_KUBE_ACME_SERVICE: 'edge/slipway' }).kubernetes.acmeService).toEqual({ namespace: 'edge', name: 'slipway', port: 'http' });
    expect(loadConfig({ SLIPWAY_KUBE_ACME_SERVICE: 'edge/slipway:8080' }).kubernetes.acmeService).toEqual({ namespace: 'edge', name: 'slipway', port: 8080 });
    expect(loadConfig({ SLIPWAY_KUBE_ACME_SERVICE: 'edge/slipway:web' }).kubernetes.acmeService).toEqual({ namespace: 'edge', name: 'slipway', port: 'web' });
  });

  it('reads the limits of builds, pushes and connections', () => {
    const c = loadConfig({
      SLIPWAY_BUILD_MEMORY: '512m',
      SLIPWAY_BUILD_CPUS: '1.5',
      SLIPWAY_BUILD_PIDS: '200',
      SLIPWAY_BUILD_TIMEOUT: '5',
      SLIPWAY_MAX_PUSH_MB: '10',
    });
    expect(c.build).toMatchObject({ memoryBytes: 512 * 2 ** 20, cpus: 1.5, pids: 200, timeoutMs: 5 * 60_000 });
    expect(c.maxPushBytes).toBe(10 * 2 ** 20);
    expect(loadConfig({}).build.memoryBytes).toBe(2 * 2 ** 30);
    expect(loadConfig({}).build.pids).toBe(512);
    expect(loadConfig({ SLIPWAY_BUILD_PIDS: ' 16 ' }).build.pids).toBe(16);
    expect(loadConfig({}).build.concurrency).toBe(availableParallelism());
    expect(loadConfig({ SLIPWAY_BUILD_CONCURRENCY: '3' }).build.concurrency).toBe(3);
    expect(loadConfig({}).limits).toEqual({ headersTimeoutMs: 20_000, bodyTimeoutMs: 30_000, maxConnections: 1000, maxStreamsPerToken: 20 });
  });

  it('parses build arguments', () => {
    expect(loadConfig({ SLIPWAY_BUILD_ARGS: 'PYTHON_IMAGE=base/python:3,NGINX_IMAGE=base/nginx:1' }).build.buildArgs).toEqual({
      PYTHON_IMAGE: 'base/python:3',
      NGINX_IMAGE: 'base/nginx:1',
    });
  });

  it('names the environment file and the field that is wrong', () => {
    const dir = mkdtempSync(join(tmpdir(), 'envs-'));
    writeFileSync(join(dir, 'staging.yaml'), 'ref: main\nhost: "{app}-staging.{domain}"\nresources: {cpu: 1, memory: 1Gi}\n');
    expect(() => loadConfig({ SLIPWAY_ENVIRONMENTS_DIR: dir })).toThrow(/staging\.yaml: ref: a branch ref such as refs\/heads\/main/);
    writeFileSync(join(dir, 'staging.yaml'), 'ref: refs/heads/staging\nhost: "{app}-staging.{domain}"\nresources: {cpu: 1, memory: 1Gi}\nreplicas: many\n');
    expect(() => loadConfig({ SLIPWAY_ENVIRONMENTS_DIR: dir })).toThrow(/staging\.yaml: replicas/);
    writeFileSync(join(dir, 'staging.yaml'), 'ref: [unclosed\n');
    expect(() => loadConfig({ SLIPWAY_ENVIRONMENTS_DIR: dir })).toThrow(/staging\.yaml: not valid YAML/);
  });

  it('reads a new environment file with its defaults', () => {
    const dir = mkdtempSync(join(tmpdir(), 'envs-'));
    writeFileSync(join(dir, 'staging.yaml'), 'ref: refs/heads/staging\nhost: "{app}-staging.{domain}"\nresources: {cpu: 1, memory: 1Gi}\n');
    const [staging] = loadConfig({ SLIPWAY_ENVIRONMENTS_DIR: dir }).environments;
    expect(staging).toMatchObject({
      name: 'staging',
      ref: 'refs/heads/staging',
      replicas: 1,
      resources: { cpu: '1', memory: '1Gi' },
      health: { path: '/health' },
    });
  });
});
