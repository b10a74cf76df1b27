// The system prompts and the app templates must agree: the prompt tells the model the house rules
// that the template's Dockerfile and slipway.yaml follow.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findProjectRoot } from '../../../src/config/project-root.js';
import { loadPrompt } from '../../../src/codegen/load-prompt.js';
import { loadTemplates } from '../../../src/git/app-templates.js';

const root = findProjectRoot();
const promptsDir = join(root, 'prompts');
const templates = loadTemplates(join(root, 'app-templates'));

describe('prompts/', () => {
  it('has a default prompt that states the house rules', async () => {
    const text = await loadPrompt(promptsDir, 'default');
    for (const rule of [
      '8080',
      '/health',
      'ARG PYTHON_IMAGE=python:3.12-slim',
      'ARG NGINX_IMAGE=nginx:alpine',
      'slipway.yaml',
      'schedule',
      'finish',
      'fastapi',
      'uvicorn',
    ]) {
      expect(text).toContain(rule);
    }
  });

  it.each(templates.map((t) => [t.name, t] as const))('has a prompt for the %s template that matches its Dockerfile', async (name, template) => {
    const file = join(promptsDir, `${name}.md`);
    expect(existsSync(file)).toBe(true);
    const text = await loadPrompt(promptsDir, name);
    expect(text).toBe(readFileSync(file, 'utf8'));
    // The base image argument the template's Dockerfile declares, word for word.
    const dockerfile = readFileSync(join(template.dir, 'Dockerfile'), 'utf8');
    const args = dockerfile.split('\n').filter((l) => /^ARG [A-Z_]+_IMAGE=/.test(l));
    expect(args.length).toBeGreaterThan(0);
    for (const arg of args) expect(text).toContain(arg.trim());
    expect(text).toContain('slipway.yaml');
    expect(text).toContain('finish');
    if (template.kind === 'web') {
      expect(text).toContain('port 8080');
      expect(text).toContain('/health');
    } else {
      expect(text).toContain('schedule');
    }
  });
});
