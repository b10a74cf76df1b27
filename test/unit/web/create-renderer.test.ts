import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findProjectRoot } from '../../../src/config/project-root.js';
import { createRenderer } from '../../../src/web/ui/create-renderer.js';

const views = join(findProjectRoot(), 'views');
const model = {
  title: 'Error',
  status: 404,
  code: 'NOT_FOUND',
  message: 'There is no page here.',
  action: false,
  back: { href: '/', label: 'Back to your apps' },
  signIn: null,
};
const shared = {
  asset: (p: string) => p,
  site: { publicUrl: 'http://localhost:8080', domain: 'localhost', runtime: 'docker' },
  user: null,
  platform: null,
  path: '/',
};

describe('createRenderer', () => {
  it('strict: a variable the model lacks is an error naming the line; not strict: it renders empty', async () => {
    const { message: _, ...withoutMessage } = model;
    await expect(createRenderer(views, { strict: true })('pages/error.njk', { ...withoutMessage, ...shared })).rejects.toThrow(
      /error\.njk\) \[Line 5.*\n.*null or undefined/,
    );
    await expect(createRenderer(views)('pages/error.njk', { ...withoutMessage, ...shared })).resolves.toContain('<!doctype html>');
    await expect(createRenderer(views, { strict: true })('pages/error.njk', { ...model, ...shared })).resolves.toContain('There is no page here.');
  });
});
