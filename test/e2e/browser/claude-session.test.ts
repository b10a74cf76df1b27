// A Claude Code session in Debian's Chromium, against the real server and the Docker runtime, with the stand-in
// program in the CLI's place (test/fixtures/claude-stand-in/): open a session from the app page, type into the
// xterm.js terminal, see the answers, reload and see them again, press Push, and see the preview serve the change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { eventually } from '../../helpers/app-http.js';
import { removeAppFromDocker, uniqueAppName } from '../../helpers/e2e-docker.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';
import { checkPage, launchBrowser, type Browser } from './browser.js';

let server: TestServer;
let browser: Browser;
const app = uniqueAppName('ui-session');

beforeAll(async () => {
  server = await startTestServer({ SLIPWAY_CLAUDE_COMMAND: resolve('test/fixtures/claude-stand-in/claude-stand-in.mjs') });
  expect((await server.api('POST', '/api/apps', { name: app, template: 'static-site' })).status).toBe(201);
  await eventually(async () => (await server.api('GET', `/api/apps/${app}/environments`)).body.environments[0].status === 'live', 120_000, 'the first preview');
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await removeAppFromDocker(app).catch(() => undefined);
});

/** What the terminal shows (xterm.js draws its rows as DOM elements). */
const screen = (page: Page) => page.locator('.xterm-rows').innerText();

async function typeLine(page: Page, line: string, answer: string | RegExp): Promise<void> {
  await page.locator('.xterm').click();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
  await expect.poll(() => screen(page), { timeout: 15_000 }).toMatch(answer);
}

describe('a Claude Code session in the browser', () => {
  it('opens from the app page, takes typing, survives a reload, and Push updates the preview', { timeout: 300_000 }, async () => {
    const { page } = browser;
    const base = server.config.publicUrl;
    await page.goto(`${base}/`);
    await page.getByLabel('Token').fill(server.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/`);

    await page.goto(`${base}/apps/${app}`);
    await page.getByRole('button', { name: 'Open a Claude Code session' }).click();
    await page.waitForURL(new RegExp(`/apps/${app}/sessions/ses_`));
    await expect.poll(() => screen(page), { timeout: 15_000 }).toContain('stand-in>');
    await expect.poll(() => page.locator('[data-role="terminal-status"]').textContent()).toBe('Connected.');

    await typeLine(page, 'hello from the browser', 'you said: hello from the browser');
    await typeLine(page, 'write public/index.html <h1>Typed in a browser terminal</h1>', 'wrote public/index.html');
    await typeLine(page, 'commit Typed in the browser', /committed [0-9a-f]{7}/);

    // A reload: the session goes on, and the page shows what happened so far.
    await page.reload();
    await expect.poll(() => screen(page), { timeout: 15_000 }).toContain('you said: hello from the browser');
    await typeLine(page, 'after the reload', 'you said: after the reload');
    const report = await checkPage(page, 'claude-session');
    expect(report.injected.ran).toBe(false);
    expect(report.overflow.culprits).toEqual([]);

    await page.getByRole('button', { name: 'Push to main' }).click();
    await expect.poll(() => page.locator('[data-role="push-outcome"]').textContent(), { timeout: 60_000 }).toMatch(/pushed 1 commit\(s\) to main/);
    await expect.poll(() => screen(page), { timeout: 15_000 }).toContain('[slipway] pushed 1 commit(s) to main');

    // The preview serves the session's change (the app page's environment panel follows it live).
    const previewUrl = `http://${app}-preview.localhost:${server.port}/`;
    const preview = await browser.context.newPage();
    await eventually(
      async () => {
        const res = await preview.goto(previewUrl).catch(() => null);
        return res?.status() === 200 && (await preview.content()).includes('Typed in a browser terminal');
      },
      120_000,
      'the preview with the session change',
    );
    await preview.close();
    expect(browser.errors).toEqual([]);
  });
});
