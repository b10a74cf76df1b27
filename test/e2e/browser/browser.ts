// Headless Chromium (Debian's) driven by playwright-core for the UI's browser tests, with the checks every page
// gets: screenshots at desktop and phone widths, no horizontal scrollbar at phone width, a name on every
// button and input, and no injected <script> from app data.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.SLIPWAY_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = resolve(import.meta.dirname, '../../../test-artifacts/browser');
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** What every Slipway page must never contain as markup: it is planted in app data to check escaping. */
export const XSS_MARKER = '__slipwayXss';

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Script errors and console errors of every page (CSP refusals show up here), except failed loads. */
  errors: string[];
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'slipway-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: DESKTOP,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Chromium resolves *.localhost itself; this makes sure it is IPv4 loopback, where the server listens.
      '--host-resolver-rules=MAP localhost 127.0.0.1, MAP *.localhost 127.0.0.1',
    ],
  });
  context.setDefaultTimeout(30_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  const watch = (p: Page) => {
    p.on('pageerror', (e) => errors.push(`${p.url()}: ${e.message}`));
    // Error pages answer 4xx on purpose; a refused load of our own files would show up as missing styles anyway.
    p.on('console', (m) => void (m.type() === 'error' && !m.text().startsWith('Failed to load resource') && errors.push(`${p.url()}: ${m.text()}`)));
  };
  watch(page);
  context.on('page', watch);
  return {
    context,
    page,
    errors,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Lines of the page's accessibility tree for buttons and form fields that have no accessible name. */
export async function unnamedControls(page: Page): Promise<string[]> {
  const tree = await page.locator('body').ariaSnapshot();
  return tree
    .split('\n')
    .filter((line) => /^\s*- (button|textbox|checkbox|radio|combobox|searchbox|spinbutton|slider|listbox|switch)(\s+\[[^\]]*\])*:?\s*$/.test(line));
}

/** Elements that stick out past the right edge of the viewport (what makes a horizontal scrollbar). */
export async function horizontalOverflow(page: Page): Promise<{ scrollWidth: number; clientWidth: number; culprits: string[] }> {
  return page.evaluate(`(() => {
    const doc = document.documentElement;
    const culprits = [];
    if (doc.scrollWidth > doc.clientWidth) {
      for (const el of document.body.querySelectorAll('*')) {
        const r = el.getBoundingClientRect();
        if (r.right > doc.clientWidth + 1 && r.width > 0) culprits.push(el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '') + ' ' + Math.round(r.right));
        if (culprits.length > 12) break;
      }
    }
    return { scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, culprits };
  })()`);
}

/** Script elements whose text carries the marker, and whether it ran. */
export async function injectedScripts(page: Page): Promise<{ scripts: number; ran: boolean }> {
  return page.evaluate(`(() => ({
    scripts: Array.from(document.querySelectorAll('script')).filter((s) => (s.textContent || '').includes('${XSS_MARKER}')).length,
    ran: typeof window['${XSS_MARKER}'] !== 'undefined',
  }))()`);
}

export interface PageReport {
  name: string;
  unnamed: string[];
  overflow: { scrollWidth: number; clientWidth: number; culprits: string[] };
  injected: { scripts: number; ran: boolean };
}

/**
 * The checks every page gets: screenshots at desktop and phone width (under test-artifacts/browser), controls
 * without names, horizontal overflow at phone width, injected scripts. Returns what it found; the test asserts.
 */
export async function checkPage(page: Page, name: string): Promise<PageReport> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.setViewportSize(DESKTOP);
  await page.screenshot({ path: join(ARTIFACTS, `${name}-desktop.png`), fullPage: true });
  const unnamed = await unnamedControls(page);
  const injected = await injectedScripts(page);
  await page.setViewportSize(PHONE);
  // Layout settles after a resize (fonts, grid); one frame is enough for the measure.
  await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
  const overflow = await horizontalOverflow(page);
  await page.screenshot({ path: join(ARTIFACTS, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize(DESKTOP);
  return { name, unnamed, overflow, injected };
}
