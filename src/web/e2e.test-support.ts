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
export async function screenshot(page: Page, name: string): Promise<string> {
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
