/**
 * The web app end to end in real headless Chromium, clicking like a user in the Swedish UI: sign up,
 * set up two-factor sign-in, sign out and in again. Screenshots of the pages go to artifacts/screenshots/.
 * Without Chromium the test is skipped, unless NOX_REQUIRE_BROWSER=1 (CI), where it fails.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestWeb, type TestWeb } from './web.test-support.ts';
import { Authenticator, PageWatch, desktopContext, launchChromium, missingBrowser, screenshot } from './e2e.test-support.ts';

const STEP_MS = 60_000;
const EMAIL = 'anna.andersson@exempel.se';
const PASSWORD = 'korrekt häst batteri häftstift';

interface Run {
  readonly web: TestWeb;
  readonly page: Page;
  readonly watch: PageWatch;
  authenticator?: Authenticator;
}

async function signUp(run: Run): Promise<void> {
  const { page, web } = run;
  await page.goto(web.url);
  await page.getByRole('link', { name: 'Skapa konto' }).first().click();
  await page.waitForURL('**/signup');
  await page.getByLabel('Jag registrerar').selectOption({ label: 'ett företag' });
  await page.getByLabel('Organisationens namn').fill('Anderssons Bygg AB');
  await page.getByLabel('Organisationsnummer').fill('556677-8899');
  await page.getByLabel('Ditt namn').fill('Anna Andersson');
  await page.getByLabel('E-postadress').fill(EMAIL);
  await page.getByLabel('Lösenord').fill(PASSWORD);
  await screenshot(page, '01-signup');
  await page.getByRole('button', { name: 'Skapa konto' }).click();
  await page.waitForURL('**/account/two-factor');
  await page.getByRole('heading', { level: 1, name: 'Ställ in tvåfaktorsinloggning' }).waitFor();
  const secret = await page.locator('code.totp-secret').getAttribute('data-secret');
  assert.match(secret ?? '', /^[A-Z2-7]{16,}$/, 'the set-up page shows the base32 secret');
  run.authenticator = new Authenticator(secret!);
  await screenshot(page, '02-two-factor');
  await page.getByLabel('Kod från appen').fill(await run.authenticator.nextCode());
  await page.getByRole('button', { name: 'Slå på' }).click();
  await page.waitForURL('**/dashboard');
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  await screenshot(page, '03-dashboard-empty');
}

async function signOutAndIn(run: Run): Promise<void> {
  const { page } = run;
  await page.getByRole('button', { name: 'Logga ut' }).click();
  await page.waitForURL('**/login');
  await page.getByLabel('E-postadress').fill(EMAIL);
  await page.getByLabel('Lösenord').fill(PASSWORD);
  await page.getByRole('button', { name: 'Logga in' }).click();
  await page.waitForURL('**/login/two-factor**');
  await page.getByRole('heading', { level: 1, name: 'Tvåfaktorsinloggning' }).waitFor();
  await page.getByLabel('Kod').fill(await run.authenticator!.nextCode());
  await page.getByRole('button', { name: 'Fortsätt' }).click();
  await page.waitForURL('**/dashboard');
}

async function switchToEnglish(run: Run): Promise<void> {
  const { page } = run;
  await page.goto(`${run.web.url}/account`);
  await page.getByRole('heading', { level: 1, name: 'Mitt konto' }).waitFor();
  await page.getByRole('button', { name: 'In English' }).click();
  await page.getByRole('heading', { level: 1, name: 'My account' }).waitFor();
  await page.getByRole('button', { name: 'På svenska' }).waitFor();
  await screenshot(page, '90-account-english');
}

test('a company signs up, sets up two-factor sign-in and signs in again in a real browser', { timeout: 240_000 }, async (t: TestContext) => {
  const missing = missingBrowser();
  if (missing !== undefined) {
    if (process.env.NOX_REQUIRE_BROWSER === '1') assert.fail(`NOX_REQUIRE_BROWSER=1 but ${missing}`);
    t.skip(missing);
    return;
  }
  const web = await startTestWeb();
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  try {
    browser = await launchChromium();
    context = await desktopContext(browser);
    context.setDefaultTimeout(STEP_MS);
    const page = await context.newPage();
    const watch = new PageWatch(web.url);
    watch.attach(page);
    const run: Run = { web, page, watch };
    const steps: [string, (run: Run) => Promise<void>][] = [
      ['signs up as a company and turns on two-factor sign-in', signUp],
      ['signs out and in again with the password and a code', signOutAndIn],
      ['switches the interface to English', switchToEnglish],
    ];
    let failed: string | undefined;
    for (const [name, step] of steps) {
      await t.test(name, { skip: failed === undefined ? false : `the step "${failed}" failed` }, async () => {
        try {
          await step(run);
        } catch (err) {
          failed = name;
          await screenshot(page, `failed-${name.replace(/\W+/g, '-')}`).catch(() => undefined);
          throw err;
        }
      });
    }
    assert.deepEqual(watch.problems, [], 'no console errors, uncaught exceptions or failed requests to our server');
  } finally {
    await context?.close();
    await browser?.close();
    await web.close();
  }
});
