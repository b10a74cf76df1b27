// The app templates shipped in app-templates/, listed by app-templates/templates.yaml.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { ConfigError } from '../shared/errors.js';

export interface AppTemplate {
  name: string;
  title: string;
  description: string;
  kind: 'web' | 'job';
  dir: string;
}

export function loadTemplates(templatesDir: string): AppTemplate[] {
  const file = join(templatesDir, 'templates.yaml');
  let raw: unknown;
  try {
    raw = YAML.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(`${file}: ${(e as Error).message}`);
  }
  const list = (raw as { templates?: unknown } | null)?.templates;
  if (!Array.isArray(list)) throw new ConfigError(`${file}: expected a "templates:" list`);
  return list.map((t: unknown, i) => {
    const v = t as Partial<Record<keyof AppTemplate, unknown>>;
    if (typeof v.name !== 'string' || !/^[a-z0-9-]+$/.test(v.name)) throw new ConfigError(`${file}: templates[${i}].name is missing or invalid`);
    const dir = join(templatesDir, v.name);
    if (!existsSync(join(dir, 'Dockerfile'))) throw new ConfigError(`${file}: template ${v.name} has no ${dir}/Dockerfile`);
    return {
      name: v.name,
      title: typeof v.title === 'string' ? v.title : v.name,
      description: typeof v.description === 'string' ? v.description : '',
      kind: v.kind === 'job' ? 'job' : 'web',
      dir,
    };
  });
}
