// The history page's pictures in Chromium at phone width (375 px): the commit graph and the timeline are drawn
// (a screenshot of each has many non-background pixels), keep their 12 px text (not scaled down to fit),
// scroll sideways inside their box instead of widening the page, and no two labels overlap. The repo is made
// with the real git CLI (test/helpers/history-repo.ts); the web app runs in-process over the fake pipeline, so
// this needs Chromium but no Docker.
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakePipeline, type FakePipeline } from '../../helpers/fake-pipeline.js';
import { serveWebApp, stopWebApp } from '../../helpers/serve-web-app.js';
import { createHistoryRepo, type HistoryRepo } from '../../helpers/history-repo.js';
import { signInCookie } from '../../helpers/sign-in.js';
import { ARTIFACTS, checkPage, launchBrowser, XSS_MARKER, type Browser } from './browser.js';

const TOKEN = 'history-graph-browser-admin-token-0123';
const PHONE_375 = { width: 375, height: 812 };

let fp: FakePipeline;
let server: Server;
let base: string;
let browser: Browser;
let repo: HistoryRepo;

interface Box {
  what: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

// Page scripts are strings (as in browser.ts): the project's TypeScript has no DOM types.

/** Boxes (in page pixels) of the labels of one SVG, its scale on screen, and the font sizes of its text. */
async function labelBoxes(selector: string, parts: string[]): Promise<{ boxes: Box[]; scale: number; fontSizes: number[] }> {
  return browser.page.evaluate(`(() => {
    const svg = document.querySelector(${JSON.stringify(selector)});
    const boxes = [];
    for (const part of ${JSON.stringify(parts)}) {
      svg.querySelectorAll(part).forEach((el, i) => {
        const r = el.getBoundingClientRect();
        boxes.push({ what: part + '#' + i + ': ' + (el.textContent || '').slice(0, 30), x: r.x, y: r.y, w: r.width, h: r.height });
      });
    }
    const fontSizes = Array.from(svg.querySelectorAll('text')).map((t) => parseFloat(getComputedStyle(t).fontSize));
    return { boxes, scale: svg.getScreenCTM().a, fontSizes };
  })()`);
}

function overlaps(boxes: Box[]): string[] {
  const found: string[] = [];
  const eps = 0.5;
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i]!;
      const b = boxes[j]!;
      if (a.x + a.w - eps > b.x && b.x + b.w - eps > a.x && a.y + a.h - eps > b.y && b.y + b.h - eps > a.y) found.push(`${a.what} × ${b.what}`);
    }
  }
  return found;
}

/** Share of a screenshot's pixels that differ from its top-left pixel, counted by the browser on a blank page. */
async function inkShare(png: Buffer): Promise<number> {
  const blank = await browser.context.newPage();
  try {
    return await blank.evaluate(`(async () => {
      const img = new Image();
      img.src = 'data:image/png;base64,${png.toString('base64')}';
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.width;
      canvas.height = img.height;
      const ctx = canvas.getContext('2d');
      ctx.drawImage(img, 0, 0);
      const px = ctx.getImageData(0, 0, img.width, img.height).data;
      let ink = 0;
      for (let i = 0; i < px.length; i += 4) {
        if (Math.abs(px[i] - px[0]) + Math.abs(px[i + 1] - px[1]) + Math.abs(px[i + 2] - px[2]) > 30) ink++;
      }
      return ink / (px.length / 4);
    })()`);
  } finally {
    await blank.close();
  }
}

beforeAll(async () => {
  fp = await createFakePipeline({ env: { SLIPWAY_ADMIN_TOKEN: TOKEN } });
  ({ server, base } = await serveWebApp(fp));
  const cookie = await signInCookie(base, new URL(fp.config.publicUrl).origin, TOKEN);
  repo = await createHistoryRepo(fp, 'pictures', {
    featureMessage: `A feature with a very long subject line that goes on and on <script>window.${XSS_MARKER}=1</script>`,
  });
  // A second feature branch that is not merged: three lanes at the top of the graph.
  await repo.git(['checkout', '--quiet', '-b', 'feature/login-with-a-long-name', repo.sha.c2]);
  await repo.git(['commit', '--allow-empty', '-m', 'login: a form']);
  await repo.pushQuietly(['feature/login-with-a-long-name']);
  browser = await launchBrowser();
  await browser.context.addCookies(
    cookie.split('; ').map((c) => {
      const [name = '', ...value] = c.split('=');
      return { name, value: value.join('='), url: base };
    }),
  );
});

afterAll(async () => {
  await browser?.close();
  await stopWebApp(server, fp);
  repo?.dispose();
});

describe('the history pictures in a phone-sized browser', () => {
  it('draws the graph and the timeline at 375 px, legible, inside their boxes, with no labels overlapping', async () => {
    const { page } = browser;
    await page.setViewportSize(PHONE_375);
    await page.goto(`${base}/apps/pictures/history`);
    const graph = page.locator('svg.commit-graph');
    const timeline = page.locator('svg.environment-timeline');
    await expect.poll(() => graph.isVisible()).toBe(true);
    expect(await timeline.isVisible()).toBe(true);
    expect(await graph.getAttribute('role')).toBe('img');
    expect(await page.locator('#commit-graph-desc').textContent()).toMatch(/^\d+ commits in 3 lanes/);

    // The page is no wider than the phone: the pictures scroll inside their own boxes.
    const widths: { doc: number; view: number; boxes: { client: number; scroll: number }[] } = await page.evaluate(`({
      doc: document.documentElement.scrollWidth,
      view: document.documentElement.clientWidth,
      boxes: Array.from(document.querySelectorAll('.picture-scroll')).map((b) => ({ client: b.clientWidth, scroll: b.scrollWidth })),
    })`);
    expect(widths.doc).toBeLessThanOrEqual(widths.view);
    expect(widths.boxes[0]!.scroll).toBeGreaterThan(widths.boxes[0]!.client);
    for (const b of widths.boxes) expect(b.client).toBeLessThanOrEqual(PHONE_375.width);

    // Legible: drawn at its own size (not shrunk to the screen) with 12 px text; no label overlaps another.
    const g = await labelBoxes('svg.commit-graph', ['.graph-sha', '.graph-pill rect', '.graph-subject']);
    expect(g.scale).toBe(1);
    expect(Math.min(...g.fontSizes)).toBeGreaterThanOrEqual(12);
    expect(g.boxes.length).toBeGreaterThan(10);
    expect(overlaps(g.boxes)).toEqual([]);
    // Each pill's text sits inside its pill.
    const pillsFit: { label: string; fits: boolean }[] = await page.evaluate(`Array.from(document.querySelectorAll('svg.commit-graph .graph-pill')).map((p) => {
      const r = p.querySelector('rect').getBoundingClientRect();
      const t = p.querySelector('text').getBoundingClientRect();
      return { label: p.getAttribute('data-marker'), fits: t.left >= r.left - 0.5 && t.right <= r.right + 0.5 && t.top >= r.top - 1 && t.bottom <= r.bottom + 1 };
    })`);
    expect(pillsFit.length).toBeGreaterThanOrEqual(6);
    expect(pillsFit.filter((p) => !p.fits)).toEqual([]);
    const t = await labelBoxes('svg.environment-timeline', ['.timeline-label', '.timeline-segment text', '.timeline-axis text']);
    expect(t.scale).toBe(1);
    expect(Math.min(...t.fontSizes)).toBeGreaterThanOrEqual(12);
    expect(overlaps(t.boxes)).toEqual([]);

    // Rendered, not empty: screenshots of both pictures have ink.
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.locator('.history-graph .picture-scroll').scrollIntoViewIfNeeded();
    const graphShot = await graph.screenshot();
    const timelineShot = await timeline.screenshot();
    writeFileSync(join(ARTIFACTS, 'history-graph-375.png'), graphShot);
    writeFileSync(join(ARTIFACTS, 'history-timeline-375.png'), timelineShot);
    expect(await inkShare(graphShot)).toBeGreaterThan(0.03);
    expect(await inkShare(timelineShot)).toBeGreaterThan(0.03);
  });

  it('passes the checks every page gets, with the commit message kept as text', async () => {
    const { page } = browser;
    await page.goto(`${base}/apps/pictures/history`);
    const report = await checkPage(page, 'history-graph');
    expect(report.unnamed).toEqual([]);
    expect(report.overflow.culprits).toEqual([]);
    expect(report.injected).toEqual({ scripts: 0, ran: false });
    expect(await page.locator(`svg.commit-graph .graph-row[data-commit="${repo.sha.feature}"] .graph-subject`).textContent()).toContain('A feature with');
    // The list is still there for screen readers, and the skip link leads to it.
    expect(await page.locator('.history-row').count()).toBe(await page.locator('svg.commit-graph .graph-node').count());
    await page.locator('a[href="#commit-list"]').click();
    expect(await page.evaluate('location.hash')).toBe('#commit-list');
    expect(browser.errors).toEqual([]);
  });
});
