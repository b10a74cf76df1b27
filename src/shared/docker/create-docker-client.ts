// The dockerode client for the configured Docker Engine, and how to name that engine in messages.
import Docker from 'dockerode';
import { ConfigError } from '../errors.js';

/** What configuration says about Docker (`config.docker`): SLIPWAY_DOCKER_SOCKET, then DOCKER_HOST. */
export interface DockerEndpoint {
  readonly socketPath?: string | undefined;
  readonly host?: string | undefined;
}

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

type ResolvedEndpoint = { kind: 'unix'; socketPath: string } | { kind: 'tcp'; protocol: 'http' | 'https'; hostname: string; port: number };

function resolveEndpoint(endpoint: DockerEndpoint): ResolvedEndpoint {
  if (endpoint.socketPath) return { kind: 'unix', socketPath: endpoint.socketPath };
  const host = endpoint.host;
  if (!host) return { kind: 'unix', socketPath: DEFAULT_DOCKER_SOCKET };
  if (host.startsWith('unix://')) return { kind: 'unix', socketPath: host.slice('unix://'.length) || DEFAULT_DOCKER_SOCKET };
  let url: URL;
  try {
    url = new URL(host.includes('://') ? host : `tcp://${host}`);
  } catch {
    throw new ConfigError(`DOCKER_HOST="${host}": expected unix:///path/to/docker.sock or tcp://HOST:PORT`);
  }
  if (!['tcp:', 'http:', 'https:'].includes(url.protocol) || url.hostname === '') {
    throw new ConfigError(
      `DOCKER_HOST="${host}": expected unix:///path/to/docker.sock or tcp://HOST:PORT (${url.protocol.replace(/:$/, '')} is not supported)`,
    );
  }
  // Docker's own convention: 2376 is the TLS port, 2375 plain HTTP.
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 2376 : 2375;
  const protocol = url.protocol === 'https:' || port === 2376 ? 'https' : 'http';
  return { kind: 'tcp', protocol, hostname: url.hostname.replace(/^\[|\]$/g, ''), port };
}

/** The engine's address as people write it, for messages: `unix:///var/run/docker.sock`, `tcp://10.0.0.5:2375`. */
export function describeDockerEndpoint(endpoint: DockerEndpoint): string {
  const r = resolveEndpoint(endpoint);
  return r.kind === 'unix' ? `unix://${r.socketPath}` : `tcp://${r.hostname.includes(':') ? `[${r.hostname}]` : r.hostname}:${r.port}`;
}

export function createDockerClient(endpoint: DockerEndpoint): Docker {
  const r = resolveEndpoint(endpoint);
  // docker-modem merges its own defaults read from the environment (DOCKER_HOST, DOCKER_CLIENT_TIMEOUT) under
  // these options, so every connection setting is given explicitly, undefined included, to make config win.
  // TLS client certificates for https are still taken by docker-modem from DOCKER_CERT_PATH.
  if (r.kind === 'unix') return new Docker({ socketPath: r.socketPath, host: undefined, port: undefined, protocol: 'http', timeout: undefined });
  return new Docker({ socketPath: undefined, host: r.hostname, port: r.port, protocol: r.protocol, timeout: undefined });
}

/** Names the engine a client talks to, from the client itself (for errors raised where only the client is known). */
export function describeDockerClient(docker: Docker): string {
  const modem = docker.modem as { socketPath?: unknown; host?: unknown; port?: unknown };
  if (typeof modem.host === 'string' && modem.host !== '') {
    return describeDockerEndpoint({ host: `tcp://${modem.host.includes(':') ? `[${modem.host}]` : modem.host}:${String(modem.port ?? 2375)}` });
  }
  return describeDockerEndpoint({ socketPath: typeof modem.socketPath === 'string' ? modem.socketPath : DEFAULT_DOCKER_SOCKET });
}
