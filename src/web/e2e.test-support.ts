/**
 * Support for the end-to-end browser test: headless Chromium (the Debian package) through
 * playwright-core, a watch on every page for console errors and failed requests to our own origin,
 * full-page screenshots under artifacts/screenshots/, and the TOTP codes a user's phone would show.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { totpCode, totpStep } from '../accounts/totp.ts';

export const CHROMIUM_PATH = process.env.NOX_CHROMIUM ?? '/usr/bin/chromium';

export const SCREENSHOT_DIR = join(import.meta.dirname, '..', '..', 'artifacts', 'screenshots');

/** Why the browser test cannot run here, or undefined when Chromium is installed. */
export function missingBrowser(): string | undefined {
  return existsSync(CHROMIUM_PATH) ? undefined : `Chromium is not installed at ${CHROMIUM_PATH} (apt-get install chromium, or set NOX_CHROMIUM)`;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}

/** A desktop-sized context in Swedish, accepting the downloads the export page offers. */
export function desktopContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'sv-SE', timezoneId: 'Europe/Stockholm', acceptDownloads: true });
}

/**
 * Problems a user would not see but should not happen: console errors, uncaught exceptions, requests to
 * our origin that failed or answered 5xx. Confirmation dialogs (`data-confirm`) are accepted and kept.
 */
export class PageWatch {
  readonly problems: string[] = [];
  readonly dialogs: string[] = [];
  readonly #origin: string;

  constructor(origin: string) {
    this.#origin = new URL(origin).origin;
  }

  attach(page: Page): void {
    page.on('console', (msg) => {
      // Fortnox's own pages (here the simulator's consent page) are not ours to judge.
      if (!page.url().startsWith(this.#origin)) return;
      if (msg.type() === 'error') this.problems.push(`console error on ${page.url()}: ${msg.text()}${msg.location().url === '' ? '' : ` (${msg.location().url})`}`);
    });
    page.on('pageerror', (err) => this.problems.push(`uncaught ${err.name} on ${page.url()}: ${err.message}`));
    page.on('requestfailed', (request) => {
      if (!request.url().startsWith(this.#origin)) return;
      const failure = request.failure()?.errorText ?? 'failed';
      // A navigation that becomes a download, or a poll cut short by the reload it asked for, is aborted by design.
      if (failure === 'net::ERR_ABORTED' && (request.isNavigationRequest() || request.resourceType() === 'fetch')) return;
      this.problems.push(`${request.method()} ${request.url()} failed: ${failure}`);
    });
    page.on('response', (response) => {
      if (response.url().startsWith(this.#origin) && response.status() >= 500) this.problems.push(`${response.request().method()} ${response.url()} answered ${response.status()}`);
    });
    page.on('dialog', (dialog) => {
      this.dialogs.push(dialog.message());
      void dialog.accept();
    });
  }
}

/** A full-page PNG at artifacts/screenshots/<name>.png. */
/**
 * What an automated look can tell about a page's accessibility (WCAG basics): the language, one h1 and
 * no skipped heading levels, a main landmark, a name for every form control, button and link, alt text
 * on images, header cells in every data table, and unique ids. Runs in the page; returns the problems.
 */
const A11Y_CHECK = `(() => {
  const problems = [];
  const name = (el) => (el.getAttribute('aria-label') || el.getAttribute('title') || el.textContent || '').trim();
  if (!['sv', 'en'].includes(document.documentElement.lang)) problems.push('html has no lang="sv|en"');
  const h1 = document.querySelectorAll('h1').length;
  if (h1 !== 1) problems.push(h1 + ' h1 elements');
  let last = 0;
  for (const h of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
    const level = Number(h.tagName[1]);
    if (last !== 0 && level > last + 1) problems.push('heading ' + h.tagName + ' "' + name(h).slice(0, 40) + '" skips a level after h' + last);
    last = level;
  }
  if (document.querySelectorAll('main').length !== 1) problems.push('no single main landmark');
  for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
    const labelled = (el.labels && el.labels.length > 0) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.getAttribute('title');
    if (!labelled) problems.push('form control ' + (el.getAttribute('name') || el.tagName) + ' has no label');
  }
  for (const el of document.querySelectorAll('button, a[href]')) if (name(el) === '') problems.push(el.tagName.toLowerCase() + ' without a name (' + (el.getAttribute('href') || el.outerHTML.slice(0, 60)) + ')');
  for (const img of document.querySelectorAll('img')) if (!img.hasAttribute('alt')) problems.push('img without alt');
  for (const table of document.querySelectorAll('table')) if (table.querySelectorAll('th').length === 0) problems.push('a table without header cells');
  const ids = new Map();
  for (const el of document.querySelectorAll('[id]')) ids.set(el.id, (ids.get(el.id) || 0) + 1);
  for (const [id, n] of ids) if (n > 1) problems.push('id "' + id + '" used ' + n + ' times');
  return problems;
})()`;

/** Accessibility problems found on the pages screenshot so far, by screenshot name. */
export const accessibilityProblems: string[] = [];

/** A full-page screenshot, and (for our own pages) the accessibility check of the page as it is. */
export async function screenshot(page: Page, name: string): Promise<string> {
  if (!name.startsWith('failed-')) {
    const found = await page.evaluate<string[]>(A11Y_CHECK);
    accessibilityProblems.push(...found.map((p) => `${name}: ${p}`));
  }
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * The user's authenticator app. A code's time step can be used once, so after one was accepted the
 * next code is the following step's (the server accepts one step ahead), waiting if that is used too.
 */
export class Authenticator {
  readonly secret: string;
  #lastStep = -1;

  constructor(secret: string) {
    this.secret = secret;
  }

  async nextCode(): Promise<string> {
    for (;;) {
      const now = Date.now();
      const current = totpStep(new Date(now));
      const step = Math.max(current, this.#lastStep + 1);
      if (step <= current + 1) {
        this.#lastStep = step;
        return totpCode(this.secret, new Date(step * 30_000 + 1000));
      }
      await new Promise((resolve) => setTimeout(resolve, (current + 1) * 30_000 - now + 200));
    }
  }
}
