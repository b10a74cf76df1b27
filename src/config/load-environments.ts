// Reads environments/*.yaml into typed, validated environment definitions.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../shared/errors.js';
import type { EnvironmentDef } from '../domain/types.js';

const quantity = z.union([z.string(), z.number()]).transform(String);

const schema = z
  .object({
    title: z.string().min(1).optional(),
    ref: z.string().regex(/^refs\/heads\/[A-Za-z0-9._/-]+$/, 'a branch ref such as refs/heads/main'),
    host: z
      .string()
      .regex(/^[a-z0-9.{}-]*\{app\}[a-z0-9.{}-]*$/, 'a host pattern containing {app}, such as "{app}-preview.{domain}"')
      .refine((h) => h.split('{app}').length === 2, 'a host pattern contains {app} once')
      // "--" marks a branch preview's host (APP--BRANCH-preview.DOMAIN, src/domain/branch-environment.ts).
      .refine((h) => !h.includes('--'), 'a host pattern does not contain "--" (it marks branch preview hosts)'),
    releaseTags: z
      .string()
      .regex(/^[A-Za-z0-9._-]*\*?$/, 'a tag glob such as "v*"')
      .optional(),
    replicas: z.number().int().min(0).max(50).default(1),
    resources: z.object({
      cpu: quantity.pipe(z.string().regex(/^\d+(\.\d+)?m?$/, 'CPU such as "500m" or "1"')),
      memory: quantity.pipe(z.string().regex(/^\d+(Ki|Mi|Gi)?$/, 'memory such as "256Mi"')),
    }),
    health: z
      .object({
        path: z.string().startsWith('/').default('/health'),
        timeoutSeconds: z.number().positive().max(300).default(2),
        intervalSeconds: z.number().positive().max(60).default(0.5),
        attempts: z.number().int().positive().max(10_000).default(60),
      })
      .prefault({}),
    graceSeconds: z.number().min(0).max(600).default(2),
    // Each warm release holds its container's memory: a small bound keeps that cost in view.
    warmReleases: z.number().int().min(0).max(5).optional(),
  })
  .strict();

export function loadEnvironments(dir: string): EnvironmentDef[] {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort();
  } catch (e) {
    throw new ConfigError(`cannot read the environments folder ${dir}: ${(e as Error).message}`);
  }
  const envs = files.map((file) => parseEnvironment(join(dir, file), file.slice(0, -'.yaml'.length)));
  if (envs.length === 0) throw new ConfigError(`${dir} holds no environment definition (*.yaml)`);
  const refs = new Map<string, string>();
  for (const env of envs) {
    const other = refs.get(env.ref);
    if (other) throw new ConfigError(`environments/${env.name}.yaml: ref ${env.ref} is already followed by ${other}`);
    refs.set(env.ref, env.name);
  }
  const hosts = new Map<string, string>();
  for (const env of envs) {
    const other = hosts.get(env.host);
    // Same pattern, same hosts: every app would have one host for two environments.
    if (other) throw new ConfigError(`environments/${env.name}.yaml: host ${env.host} is already the host pattern of ${other}`);
    hosts.set(env.host, env.name);
  }
  if (envs.filter((e) => e.releaseTags).length > 1) throw new ConfigError(`${dir}: only one environment may take releaseTags`);
  return envs;
}

export function parseEnvironment(path: string, name: string): EnvironmentDef {
  // A DNS label (it is part of container and Kubernetes names), never with "_": Docker names join app and
  // environment with "_", which only stays unambiguous while neither contains one.
  // Nor with "--": a branch preview's environment is named `preview--SLUG`, never a file's name.
  if (!/^[a-z]([a-z0-9-]{0,18}[a-z0-9])?$/.test(name) || name.includes('--'))
    throw new ConfigError(
      `${path}: an environment file is named like "staging.yaml": lowercase letters, digits and "-" (not "--"), starting with a letter and not ending with "-", at most 20 characters`,
    );
  let raw: unknown;
  try {
    raw = YAML.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ConfigError(`${path}: not valid YAML: ${(e as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ');
    throw new ConfigError(`${path}: ${issues}`);
  }
  const v = parsed.data;
  return Object.freeze({
    name,
    title: v.title ?? name,
    ref: v.ref,
    host: v.host,
    ...(v.releaseTags ? { releaseTags: v.releaseTags } : {}),
    replicas: v.replicas,
    resources: { cpu: v.resources.cpu, memory: v.resources.memory },
    health: { ...v.health },
    graceSeconds: v.graceSeconds,
    // Production is what rollbacks move; a preview's previous commit is seldom asked for again.
    warmReleases: v.warmReleases ?? (v.releaseTags ? 1 : 0),
  });
}
