// Reads the manifest templates (k8s/templates/*.yaml) once, at start-up, so that a missing or
// unreadable template is a configuration error then and not a failed deploy later.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../shared/errors.js';
import { parseManifests, renderTemplate, type TemplateValues } from './render-template.js';
import type { KubeObject } from './kube-api.js';

export const TEMPLATE_NAMES = [
  'namespace',
  'resource-quota',
  'limit-range',
  'network-policy',
  'role-binding',
  'config-map',
  'secret',
  'deployment',
  'service',
  'ingress',
  'pod-disruption-budget',
  'ingress-tls',
  'tls-secret',
  'acme-challenges',
  'cron-job',
] as const;

export type TemplateName = (typeof TEMPLATE_NAMES)[number];

export interface Templates {
  readonly dir: string;
  /** Renders one template into its object. */
  render(name: TemplateName, values: TemplateValues): KubeObject;
}

export function loadTemplates(dir: string): Templates {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch (e) {
    throw new ConfigError(`cannot read the Kubernetes manifest templates in ${dir}: ${(e as Error).message}`);
  }
  const texts = new Map<TemplateName, string>();
  for (const name of TEMPLATE_NAMES) {
    if (!files.includes(`${name}.yaml`)) throw new ConfigError(`${dir}/${name}.yaml is missing (a Kubernetes manifest template)`);
    texts.set(name, readFileSync(join(dir, `${name}.yaml`), 'utf8'));
  }
  return {
    dir,
    render(name, values) {
      const file = `${name}.yaml`;
      const objects = parseManifests(file, renderTemplate(file, texts.get(name) ?? '', values));
      if (objects.length !== 1) throw new ConfigError(`${dir}/${file}: expected exactly one object, found ${objects.length}`);
      return objects[0]!;
    },
  };
}
