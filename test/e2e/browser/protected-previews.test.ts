// Protected previews in Debian's Chromium, against the real server in-process and the Docker runtime (a static-site
// app built and run by Docker, served through Slipway's proxy at APP-preview.localhost): an anonymous visit to the
// protected preview is sent to sign in and then lands on the preview; production stays public; a share link opens
// the preview without signing in until it expires or is revoked, and then says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, getViaProxy } from '../../helpers/app-http.js';
import { waitForPreview } from '../../helpers/e2e-api.js';
import { removeAppFromDocker, uniqueAppName } from '../../helpers/e2e-docker.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';
import { checkPage, launchBrowser, type Browser } from './browser.js';

let server: TestServer;
let browser: Browser;
const app = uniqueAppName('guarded');
const HELLO = 'Hello from Slipway';

beforeAll(async () => {
  server = await startTestServer();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await removeAppFromDocker(app).catch(() => undefined);
});

describe('protected previews in a real browser', () => {
  it(
    'signs an anonymous visitor in and lands them on the preview; production stays public; share links work until they end',
    { timeout: 300_000 },
    async () => {
      const port = server.port;
      const preview = `http://${app}-preview.localhost:${port}`;
      const production = `http://${app}.localhost:${port}`;
      expect((await server.api('POST', '/api/apps', { name: app, template: 'static-site' })).status).toBe(201);
      await waitForPreview(port, app, HELLO);
      expect((await server.api('POST', `/api/apps/${app}/publish`, {})).status).toBe(200);
      await eventually(async () => ((await getViaProxy(port, `${app}.localhost`)).body.includes(HELLO) ? true : null), 60_000, 'production to serve');
      expect((await server.api('PUT', `/api/apps/${app}/access`, { previews: 'protected' })).status).toBe(200);

      // Anonymous: the preview sends the visitor to sign in, and back to the page they asked for.
      const page = browser.page;
      await page.goto(`${preview}/index.html?from=mail`);
      expect(new URL(page.url()).origin).toBe(server.config.publicUrl);
      expect(new URL(page.url()).pathname).toBe('/sign-in');
      await page.getByLabel('Token').fill(server.token);
      const seen: string[] = [];
      page.on('framenavigated', (f) => void seen.push(f.url()));
      page.on('response', (r) => void seen.push(`${r.status()} ${r.url()} -> ${r.headers()['location'] ?? ''}`));
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${preview}/index.html?from=mail`).catch((e: Error) => {
        throw new Error(`${e.message}\n${seen.join('\n')}`);
      });
      await expect.poll(() => page.title()).toContain(HELLO);
      const cookies = await browser.context.cookies(preview);
      const access = cookies.find((c) => c.name === 'slipway_access');
      expect(access).toMatchObject({ domain: `${app}-preview.localhost`, httpOnly: true, sameSite: 'Lax', secure: false });
      // Host-only: the UI and production never get it.
      expect((await browser.context.cookies(production)).some((c) => c.name === 'slipway_access')).toBe(false);
      expect(await page.evaluate('document.cookie')).not.toContain('slipway_access');

      // The settings page: access and share links, with the page checks every page gets.
      await page.goto(`${server.config.publicUrl}/apps/${app}/settings#access`);
      await expect.poll(() => page.locator('#access-previews').inputValue()).toBe('protected');
      await page.locator('#share-environment').selectOption('preview');
      await page.locator('#share-expiry').selectOption('1h');
      await page.getByRole('button', { name: 'Make a share link' }).click();
      const link = await page.locator('#new-share-link').inputValue();
      expect(link).toMatch(new RegExp(`^${preview}/__slipway/share\\?token=shr_`));
      const report = await checkPage(page, 'protected-previews-settings');
      expect(report.overflow.culprits).toEqual([]);
      expect(report.unnamed).toEqual([]);
      expect(browser.errors).toEqual([]);

      // Anonymous again: production is public, the preview is not, and the share link opens it.
      await browser.context.clearCookies();
      await page.goto(`${production}/`);
      expect(page.url()).toBe(`${production}/`);
      await expect.poll(() => page.title()).toContain(HELLO);
      await page.goto(`${preview}/`);
      expect(new URL(page.url()).pathname).toBe('/sign-in');
      await page.goto(link);
      expect(page.url()).toBe(`${preview}/`);
      await expect.poll(() => page.title()).toContain(HELLO);
      await page.reload();
      await expect.poll(() => page.title()).toContain(HELLO);

      // The hour passes (for this link): the page and the link say it has expired.
      const [made] = (await server.api('GET', `/api/apps/${app}/share-links`)).body.shareLinks as { id: string }[];
      server.deps.store.db.prepare('UPDATE share_links SET expires_at = ? WHERE id = ?').run(new Date(Date.now() - 1000).toISOString(), made!.id);
      const expired = await page.reload();
      expect(expired?.status()).toBe(403);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('This share link has expired');
      expect(await page.content()).not.toContain(HELLO);
      const again = await page.goto(link);
      expect(again?.status()).toBe(410);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('This share link has expired');

      // A revoked link: works, then is revoked on the settings page's API, and stops.
      const second = await server.api('POST', `/api/apps/${app}/share-links`, { environment: 'preview', expiresIn: '24h' });
      await browser.context.clearCookies();
      await page.goto(second.body.url);
      await expect.poll(() => page.title()).toContain(HELLO);
      expect((await server.api('DELETE', `/api/apps/${app}/share-links/${second.body.shareLink.id}`)).status).toBe(204);
      const revoked = await page.reload();
      expect(revoked?.status()).toBe(403);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('This share link was revoked');
      await page.goto(second.body.url);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('This share link was revoked');
    },
  );
});
