// The Docker create options of an app container: environment variables, labels, limits and no privileges.
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import type { DeploySpec } from '../runtime.js';
import { LABELS, type ContainerRole } from './docker-labels.js';
import { memoryBytes, nanoCpus } from './parse-quantity.js';

/**
 * CPUs a new web container may use until its health check passes (then the environment's own limit applies,
 * before it gets traffic). Interpreted runtimes start several times faster with one CPU than with a quarter
 * (uvicorn + FastAPI: 1.4 s at 0.25 CPU, 0.37 s at 1 CPU), and a deploy is waiting on exactly that start.
 * The same idea as Kubernetes' startup CPU boost; memory and every other limit apply from the first moment.
 */
const STARTUP_CPUS = 1;

export function containerConfig(
  spec: DeploySpec,
  o: { name: string; role: ContainerRole; network: string; installation: string; dataDir?: string | undefined },
): Docker.ContainerCreateOptions {
  const { settings, environment: env } = spec;
  const { role } = o;
  const port = `${settings.port}/tcp`;
  const envVars = {
    PORT: String(settings.port),
    ...settings.env,
    ...spec.secrets,
    SLIPWAY_APP: spec.app,
    SLIPWAY_ENVIRONMENT: env.name,
    SLIPWAY_COMMIT: spec.commit,
  };
  const config: Docker.ContainerCreateOptions = {
    name: o.name,
    Image: spec.image,
    Env: Object.entries(envVars).map(([k, v]) => `${k}=${v}`),
    Labels: {
      [LABELS.managed]: 'true',
      [LABELS.installation]: o.installation,
      [LABELS.app]: spec.app,
      [LABELS.env]: env.name,
      [LABELS.commit]: spec.commit,
      [LABELS.deployment]: spec.deploymentId,
      [LABELS.role]: role,
      ...(o.dataDir ? { [LABELS.dataDir]: o.dataDir } : {}),
    },
    ...(role === 'web' ? { ExposedPorts: { [port]: {} } } : {}),
    HostConfig: {
      ...(role === 'web' ? { PortBindings: { [port]: [{ HostIp: '127.0.0.1', HostPort: '' }] } } : {}),
      Memory: memoryBytes(env.resources.memory),
      MemorySwap: memoryBytes(env.resources.memory),
      // A web container starts with a start-up boost (see STARTUP_CPUS) and gets its limit once healthy.
      NanoCpus: role === 'web' ? Math.max(nanoCpus(env.resources.cpu), STARTUP_CPUS * 1e9) : nanoCpus(env.resources.cpu),
      PidsLimit: 256,
      Privileged: false,
      SecurityOpt: ['no-new-privileges:true'],
      // Only what web servers need to drop root for their workers (nginx, uvicorn under a user).
      CapDrop: ['ALL'],
      CapAdd: ['CHOWN', 'SETUID', 'SETGID', 'DAC_OVERRIDE', 'FOWNER', 'NET_BIND_SERVICE'],
      // slipway.yaml readOnly: the image's files as built, and only its writable folders in memory, empty each start.
      ...(settings.readOnly
        ? { ReadonlyRootfs: true, Tmpfs: Object.fromEntries((settings.writable ?? ['/tmp']).map((p) => [p, 'rw,nosuid,nodev,size=64m'])) }
        : {}),
      RestartPolicy: role === 'web' ? { Name: 'unless-stopped' } : { Name: 'no' },
      NetworkMode: o.network,
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '2' } },
    },
  };
  config.Labels![LABELS.configHash] = configHash(config);
  return config;
}

/** The hash of a create request without its name and deployment: equal for two deploys that would run the same. */
function configHash(config: Docker.ContainerCreateOptions): string {
  const { name: _name, Labels, ...rest } = config;
  const { [LABELS.deployment]: _deployment, ...labels } = Labels ?? {};
  return createHash('sha256')
    .update(JSON.stringify({ ...rest, Labels: labels }))
    .digest('hex')
    .slice(0, 32);
}
