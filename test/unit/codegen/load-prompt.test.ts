import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPrompt } from '../../../src/codegen/load-prompt.js';
import { ConfigError } from '../../../src/shared/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'slipway-prompts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadPrompt', () => {
  it('returns the template prompt verbatim: template syntax in it is text, not evaluated', async () => {
    const text = 'Use {{ port }} and {% include "x" %} and ${HOME} as written.\n';
    writeFileSync(join(dir, 'simple-api.md'), text);
    writeFileSync(join(dir, 'default.md'), 'default prompt\n');
    expect(await loadPrompt(dir, 'simple-api')).toBe(text);
  });

  it('falls back to default.md for a template without a prompt, and for names that are not template names', async () => {
    expect(await loadPrompt(dir, 'no-such-template')).toBe('default prompt\n');
    expect(await loadPrompt(dir, '../simple-api')).toBe('default prompt\n');
    expect(await loadPrompt(dir, 'Simple-API')).toBe('default prompt\n');
  });

  it('fails with a ConfigError when there is no default.md', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'slipway-prompts-'));
    await expect(loadPrompt(empty, 'x')).rejects.toThrow(ConfigError);
    rmSync(empty, { recursive: true, force: true });
  });
});
