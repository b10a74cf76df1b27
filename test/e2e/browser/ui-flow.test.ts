// The UI end to end in Debian's Chromium, against the real server in-process, the Docker runtime and the
// stand-in Anthropic server: sign in → create a static-site app → describe a change → watch the stream end on
// a live preview link → open the preview → publish (the diff shows the change) → production serves it →
// a second change → roll back to v1 → history shows both Claude commits with their requests and environment
// markers → the commit page shows the diff. Every page is screenshot at desktop and phone widths and checked
// for horizontal overflow, unnamed controls and injected scripts (app data carries <script> and {{ }}).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { removeAppFromDocker, uniqueAppName } from '../../helpers/e2e-docker.js';
import { startFakeAnthropic, type FakeAnthropic } from '../../helpers/fake-anthropic.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';
import { checkPage, launchBrowser, XSS_MARKER, type Browser, type PageReport } from './browser.js';

const MARK = `<script>window.${XSS_MARKER}=1</script> {{ 7*7 }}`;
const page1 = `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Otters</title></head>\n<body><h1>Otters v1</h1>\n<p>Template braces stay text: {{ 7*7 }}</p>\n</body></html>\n`;
const page2 = page1.replace('</body>', `<p>They hold hands.</p>\n<script>window.${XSS_MARKER}=2</script>\n</body>`);

let server: TestServer;
let fake: FakeAnthropic;
let browser: Browser;
let base: string;
const reports: PageReport[] = [];
const app = uniqueAppName('ui-otters');
const escapeApp = uniqueAppName('ui-escape');
const jobApp = uniqueAppName('ui-job');

async function check(page: Page, name: string): Promise<void> {
  reports.push(await checkPage(page, name));
}

/** Waits until an environment panel on the open app page (updated live, no reload) shows `status`. */
async function waitForEnvironment(page: Page, environment: string, status: string, timeout = 120_000): Promise<void> {
  await page.locator(`.environment[data-environment="${environment}"][data-status="${status}"]`).waitFor({ timeout });
}

/** Loads `url` in the browser until its body contains `text` (deployments switch traffic a moment after "live"). */
async function waitForContent(page: Page, url: string, text: string, absent?: string, timeout = 60_000): Promise<string> {
  const deadline = Date.now() + timeout;
  let last = '';
  while (Date.now() < deadline) {
    const res = await page.goto(url).catch(() => null);
    last = res ? await page.content() : '';
    if (res?.status() === 200 && last.includes(text) && (!absent || !last.includes(absent))) return last;
    await page.waitForTimeout(300);
  }
  throw new Error(`${url} never served "${text}"${absent ? ` without "${absent}"` : ''}; last: ${last.slice(0, 300)}`);
}

async function describeChange(page: Page, prompt: string): Promise<string> {
  await page.goto(`${base}/apps/${app}`);
  await page.getByLabel('What should change?').fill(prompt);
  await page.getByRole('button', { name: 'Send to Claude' }).click();
  await page.waitForURL(/\?generation=g_/);
  const stream = page.locator('[data-generation-stream]');
  await stream.locator('[data-preview-link]').waitFor({ timeout: 180_000 });
  await expect.poll(() => stream.getAttribute('data-state'), { timeout: 10_000 }).toBe('live');
  return (await stream.locator('[data-commit-link]').getAttribute('data-commit-link'))!;
}

beforeAll(async () => {
  fake = await startFakeAnthropic();
  server = await startTestServer({
    ANTHROPIC_API_KEY: 'sk-ant-test-0000000000',
    ANTHROPIC_BASE_URL: fake.url,
    SLIPWAY_ANTHROPIC_MAX_RETRIES: '0',
    SLIPWAY_FIX_ATTEMPTS: '0',
  });
  base = server.config.publicUrl;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await fake?.close();
  for (const a of [app, escapeApp, jobApp]) await removeAppFromDocker(a).catch(() => undefined);
});

describe('the web UI in a real browser', () => {
  it('signs in, creates an app, describes two changes, publishes, rolls back, and shows the history', { timeout: 900_000 }, async () => {
    const { page } = browser;
    const previewUrl = `http://${app}-preview.localhost:${server.port}/`;
    const productionUrl = `http://${app}.localhost:${server.port}/`;

    // Sign in (a wrong token first).
    await page.goto(`${base}/`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await check(page, '01-sign-in');
    await page.getByLabel('Token').fill('slw_not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('#sign-in-error').textContent()).toMatch(/not valid/);
    // With the keyboard: the token field has focus, Enter submits.
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('token');
    await page.keyboard.type(server.token);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/`);
    // The first Tab reaches the skip link, which takes the keyboard to the content.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement && document.activeElement.textContent')).toBe('Skip to content');
    await expect.poll(() => page.locator('h1').textContent()).toBe('Your apps');
    await check(page, '02-home-empty');

    // New app: the name is checked as it is typed, with the API's rules.
    await page.getByRole('link', { name: '+ New app' }).click();
    await page.waitForURL(`${base}/new-app`);
    await page.getByLabel('Name').fill('Bad_Name');
    await page.locator('[data-name-message].invalid').waitFor();
    expect(await page.locator('[data-name-message]').textContent()).toMatch(/lowercase letters/);
    await page.getByLabel('Name').fill('git');
    await expect.poll(() => page.locator('[data-name-message]').textContent()).toMatch(/reserved/);
    await page.getByLabel('Name').fill(app);
    await page.locator('[data-name-message].valid').waitFor();
    await page.locator('label[for="template-static-site"]').click();
    await page.getByLabel('Ask Claude').uncheck();
    await check(page, '03-new-app');
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.waitForURL(`${base}/apps/${app}`);
    // The first build is already running; the page follows it live until the preview is up.
    await waitForEnvironment(page, 'preview', 'live');
    await check(page, '04-app-created');

    // Describe a change: the model's text, the file, the commit, the build log and the preview link stream in.
    fake.push(
      {
        blocks: [
          { type: 'text', text: 'I will write a page about otters.', chunks: 4 },
          { type: 'tool_use', name: 'write_file', input: { path: 'public/index.html', content: page1 } },
        ],
      },
      { blocks: [{ type: 'tool_use', name: 'finish', input: { summary: 'Make the home page about otters' } }] },
    );
    const commit1 = await describeChange(page, 'Make the home page about otters');
    const stream = page.locator('[data-generation-stream]');
    expect(await stream.locator('[data-role="text"]').textContent()).toBe('I will write a page about otters.');
    expect(await stream.locator('[data-role="files"]').textContent()).toContain('public/index.html');
    expect((await stream.locator('[data-role="build-log"]').textContent())!.length).toBeGreaterThan(0);
    expect(await stream.locator('[data-preview-link]').getAttribute('href')).toBe(previewUrl);
    await check(page, '05-describe-streamed');

    // The preview link opens the generated page.
    const tab = await browser.context.newPage();
    await tab.goto(previewUrl);
    expect(await tab.locator('h1').textContent()).toBe('Otters v1');
    await tab.close();

    // Publish: the "what will change" view first, with the diff.
    await page.goto(`${base}/apps/${app}`);
    await page.getByRole('link', { name: 'Publish…' }).click();
    await page.waitForURL(`${base}/apps/${app}/publish`);
    const plan = page.locator('[data-plan="publish"]');
    expect(await plan.getAttribute('data-direction')).toBe('first');
    expect(await plan.locator('.diff-body').textContent()).toContain('Otters v1');
    expect(await plan.locator('[data-commits="in"]').textContent()).toContain('Make the home page about otters');
    await check(page, '06-publish-plan');
    await page.getByRole('link', { name: 'side by side' }).click();
    await page.locator('.diff-body[data-layout="split"]').waitFor();
    await check(page, '06-publish-plan-split');
    await page.getByRole('button', { name: 'Publish v1 to production' }).click();
    await page.waitForURL(new RegExp(`/apps/${app}\\?published=v1`));
    await waitForEnvironment(page, 'prod', 'live');
    expect(await page.locator('.environment[data-environment="prod"]').textContent()).toContain('v1');
    await check(page, '07-published-v1');
    const prodTab = await browser.context.newPage();
    await waitForContent(prodTab, productionUrl, 'Otters v1');

    // A second change, whose request and summary carry <script> and {{ }}: they must stay text everywhere.
    fake.push(
      { blocks: [{ type: 'tool_use', name: 'write_file', input: { path: 'public/index.html', content: page2 } }] },
      { blocks: [{ type: 'tool_use', name: 'finish', input: { summary: `Say what otters do ${MARK}` } }] },
    );
    const prompt2 = `Say what otters do ${MARK}`;
    const commit2 = await describeChange(page, prompt2);
    expect(await page.locator('.stream-request').textContent()).toContain(prompt2);
    await waitForContent(prodTab, previewUrl, 'They hold hands.');

    // Publish v2 so that there is something to roll back from.
    await page.goto(`${base}/apps/${app}/publish`);
    expect(await page.locator('[data-plan="publish"]').getAttribute('data-direction')).toBe('forward');
    expect(await page.locator('.diff-body').textContent()).toContain('They hold hands.');
    expect(await page.locator('[data-commits="in"]').textContent()).toContain(`Say what otters do ${MARK}`);
    await check(page, '08-publish-v2-plan');
    await page.getByRole('button', { name: 'Publish v2 to production' }).click();
    await waitForEnvironment(page, 'prod', 'live');
    await waitForContent(prodTab, productionUrl, 'They hold hands.');

    // Roll back to v1: the releases, then the same "what will change" view.
    await page.goto(`${base}/apps/${app}`);
    await page.getByRole('link', { name: 'Roll back…' }).click();
    await page.waitForURL(`${base}/apps/${app}/rollback`);
    expect(await page.locator('[data-release="v2"]').textContent()).toContain('production runs this');
    const back = page.locator('[data-plan="rollback"]');
    expect(await back.getAttribute('data-direction')).toBe('back');
    expect(await back.locator('[data-commits="out"]').textContent()).toContain(`Say what otters do ${MARK}`);
    expect(await back.locator('.diff-body').textContent()).toContain('They hold hands.');
    await check(page, '09-rollback-plan');
    await page.getByRole('button', { name: 'Roll back production to v1' }).click();
    await page.waitForURL(new RegExp(`/apps/${app}\\?rolledBack=v1`));
    await waitForEnvironment(page, 'prod', 'live');
    await waitForContent(prodTab, productionUrl, 'Otters v1', 'They hold hands.');
    await prodTab.close();
    await page.goto(`${base}/apps/${app}`);
    expect(await page.locator('.generation-list').textContent()).toContain(prompt2);
    await check(page, '10-app-after-rollback');

    // History: both Claude commits with their requests, and the markers where they belong.
    await page.goto(`${base}/apps/${app}/history`);
    const row = (sha: string) => page.locator(`.history-row[data-commit="${sha}"]`);
    const markers = async (sha: string) =>
      (
        await row(sha)
          .locator('[data-marker]')
          .evaluateAll((els) => els.map((e) => e.getAttribute('data-marker')))
      ).sort();
    expect(await markers(commit2)).toEqual(['branch:main', 'ran:production', 'runs:preview', 'tag:v2']);
    expect(await markers(commit1)).toEqual(['branch:prod', 'ran:preview', 'runs:production', 'tag:v1']);
    for (const [sha, request] of [
      [commit1, 'Make the home page about otters'],
      [commit2, prompt2],
    ] as const) {
      expect(await row(sha).locator('.badge.claude').count()).toBe(1);
      expect(await row(sha).locator('.request-quote').textContent()).toContain(request);
      expect(await row(sha).locator('.history-build [data-status]').getAttribute('data-status')).toBe('succeeded');
    }
    const rows = await page.locator('.history-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-commit')));
    expect(rows.indexOf(commit2)).toBeLessThan(rows.indexOf(commit1));
    await check(page, '11-history');

    // The commit page: its diff (unified and side by side) and its build log.
    await row(commit2).locator('.commit-subject').click();
    await page.waitForURL(`${base}/apps/${app}/commits/${commit2}`);
    expect(await page.locator('.diff-body .d2h-ins').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('They hold hands.')]));
    expect(await page.locator('h1').textContent()).toBe(`Say what otters do ${MARK}`);
    expect((await page.locator('pre.log').textContent())!.length).toBeGreaterThan(0);
    await page.locator('.diff-body[data-highlighted="true"]').waitFor();
    await check(page, '12-commit');
    await page.getByRole('link', { name: 'side by side' }).click();
    await page.locator('.diff-body[data-layout="split"]').waitFor();
    await check(page, '12-commit-split');

    // Compare two releases.
    await page.goto(`${base}/apps/${app}/history`);
    await page.getByLabel('Compare from').fill('v1');
    await page.getByLabel('to', { exact: true }).fill('v2');
    await page.getByRole('button', { name: 'Compare' }).click();
    await page.waitForURL(/\/compare\?from=v1&to=v2/);
    expect(await page.locator('.commit-list').first().textContent()).toContain(`Say what otters do ${MARK}`);
    expect(await page.locator('.diff-body').textContent()).toContain('They hold hands.');
    await check(page, '13-compare');

    // A build's log and a deployment's log.
    await page.goto(`${base}/apps/${app}#activity`);
    await page.locator('[data-build] a', { hasText: 'log' }).first().click();
    await page.waitForURL(/\/builds\/b_/);
    expect((await page.locator('pre.log').textContent())!.length).toBeGreaterThan(0);
    await check(page, '14-build-log');
    await page.goto(`${base}/apps/${app}#activity`);
    await page.locator('[data-deployment] a', { hasText: 'log' }).first().click();
    await page.waitForURL(/\/deployments\/d_/);
    await check(page, '15-deployment-log');

    // Runtime logs of the preview, live (nginx writes its access log to stdout).
    await page.goto(`${base}/apps/${app}/logs?environment=preview`);
    await expect.poll(() => page.locator('pre.log').textContent(), { timeout: 30_000 }).toMatch(/GET \/ HTTP/);
    await check(page, '16-runtime-logs');

    // Settings: variables from slipway.yaml, a write-only secret, the clone URL.
    await page.goto(`${base}/apps/${app}/settings`);
    expect(await page.locator('#variables').textContent()).toContain('GREETING');
    await page.getByLabel('Name').first().fill('API_SECRET');
    await page.getByLabel('Value').first().fill('s3cret-value-never-shown');
    await page.getByRole('button', { name: 'Save secret for preview' }).click();
    await page.waitForURL(/saved=API_SECRET/);
    expect(await page.locator('#secrets').textContent()).toContain('API_SECRET');
    expect(await page.content()).not.toContain('s3cret-value-never-shown');
    expect(await page.locator('#clone-url').inputValue()).toBe(`${base}/git/${app}.git`);
    await check(page, '17-settings');

    await page.goto(`${base}/about`);
    expect(await page.locator('main').textContent()).toContain(`${base}/git/APP.git`);
    await check(page, '18-about');
    await page.getByRole('button', { name: 'Back up now' }).click();
    await page.waitForURL(/\/about\?backup=slipway-backup-/);
    expect(await page.locator('[data-backup-result]').getAttribute('data-backup-result')).toBe('ok');
    expect(await page.locator('[data-backup-list] a').count()).toBe(1);
    await check(page, '18-about-backup');

    // An app whose description carries <script> and {{ }}: text on the home page and the app page.
    await page.goto(`${base}/new-app`);
    await page.getByLabel('Name').fill(escapeApp);
    await page.locator('[data-name-message].valid').waitFor();
    await page.getByLabel('Describe your app').fill(`Otter facts ${MARK}`);
    await page.getByLabel('Ask Claude').uncheck();
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.waitForURL(`${base}/apps/${escapeApp}`);
    expect(await page.locator('[data-app-description]').textContent()).toBe(`Otter facts ${MARK}`);
    await check(page, '19-app-escaped-description');
    await page.goto(`${base}/`);
    expect(await page.locator(`[data-testid="app-card-${escapeApp}"] .description`).textContent()).toBe(`Otter facts ${MARK}`);
    await page.locator(`[data-testid="app-card-${app}"] [data-environment="prod"] [data-status="live"]`).waitFor();
    await check(page, '20-home');

    // Errors: a page that does not exist, and a failed action (deleting with the wrong name).
    await page.goto(`${base}/apps/no-such-app`);
    expect(await page.locator('[data-error-status]').getAttribute('data-error-status')).toBe('404');
    await check(page, '21-error-404');
    await page.goto(`${base}/apps/${escapeApp}/settings`);
    await page.evaluate(
      `(() => { const f = document.querySelector('form[data-confirm-name]'); f.querySelector('input[name=confirm]').value = 'wrong'; f.submit(); })()`,
    );
    await page.locator('[data-error-status="400"]').waitFor();
    expect(await page.locator('.error-text').textContent()).toMatch(/type its name/);
    await check(page, '22-error-failed-action');

    // Revert the second request from the conversation: the preview goes back to the first page.
    await page.goto(`${base}/apps/${app}#describe`);
    await page.getByRole('button', { name: `Revert: ${prompt2}`.slice(0, 80) }).click();
    await expect.poll(() => page.locator('.generation-list > li').first().textContent()).toContain('Revert "Say what otters do');
    const revertTab = await browser.context.newPage();
    await waitForContent(revertTab, previewUrl, 'Otters v1', 'They hold hands.');
    await revertTab.close();

    // Deleting by typing the name.
    await page.goto(`${base}/apps/${escapeApp}/settings`);
    await page.getByLabel(`Type ${escapeApp} to confirm`).fill(escapeApp);
    await page.getByRole('button', { name: `Delete ${escapeApp}` }).click();
    await page.waitForURL(/\/\?deleted=/);
    expect(await page.locator(`[data-testid="app-card-${escapeApp}"]`).count()).toBe(0);

    // No page had a script error or a refused resource (the CSP would say so on the console).
    expect(browser.errors).toEqual([]);
    // Every page: no horizontal scrollbar at phone width, every control named, no injected script.
    for (const r of reports) {
      expect(r.overflow.culprits, `${r.name}: horizontal scrollbar at phone width (${r.overflow.scrollWidth} > ${r.overflow.clientWidth})`).toEqual([]);
      expect(r.overflow.scrollWidth, `${r.name}: horizontal scrollbar at phone width`).toBeLessThanOrEqual(r.overflow.clientWidth);
      expect(r.unnamed, `${r.name}: controls without an accessible name`).toEqual([]);
      expect(r.injected, `${r.name}: a <script> from app data became markup`).toEqual({ scripts: 0, ran: false });
    }
  });

  it('runs a scheduled job by hand and shows the run, its exit code and its log', { timeout: 300_000 }, async () => {
    const page = await browser.context.newPage();
    const mine: PageReport[] = [];
    await page.goto(`${base}/new-app`);
    if (new URL(page.url()).pathname === '/sign-in') {
      // Run on its own (the first test signs the browser in otherwise).
      await page.getByLabel('Token').fill(server.token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${base}/new-app`);
    }
    await page.getByLabel('Name').fill(jobApp);
    await page.locator('[data-name-message].valid').waitFor();
    await page.locator('#template-scheduled-job').check();
    await page.getByLabel('Ask Claude').uncheck();
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.waitForURL(`${base}/apps/${jobApp}`);
    // Once preview holds the job's image, the activity part (updated live) offers to run it.
    const runNow = page.getByRole('button', { name: 'Run preview now' });
    await runNow.waitFor({ timeout: 180_000 });
    expect(await page.locator('#activity').textContent()).toContain('*/5 * * * *');
    // Its environment says when it runs instead of offering a URL to open.
    const panel = page.locator('.environment[data-environment="preview"]');
    // Each live part reloads on its own: the environments may come a moment after the activity.
    await expect.poll(() => panel.textContent(), { timeout: 30_000 }).toMatch(/Schedule\s*\*\/5 \* \* \* \* \(UTC\)/);
    expect(await panel.locator('a.env-url').count()).toBe(0);
    await runNow.click();
    await page.waitForURL(/\/job-runs\/j_/);
    await expect
      .poll(() => page.locator('pre.log').textContent(), { timeout: 60_000 })
      .toMatch(/Hello from Slipway: \d+ days left in \d{4}[\s\S]*exited with code 0/);
    await page.reload();
    expect(await page.locator('.facts').textContent()).toMatch(/Exit code\s*0/);
    expect(await page.locator('h1').textContent()).toMatch(/^Job run j_/);
    mine.push(await checkPage(page, '25-job-run-log'));

    await page.goto(`${base}/apps/${jobApp}#activity`);
    // The schedule (every five minutes) may have run the job meanwhile too: the run by hand is the one asked about.
    const row = page.locator('[data-job-run]', { hasText: 'by hand' }).first();
    expect(await row.textContent()).toMatch(/succeeded[\s\S]*preview[\s\S]*by hand[\s\S]*0/i);
    mine.push(await checkPage(page, '26-app-job-runs'));
    // An environment that does not exist is a clear error, and nothing runs.
    await page.evaluate(
      `(() => { const f = document.querySelector('form[action$="/jobs/run"]'); f.querySelector('input[name=environment]').value = 'nowhere'; f.submit(); })()`,
    );
    await page.locator('[data-error-status="404"]').waitFor();
    expect(await page.locator('.error-text').textContent()).toMatch(/no environment named nowhere/i);
    expect(server.deps.store.jobRuns.list(jobApp).filter((r) => r.trigger === 'manual')).toHaveLength(1);
    await page.close();

    expect(browser.errors).toEqual([]);
    for (const r of mine) {
      expect(r.overflow.scrollWidth, `${r.name}: horizontal scrollbar at phone width`).toBeLessThanOrEqual(r.overflow.clientWidth);
      expect(r.unnamed, `${r.name}: controls without an accessible name`).toEqual([]);
    }
  });
});
