// Renders k8s/bootstrap/*.yaml (the builder, its RBAC and admission policy, the registry) with
// the machine's values. scripts/bootstrap-cluster.sh runs this inside the builder image it has
// just built, so the host needs no Node.js; tests render and dry-run apply the same files.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from './kube-api.js';
import { nipIoDomain } from './nip-io-domain.js';
import { parseManifests, renderTemplate, type TemplateValues } from './render-template.js';

export interface BootstrapSettings {
  /** The machine's public IPv4 address. */
  publicIp: string;
  /** Overrides `<ip-with-dashes>.nip.io`. */
  domain?: string;
  /** e.g. localhost:5050/slipway-builder:0123456789ab */
  builderImage: string;
  dataStorage?: string;
}

export function bootstrapValues(s: BootstrapSettings): TemplateValues {
  const domain = s.domain ?? nipIoDomain(s.publicIp);
  return {
    domain,
    builderHost: `builder.${domain}`,
    publicUrl: `http://builder.${domain}`,
    builderImage: s.builderImage,
    dataStorage: s.dataStorage ?? '10Gi',
  };
}

/** The rendered files, in file-name order (namespace first), as one multi-document YAML text. */
export function renderBootstrapYaml(dir: string, settings: BootstrapSettings): string {
  const values = bootstrapValues(settings);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  return files.map((f) => `# ${f}\n${renderTemplate(f, readFileSync(join(dir, f), 'utf8'), values).trim()}\n`).join('---\n');
}

export function renderBootstrap(dir: string, settings: BootstrapSettings): KubeObject[] {
  return parseManifests('k8s/bootstrap', renderBootstrapYaml(dir, settings));
}
