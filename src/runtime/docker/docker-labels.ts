// Labels on everything the Docker runtime creates. Names say which container serves; labels say whose it is,
// so listings filter on them and never parse a name.
export const LABELS = {
  managed: 'slipway.managed',
  /** The installation (see DockerRuntimeOptions.installation); the key predates the word and is kept for existing containers. */
  installation: 'slipway.instance',
  app: 'slipway.app',
  env: 'slipway.environment',
  commit: 'slipway.commit',
  deployment: 'slipway.deployment',
  role: 'slipway.role',
  /**
   * A hash of everything a container was created with but its name and deployment (image, variables, secrets,
   * limits): a warm container serves a rollback only when a new one would be created the same.
   */
  configHash: 'slipway.config-hash',
  /** The data folder of the installation (its `installation.id` there says whether it still exists). */
  dataDir: 'slipway.data-dir',
} as const;

export type ContainerRole = 'web' | 'job' | 'job-run';

/** Label filters matching what one installation owns. */
export function ownedBy(installation: string): string[] {
  return [`${LABELS.managed}=true`, `${LABELS.installation}=${installation}`];
}
