// Renders the manifest templates of k8s/templates/: YAML files in which a value may be a
// placeholder `{{ name }}` (or `{{ a.b }}`) standing for one whole value, never part of one.
//
// Each value goes in as JSON, which is YAML that every YAML version reads the same way: a string
// is always double-quoted, so `yes`, `on`, `0755`, `1e3` or `12:30` stay strings for Kubernetes'
// YAML 1.1 reader too, and maps and lists go in as flow collections. Composite strings (a host
// name, a selector) are built in TypeScript and passed as one value, so no template ever glues
// text together, and nothing from outside (app names, env vars, secrets) is ever read as a template.
import YAML from 'yaml';
import { SlipwayError } from '../../shared/errors.js';
import type { KubeObject } from './kube-api.js';

export type TemplateValue = string | number | boolean | null | readonly TemplateValue[] | { readonly [key: string]: TemplateValue };
export type TemplateValues = { readonly [key: string]: TemplateValue };

export class TemplateError extends SlipwayError {
  constructor(message: string) {
    super('CONFIG', message);
  }
}

// indentation, an optional list dash, an optional `key: `, then the placeholder alone (a comment may follow).
const WHOLE_VALUE = /^(\s*(?:- +)?(?:[^\s#{}][^#{}]*?: +)?)\{\{ *([A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*) *\}\}( +#.*)?\s*$/;

function lookup(values: TemplateValues, path: string): TemplateValue | undefined {
  let at: TemplateValue | undefined = values;
  for (const key of path.split('.')) {
    if (at === null || typeof at !== 'object' || Array.isArray(at)) return undefined;
    at = (at as { readonly [key: string]: TemplateValue })[key];
  }
  return at;
}

function checkFinite(value: TemplateValue, where: string): void {
  if (typeof value === 'number' && !Number.isFinite(value)) throw new TemplateError(`${where}: ${value} is not a number YAML can hold`);
  if (value && typeof value === 'object') for (const v of Object.values(value)) checkFinite(v, where);
}

/** Replaces every placeholder of `text` with its value from `values`; `name` is for messages. */
export function renderTemplate(name: string, text: string, values: TemplateValues): string {
  return text
    .split('\n')
    .map((line, i) => {
      if (!line.includes('{{')) return line;
      const where = `${name}:${i + 1}`;
      const m = WHOLE_VALUE.exec(line);
      if (!m) throw new TemplateError(`${where}: a placeholder must be a whole value on its own line ("key: {{ name }}" or "- {{ name }}"): ${line.trim()}`);
      const [, before, path] = m as unknown as [string, string, string];
      const value = lookup(values, path);
      if (value === undefined) throw new TemplateError(`${where}: no value for {{ ${path} }}`);
      checkFinite(value, where);
      return before + JSON.stringify(value);
    })
    .join('\n');
}

/**
 * Parses rendered YAML into objects, with YAML 1.1 rules as Kubernetes' reader does. Every
 * document must be one object with apiVersion, kind and metadata.name.
 */
export function parseManifests(name: string, text: string): KubeObject[] {
  const docs = YAML.parseAllDocuments(text, { version: '1.1', uniqueKeys: true, prettyErrors: false });
  const out: KubeObject[] = [];
  for (const doc of docs) {
    const problem = doc.errors[0] ?? doc.warnings[0];
    if (problem) throw new TemplateError(`${name}: ${problem.message}`);
    const value: unknown = doc.toJS({ maxAliasCount: 0 });
    if (value === null || value === undefined) continue;
    const obj = value as Partial<KubeObject>;
    if (
      typeof obj !== 'object' ||
      Array.isArray(obj) ||
      typeof obj.apiVersion !== 'string' ||
      typeof obj.kind !== 'string' ||
      typeof obj.metadata?.name !== 'string'
    ) {
      throw new TemplateError(`${name}: every document must be a Kubernetes object with apiVersion, kind and metadata.name`);
    }
    out.push(obj as KubeObject);
  }
  return out;
}
