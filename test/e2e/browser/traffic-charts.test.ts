// The app page's traffic charts in Debian's Chromium, against the real server in-process and the Docker runtime:
// a static-site app gets requests through Slipway's proxy, the history is written (one flush, as the timer does)
// with a memory sample from Docker's stats, and the page shows charts whose numbers — the values table, the
// scale, the deploy marker — are the stored series. Screenshots at desktop and phone width.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINUTE_MS, pointValues, stepStart } from '../../../src/domain/traffic-series.js';
import { getViaProxy } from '../../helpers/app-http.js';
import { waitForPreview } from '../../helpers/e2e-api.js';
import { removeAppFromDocker, uniqueAppName } from '../../helpers/e2e-docker.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';
import { checkPage, launchBrowser, type Browser } from './browser.js';

let server: TestServer;
let browser: Browser;
const app = uniqueAppName('ui-traffic');

beforeAll(async () => {
  server = await startTestServer();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await removeAppFromDocker(app).catch(() => undefined);
});

describe('traffic charts in a real browser', () => {
  it('shows the stored series of an app with traffic: table values, scale, deploy marker, home sparkline', { timeout: 300_000 }, async () => {
    expect((await server.api('POST', '/api/apps', { name: app, template: 'static-site' })).status).toBe(201);
    await waitForPreview(server.port, app, '<');
    for (let i = 0; i < 25; i++) expect((await getViaProxy(server.port, `${app}-preview.localhost`)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await getViaProxy(server.port, `${app}-preview.localhost`, '/no-such-page')).status).toBe(404);
    await server.pipeline.metrics.sampleUsage();
    server.pipeline.metrics.flush();

    const now = Date.now();
    const stored = server.deps.store.trafficHistory.list(app, 'preview', 60, stepStart(now, MINUTE_MS) - 60 * MINUTE_MS, now + MINUTE_MS);
    expect(stored.reduce((a, p) => a + p.requests, 0)).toBeGreaterThanOrEqual(28); // health probes go to the container's port, not through the proxy
    expect(stored.some((p) => p.memoryBytes !== null && p.memoryBytes > 0)).toBe(true);

    const page = browser.page;
    await page.goto(`${server.config.publicUrl}/apps/${app}`);
    if (new URL(page.url()).pathname === '/sign-in') {
      await page.getByLabel('Token').fill(server.token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${server.config.publicUrl}/apps/${app}`);
    }
    const env = page.locator('[data-traffic-environment="preview"]');
    await env.locator('summary').click();
    const report = await checkPage(page, 'traffic-app-page');
    expect(report.overflow.culprits).toEqual([]);
    expect(report.unnamed).toEqual([]);

    // Each stored minute is a row of the table with the same numbers.
    const rows = await env.locator('tbody tr').evaluateAll((trs) =>
      trs.map((tr) => ({
        start: tr.getAttribute('data-start'),
        requests: Number(tr.querySelector('[data-col="requests"]')!.textContent),
        p95: tr.querySelector('[data-col="p95"]')!.textContent,
        memory: tr.querySelector('[data-col="memory"]')!.textContent,
      })),
    );
    expect(rows).toHaveLength(60);
    for (const p of stored) {
      const row = rows.find((r) => r.start === new Date(p.start).toISOString());
      const v = pointValues(p);
      expect(row, new Date(p.start).toISOString()).toMatchObject({
        requests: p.requests,
        p95: v.p95Ms === null ? '–' : String(v.p95Ms),
        memory: p.memoryBytes === null ? '–' : String(Math.round((p.memoryBytes / 1048576) * 10) / 10),
      });
    }
    expect(rows.reduce((a, r) => a + r.requests, 0)).toBe(stored.reduce((a, p) => a + p.requests, 0));

    // The chart is drawn, its scale holds the busiest minute, and the deployment is a marker with its commit.
    const chart = env.locator('[data-chart="requests"] svg');
    const box = await chart.boundingBox();
    expect(box!.width).toBeGreaterThan(200);
    const busiest = Math.max(...stored.map((p) => p.requests));
    const max = Number(await chart.getAttribute('data-max'));
    expect(max).toBeGreaterThanOrEqual(busiest);
    expect(max).toBeLessThanOrEqual(busiest * 5);
    const live = server.deps.store.deployments.live(app, 'preview')!;
    await expect.poll(() => chart.locator(`[data-marker="${live.commit.slice(0, 7)}"]`).count()).toBe(1);

    // At phone width the chart still fits the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    expect((await chart.boundingBox())!.width).toBeLessThanOrEqual(390);

    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${server.config.publicUrl}/`);
    const card = page.locator(`[data-testid="app-card-${app}"] [data-requests-total]`);
    expect(Number(await card.getAttribute('data-requests-total'))).toBe(stored.reduce((a, p) => a + p.requests, 0));
    await checkPage(page, 'traffic-home');
    expect(browser.errors).toEqual([]);
  });
});
