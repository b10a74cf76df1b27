// Roles in a real browser (Debian's Chromium), against the web app in-process over the fake engine and the
// stand-in Anthropic server: a developer signs in with a one-time link an admin made, pushes with git, describes
// a change and watches it go live, and sees no Publish button (the publish page refuses them too); a releaser signs
// in with their token and publishes. The admin's people and audit pages are checked like every page.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startFakeAnthropic, type FakeAnthropic } from '../../helpers/fake-anthropic.js';
import { freePort } from '../../helpers/free-port.js';
import { git, gitOk } from '../../helpers/git-cli.js';
import { createPeopleFixture, type PeopleFixture } from '../../helpers/people-fixture.js';
import { checkPage, launchBrowser, type Browser, type PageReport } from './browser.js';

let f: PeopleFixture;
let fake: FakeAnthropic;
let browser: Browser;
let base: string;
const reports: PageReport[] = [];
const check = async (page: Page, name: string) => void reports.push(await checkPage(page, name));

beforeAll(async () => {
  fake = await startFakeAnthropic();
  const port = await freePort();
  const bin = mkdtempSync(join(tmpdir(), 'slipway-hook-node-'));
  const node = join(bin, 'node-tsx');
  writeFileSync(node, `#!/bin/sh\nexec "${process.execPath}" --import "${new URL('../../../node_modules/tsx/dist/loader.mjs', import.meta.url).href}" "$@"\n`, {
    mode: 0o755,
  });
  f = await createPeopleFixture(['shop'], {
    env: {
      SLIPWAY_PORT: String(port),
      ANTHROPIC_API_KEY: 'sk-ant-test-0000000000',
      ANTHROPIC_BASE_URL: fake.url,
      SLIPWAY_ANTHROPIC_MAX_RETRIES: '0',
      SLIPWAY_FIX_ATTEMPTS: '0',
    },
    hookEnv: (p) => ({
      SLIPWAY_HOOK_URL: `http://127.0.0.1:${p}/internal/hooks`,
      SLIPWAY_HOOK_SECRET: 'people-fixture-hook-secret',
      SLIPWAY_NODE: node,
      SLIPWAY_CLI: new URL('../../../src/main.ts', import.meta.url).pathname,
    }),
  });
  base = `http://127.0.0.1:${port}`;
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await f?.close();
  await fake?.close();
});

describe('roles in the browser', () => {
  it('a developer pushes and describes a change but is not offered Publish; a releaser publishes', { timeout: 600_000 }, async () => {
    const { page } = browser;

    // The developer pushes with git (their own token as the password).
    const dir = mkdtempSync(join(tmpdir(), 'slipway-roles-browser-'));
    const url = `http://developer:${f.token.developer}@127.0.0.1:${new URL(base).port}/git/shop.git`;
    await gitOk(['clone', '-q', url, dir]);
    writeFileSync(join(dir, 'public', 'about.html'), '<h1>About the shop</h1>\n');
    await gitOk(['add', '.'], { cwd: dir });
    await gitOk(['commit', '-qm', 'About page'], { cwd: dir });
    expect((await gitOk(['push', 'origin', 'main'], { cwd: dir })).stderr).toMatch(/remote: preview is live/i);
    // …but moving production is the releaser's, and the push says so.
    expect((await git(['push', 'origin', 'main:prod'], { cwd: dir })).stderr).toMatch(/remote: refused refs\/heads\/prod: you are a developer of shop/);

    // An admin makes a one-time sign-in link for the developer; it signs them in once.
    const link = (await (
      await fetch(`${base}/api/people/developer/sign-in-link`, {
        method: 'POST',
        headers: { authorization: `Bearer ${f.token.admin}`, 'content-type': 'application/json' },
        body: '{}',
      })
    ).json()) as { url: string };
    await page.goto(link.url.replace(f.fp.config.publicUrl, base));
    await check(page, 'roles-01-sign-in-link');
    await page.getByRole('button', { name: 'Sign in with this link' }).click();
    await page.waitForURL(`${base}/`);
    expect(await page.locator('footer').textContent()).toContain('signed in as developer');
    // Their home lists their app; New app and Audit are not offered.
    expect(await page.locator('a[href="/apps/shop"]').count()).toBeGreaterThan(0);
    expect(await page.locator('a[href="/new-app"]').count()).toBe(0);
    expect(await page.locator('a[href="/audit"]').count()).toBe(0);

    // They describe a change and watch it go live on the preview.
    fake.push(
      { blocks: [{ type: 'tool_use', name: 'write_file', input: { path: 'public/index.html', content: '<h1>Blue shop</h1>\n' } }] },
      { blocks: [{ type: 'tool_use', name: 'finish', input: { summary: 'Make the shop blue' } }] },
    );
    await page.goto(`${base}/apps/shop`);
    await page.getByLabel('What should change?').fill('Make the shop blue');
    await page.getByRole('button', { name: 'Send to Claude' }).click();
    await page.waitForURL(/\?generation=g_/);
    await page.locator('[data-generation-stream] [data-preview-link]').waitFor({ timeout: 120_000 });
    await check(page, 'roles-02-developer-app');
    // No Publish or Roll back for them, and the publish page itself refuses.
    await page.goto(`${base}/apps/shop`);
    await page.locator('.environment').first().waitFor();
    expect(await page.getByRole('link', { name: 'Publish…' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Roll back…' }).count()).toBe(0);
    const refused = await page.goto(`${base}/apps/shop/publish`);
    expect(refused?.status()).toBe(403);
    expect(await page.locator('main').textContent()).toMatch(/releaser role/);
    await check(page, 'roles-03-developer-refused');

    // Signing out, the releaser signs in with their token and publishes what preview runs.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-in/);
    await page.getByLabel('Token').fill(f.token.releaser);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/`);
    await page.goto(`${base}/apps/shop`);
    await page.getByRole('link', { name: 'Publish…' }).click();
    await page.waitForURL(`${base}/apps/shop/publish`);
    await check(page, 'roles-04-releaser-publish');
    await page.getByRole('button', { name: /^Publish v1/ }).click();
    await page.waitForURL(/published=v1/);
    await page.locator('.environment[data-environment="prod"][data-status="live"]').waitFor({ timeout: 60_000 });
    expect(f.fp.store.audit.list({ action: 'publish' }).entries[0]).toMatchObject({ person: 'releaser', token: 'releaser-laptop', target: 'v1' });

    // The admin's pages: people and tokens, and the audit log with what just happened.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Token').fill(f.token.admin);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/`);
    await page.goto(`${base}/settings`);
    await check(page, 'roles-05-people');
    await page.goto(`${base}/audit`);
    expect(await page.locator('[data-audit]').textContent()).toMatch(/publish[\s\S]*generation|generation[\s\S]*publish/);
    await check(page, 'roles-06-audit');

    for (const r of reports) {
      expect(r.overflow.scrollWidth, `${r.name}: horizontal scrollbar at phone width (${r.overflow.culprits.join(', ')})`).toBeLessThanOrEqual(
        r.overflow.clientWidth,
      );
      expect(r.unnamed, `${r.name}: controls without a name`).toEqual([]);
      expect(r.injected, `${r.name}: injected scripts`).toEqual({ scripts: 0, ran: false });
    }
    expect(browser.errors).toEqual([]);
  });
});
