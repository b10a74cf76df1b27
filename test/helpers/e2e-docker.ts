// What the real Docker Engine holds for an app, seen with the docker CLI on the default socket (independently
// of Slipway's own client), and removing all of it after a test.
import { derivedInstallationId, recordedInstallationId } from '../../src/shared/installation-id.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { servingName } from '../../src/runtime/docker/container-names.js';
import { createFirewall } from '../../src/runtime/docker/firewall.js';
import { createLogger } from '../../src/shared/log.js';

const run = promisify(execFile);

export interface AppContainer {
  name: string;
  state: string;
  commit: string;
}

/** The installation id of a server on `dataDir` (a hash of the data folder, as src/compose.ts makes it). */
export function installationOf(dataDir: string): string {
  return recordedInstallationId(dataDir) ?? derivedInstallationId(dataDir);
}

/** The name of what serves an environment for a server on `dataDir`. */
export function servingContainerName(dataDir: string, app: string, environment = 'preview'): string {
  return servingName(installationOf(dataDir), app, environment);
}

/**
 * The networks a server on `dataDir` left (its build network outlives its apps by design) and their firewall rules:
 * every test server is an installation of its own, and Docker's address pools hold about thirty networks.
 */
export async function removeInstallationFromDocker(dataDir: string): Promise<void> {
  const { stdout } = await run('docker', ['network', 'ls', '-q', '--filter', `label=slipway.instance=${installationOf(dataDir)}`]);
  const firewall = createFirewall({ enabled: true, log: createLogger('warn'), path: process.env.PATH ?? '' });
  for (const id of stdout.split('\n').filter(Boolean)) {
    const info = await run('docker', ['network', 'inspect', '-f', '{{index .Options "com.docker.network.bridge.name"}}', id]);
    const removed = await run('docker', ['network', 'rm', id]).then(
      () => true,
      () => false,
    );
    const bridge = info.stdout.trim();
    if (removed && bridge.startsWith('sw-')) await firewall.remove(bridge);
  }
}

/** Every container labelled with the app (running or not): `docker ps -a --filter label=slipway.app=APP`. */
export async function containersOf(app: string): Promise<AppContainer[]> {
  const { stdout } = await run('docker', [
    'ps',
    '-a',
    '--filter',
    `label=slipway.app=${app}`,
    '--format',
    '{{.Names}}\t{{.State}}\t{{.Label "slipway.commit"}}',
  ]);
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name = '', state = '', commit = ''] = line.split('\t');
      return { name, state, commit };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Containers, networks and images of the app, whatever Slipway managed to do before a test ended. */
export async function removeAppFromDocker(app: string): Promise<void> {
  const ids = async (args: string[]) => (await run('docker', args)).stdout.split('\n').filter(Boolean);
  const containers = await ids(['ps', '-aq', '--filter', `label=slipway.app=${app}`]);
  if (containers.length > 0) await run('docker', ['rm', '-f', ...containers]);
  const networks = await ids(['network', 'ls', '-q', '--filter', `label=slipway.app=${app}`]);
  if (networks.length > 0) await run('docker', ['network', 'rm', ...networks]).catch(() => undefined);
  const images = await ids(['images', '-q', `slipway/${app}`]);
  if (images.length > 0) await run('docker', ['rmi', '-f', ...new Set(images)]).catch(() => undefined);
}

/** A fresh app name per run: images are named after the app, and names must not meet those of earlier runs. */
export function uniqueAppName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${process.pid.toString(36)}`.slice(0, 40);
}
