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
});
