import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEnvironments } from '../../../src/config/load-environments.js';

const body = (ref: string, host: string) => `ref: ${ref}\nhost: "${host}"\nresources: {cpu: 1, memory: 1Gi}\n`;

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'envs-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('environment files', () => {
  // Docker names join app and environment with "_", which stays unambiguous only while neither contains one.
  it.each(['eu_west.yaml', 'eu-.yaml', '1eu.yaml', 'Eu.yaml'])('refuses a file name that is not a DNS label: %s', (file) => {
    const dir = folder({ [file]: body('refs/heads/eu', 'eu-{app}.{domain}') });
    expect(() => loadEnvironments(dir)).toThrow(/is named like "staging\.yaml": lowercase letters, digits and "-"/);
  });

  it('accepts DNS labels such as eu-west', () => {
    expect(loadEnvironments(folder({ 'eu-west.yaml': body('refs/heads/eu', 'eu-{app}.{domain}') })).map((e) => e.name)).toEqual(['eu-west']);
  });

  it('refuses two environments with the same host pattern, naming both', () => {
    const dir = folder({ 'prod.yaml': body('refs/heads/prod', '{app}.{domain}'), 'staging.yaml': body('refs/heads/staging', '{app}.{domain}') });
    expect(() => loadEnvironments(dir)).toThrow('environments/staging.yaml: host {app}.{domain} is already the host pattern of prod');
  });

  it('refuses a host pattern with {app} twice', () => {
    const dir = folder({ 'prod.yaml': body('refs/heads/prod', '{app}.{app}.{domain}') });
    expect(() => loadEnvironments(dir)).toThrow(/host: a host pattern contains \{app\} once/);
  });

  it('keeps one warm release for production and none elsewhere unless a file says otherwise', () => {
    const dir = folder({
      'preview.yaml': body('refs/heads/main', '{app}-preview.{domain}'),
      'prod.yaml': `${body('refs/heads/prod', '{app}.{domain}')}releaseTags: "v*"\n`,
      'staging.yaml': `${body('refs/heads/staging', '{app}-staging.{domain}')}warmReleases: 2\n`,
    });
    expect(Object.fromEntries(loadEnvironments(dir).map((e) => [e.name, e.warmReleases]))).toEqual({ preview: 0, prod: 1, staging: 2 });
  });

  it.each(['-1', '1.5', '6', '"one"'])('refuses warmReleases: %s, naming the file and the field', (value) => {
    const dir = folder({ 'prod.yaml': `${body('refs/heads/prod', '{app}.{domain}')}warmReleases: ${value}\n` });
    expect(() => loadEnvironments(dir)).toThrow(/prod\.yaml: warmReleases: /);
  });

  it('ships production with one warm release (environments/prod.yaml)', () => {
    const shipped = loadEnvironments(join(import.meta.dirname, '..', '..', '..', 'environments'));
    expect(shipped.find((e) => e.releaseTags)?.warmReleases).toBe(1);
    expect(shipped.filter((e) => !e.releaseTags).map((e) => e.warmReleases)).toEqual([0]);
  });
});
