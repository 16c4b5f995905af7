/**
 * The web app end to end in real headless Chromium, clicking like a user in the Swedish UI: sign up,
 * set up two-factor sign-in, sign out and in again, connect the simulated Fortnox company through its
 * consent page, back up, browse and search, see a record's history and diff, export and download a ZIP,
 * restore a changed customer, read the alerts and the audit log, switch to English. Screenshots of the
 * pages go to artifacts/screenshots/. Without Chromium the test is skipped, unless NOX_REQUIRE_BROWSER=1
 * (CI), where it fails.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test, type TestContext } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { connectSimulatorCompany, createTestOrg, startTestWeb, type TestWeb } from './web.test-support.ts';
import { SESSION_COOKIE } from './server.ts';
import { Authenticator, PageWatch, accessibilityProblems, desktopContext, launchChromium, missingBrowser, screenshot } from './e2e.test-support.ts';

const STEP_MS = 60_000;
const EMAIL = 'anna.andersson@exempel.se';
const PASSWORD = 'korrekt häst batteri häftstift';
const CHANGED_CITY = 'Ändrad ort i Fortnox';

/** What the steps learn as they go, for the steps after them. */
interface Run {
  readonly web: TestWeb;
  readonly browser: Browser;
  readonly context: BrowserContext;
  readonly page: Page;
  readonly watch: PageWatch;
  authenticator?: Authenticator;
  /** Our tenant id of the connected company (from its page's URL). */
  companyId?: string;
  /** The simulator's tenant id of that company. */
  fortnoxTenantId?: number;
  /** A customer opened in the browser, and its city before the test changed it in Fortnox. */
  customer?: { key: string; name: string; city: string };
}

const companyNav = (page: Page): Locator => page.getByRole('navigation', { name: 'Företagsmeny' });
const mainNav = (page: Page): Locator => page.getByRole('navigation', { name: 'Huvudmeny' });
const h1 = (page: Page, name: string | RegExp): Locator => page.getByRole('heading', { level: 1, name });

async function control(run: Run, path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${run.web.web.simulator!.url}/__sim/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200, `simulator control ${path}: ${await res.clone().text()}`);
  return res.json();
}

/** From a backup's job or run page until the run has finished (the page polls and reloads itself). */
async function waitForBackup(page: Page): Promise<void> {
  await page.getByRole('heading', { level: 2, name: 'Resultat' }).waitFor({ timeout: 90_000 });
  await page.locator('.facts .badge').filter({ hasText: 'Lyckades' }).first().waitFor();
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
  await h1(page, 'Ställ in tvåfaktorsinloggning').waitFor();
  const secret = await page.locator('code.totp-secret').getAttribute('data-secret');
  assert.match(secret ?? '', /^[A-Z2-7]{16,}$/, 'the set-up page shows the base32 secret');
  run.authenticator = new Authenticator(secret!);
  await screenshot(page, '02-two-factor');
  await page.getByLabel('Kod från appen').fill(await run.authenticator.nextCode());
  await page.getByRole('button', { name: 'Slå på' }).click();
  await page.waitForURL('**/dashboard');
  await h1(page, 'Välkommen till Noxbackup').waitFor();
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
  await h1(page, 'Tvåfaktorsinloggning').waitFor();
  await page.getByLabel('Kod').fill(await run.authenticator!.nextCode());
  await page.getByRole('button', { name: 'Fortsätt' }).click();
  await page.waitForURL('**/dashboard');
  await h1(page, 'Välkommen till Noxbackup').waitFor();
}

async function connectFortnox(run: Run): Promise<void> {
  const { page, web } = run;
  const sim = web.web.simulator!;
  const target = sim.tenants[0]!;
  await page.getByRole('link', { name: 'Anslut Fortnox' }).click();
  await h1(page, 'Anslut Fortnox').waitFor();
  await page.getByRole('heading', { level: 2, name: 'Servicekonto (rekommenderas)' }).waitFor();
  await screenshot(page, '04-connect');
  await page.getByRole('radio', { name: 'Servicekonto (rekommenderas)' }).check();
  await page.getByRole('button', { name: 'Fortsätt till Fortnox' }).click();
  // Fortnox's (the simulator's) consent page, in Swedish.
  await page.waitForURL(`${sim.authUrl}/oauth-v1/auth**`);
  await h1(page, 'Godkänn integration').waitFor();
  await page.getByLabel('Företag:').selectOption(String(target.tenantId));
  await page.getByRole('button', { name: 'Godkänn' }).click();
  await page.waitForURL(`${web.url}/companies/*?notice=connected`);
  run.companyId = new URL(page.url()).pathname.split('/')[2];
  run.fortnoxTenantId = target.tenantId;
  await h1(page, target.name).waitFor();
  await page.getByText('är anslutet. Den första säkerhetskopieringen har startat.').waitFor();
}

async function firstBackup(run: Run): Promise<void> {
  const { page, web } = run;
  // Connecting queued the first backup at once; follow it, or open it if it already finished.
  const follow = page.getByRole('link', { name: 'Följ den' });
  if (await follow.isVisible()) await follow.click();
  else await page.getByRole('link', { name: 'Detaljer' }).click();
  await waitForBackup(page);
  await screenshot(page, '05-backup-run');
  await page.getByRole('link', { name: 'Till företaget' }).click();
  await page.getByRole('button', { name: 'Säkerhetskopiera nu' }).waitFor();
  const counts = page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'Datamängd' }) });
  const customers = await counts.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Kunder', exact: true }) }).getByRole('cell').first().textContent();
  assert.ok(Number((customers ?? '').replace(/\D/g, '')) > 0, `the company page counts the backed-up customers (${customers})`);
  await screenshot(page, '06-company');
  // The same page on a phone: nothing wider than the screen.
  const phone = await run.browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'sv-SE', storageState: await run.context.storageState() });
  try {
    const small = await phone.newPage();
    run.watch.attach(small);
    await small.goto(`${web.url}/dashboard`);
    await small.waitForURL(`**/companies/${run.companyId}`);
    await small.getByRole('button', { name: 'Säkerhetskopiera nu' }).waitFor();
    const width = await small.evaluate('document.documentElement.scrollWidth');
    await screenshot(small, '07-company-phone');
    assert.ok(typeof width === 'number' && width <= 390, `the company page fits a 390 px wide phone (it is ${String(width)} px wide)`);
  } finally {
    await phone.close();
  }
}

async function browse(run: Run): Promise<void> {
  const { page, web } = run;
  await companyNav(page).getByRole('link', { name: 'Säkerhetskopior' }).click();
  await h1(page, 'Säkerhetskopior').waitFor();
  await page.getByText('Första säkerhetskopian').waitFor();
  await screenshot(page, '08-snapshots');
  await companyNav(page).getByRole('link', { name: 'Bläddra' }).click();
  await h1(page, 'Bläddra i säkerhetskopian').waitFor();
  await page.getByRole('link', { name: 'Kunder', exact: true }).click();
  await h1(page, 'Kunder').waitFor();
  const firstRow = page.locator('tbody tr').first();
  const key = (await firstRow.getByRole('rowheader').textContent())!.trim();
  const name = (await firstRow.getByRole('cell').nth(1).textContent())!.trim();
  assert.ok(key !== '' && name !== '', 'the customer table shows numbers and names');
  await screenshot(page, '09-customers');
  // Search by the customer's name: its row is found.
  await page.getByLabel('Sök', { exact: true }).fill(name);
  await page.getByRole('button', { name: 'Sök', exact: true }).click();
  await page.waitForURL(/[?&]q=/);
  await page.getByText(`Sökningen letar efter ”${name}”`).waitFor();
  await page.getByRole('rowheader', { name: key, exact: true }).waitFor();
  await page.getByRole('link', { name: key, exact: true }).click();
  await h1(page, `Kunder ${key}`).waitFor();
  await page.getByRole('heading', { level: 2, name: 'Historik' }).waitFor();
  await screenshot(page, '10-customer');
  const sim = web.web.simulator!.simulator;
  const stored = sim.companies.get(run.fortnoxTenantId!)!.customers.get(key);
  assert.ok(stored !== undefined, `customer ${key} is in the simulated company`);
  run.customer = { key, name, city: typeof stored.data.City === 'string' ? stored.data.City : '' };
}

async function changeAndBackUpAgain(run: Run): Promise<void> {
  const { page, web } = run;
  // Test setup, as if people worked in Fortnox: a simulated business day, and the customer's city changed.
  await control(run, 'business-days', { days: 1, tenantId: run.fortnoxTenantId });
  const writer = await web.web.app.writerFor(run.companyId!);
  await writer.update('customers', run.customer!.key, { City: CHANGED_CITY });
  await companyNav(page).getByRole('link', { name: 'Företaget' }).click();
  await page.getByRole('button', { name: 'Säkerhetskopiera nu' }).click();
  await waitForBackup(page);
  // The record's history now has two versions; compare them.
  await page.goto(`${web.url}/companies/${run.companyId}/records/customers/${encodeURIComponent(run.customer!.key)}`);
  await h1(page, `Kunder ${run.customer!.key}`).waitFor();
  const history = page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'Version' }) });
  assert.equal(await history.locator('tbody tr').count(), 2, 'two versions in the history');
  await page.getByRole('link', { name: 'Jämför med föregående' }).click();
  await h1(page, `Ändringar i Kunder ${run.customer!.key}`).waitFor();
  const cityRow = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: /^Ort City$/ }) });
  await cityRow.locator('td.diff-added').filter({ hasText: CHANGED_CITY }).waitFor();
  if (run.customer!.city !== '') await cityRow.locator('td.diff-removed').filter({ hasText: run.customer!.city }).waitFor();
  await screenshot(page, '11-diff');
  // The snapshots page counts the second backup's changes.
  await companyNav(page).getByRole('link', { name: 'Säkerhetskopior' }).click();
  await page.getByRole('link', { name: 'Vad ändrades' }).first().click();
  await page.getByRole('heading', { level: 1, name: /^Ändringar i säkerhetskopian/ }).waitFor();
  await page.getByRole('rowheader', { name: run.customer!.key, exact: true }).first().waitFor();
  await screenshot(page, '12-changes');
}

async function exportZip(run: Run): Promise<void> {
  const { page } = run;
  await companyNav(page).getByRole('link', { name: 'Export' }).click();
  await h1(page, 'Export').waitFor();
  await page.getByRole('button', { name: 'Skapa export' }).click();
  await h1(page, /^Export /).waitFor();
  await page.getByText('Exporten är klar.').waitFor({ timeout: 90_000 });
  await screenshot(page, '13-export');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Ladda ner' }).click()]);
  assert.match(download.suggestedFilename(), /^noxbackup-.*\.zip$/);
  const bytes = await readFile(await download.path());
  assert.ok(bytes.length > 22, `the ZIP has content (${bytes.length} bytes)`);
  assert.equal(bytes.subarray(0, 2).toString('latin1'), 'PK', 'the download is a ZIP file');
}

async function restoreCustomer(run: Run): Promise<void> {
  const { page, web } = run;
  const { key, city } = run.customer!;
  await companyNav(page).getByRole('link', { name: 'Återställning' }).click();
  await h1(page, 'Återställning').waitFor();
  // The first backup, before the city was changed: the last choice (newest first, after "the newest").
  const form = page.getByRole('region', { name: 'Planera en återställning' });
  const choice = form.getByLabel('Säkerhetskopia', { exact: true });
  const oldest = await choice.locator('option').last().getAttribute('value');
  assert.ok(oldest !== null && oldest !== 'latest', 'the form offers the first backup');
  await choice.selectOption(oldest);
  await form.getByLabel('Eller bara vissa poster').fill(`customers:${key}`);
  await form.getByRole('button', { name: 'Visa planen' }).click();
  await h1(page, 'Plan för återställning').waitFor();
  const plan = page.getByRole('table', { name: new RegExp(`Kunder ${key}`) });
  const cityRow = plan.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'City', exact: true }) });
  await cityRow.locator('td.diff-removed').filter({ hasText: CHANGED_CITY }).waitFor();
  await screenshot(page, '14-restore-plan');
  await page.getByLabel('Jag förstår att detta skriver till Fortnox').check();
  await page.getByRole('button', { name: 'Återställ till Fortnox' }).click();
  await page.getByRole('heading', { level: 2, name: 'Rapport' }).waitFor({ timeout: 90_000 });
  await page.locator('.notice').filter({ hasText: 'Klar' }).first().waitFor();
  assert.ok(run.watch.dialogs.includes('Skriva ändringarna till Fortnox nu?'), 'the restore asked for confirmation');
  await screenshot(page, '15-restore-report');
  const reader = await web.web.app.readerFor(run.companyId!);
  const now = await reader.detail('customers', key);
  assert.equal(now.City ?? '', city, 'Fortnox has the customer\'s city from the backup again');
}

async function alertsAndAudit(run: Run): Promise<void> {
  const { page } = run;
  await mainNav(page).getByRole('link', { name: 'Larm' }).click();
  await h1(page, 'Larm').waitFor();
  await screenshot(page, '16-alerts');
  await mainNav(page).getByRole('link', { name: 'Granskningslogg' }).click();
  await h1(page, 'Granskningslogg').waitFor();
  const log = page.getByRole('table', { name: 'Händelser i granskningsloggen' });
  for (const label of ['Skapade organisationen', 'Loggade in', 'Anslöt ett företag', 'Startade en säkerhetskopiering', 'Skapade en export', 'Laddade ned en export', 'Planerade en återställning', 'Genomförde en återställning']) {
    await log.getByRole('rowheader', { name: label, exact: true }).first().waitFor({ timeout: 5000 });
  }
  await screenshot(page, '17-audit');
}

async function switchToEnglish(run: Run): Promise<void> {
  const { page } = run;
  await page.goto(`${run.web.url}/companies/${run.companyId}/snapshots`);
  await h1(page, 'Säkerhetskopior').waitFor();
  await page.getByRole('button', { name: 'In English' }).click();
  await h1(page, 'Backups').waitFor();
  await page.getByRole('button', { name: 'På svenska' }).waitFor();
  await screenshot(page, '18-snapshots-english');
}

/**
 * An accounting firm: three client companies, one of them really backed up (the simulator's second
 * company), the others never connected. Its administrator's dashboard lists problems first, and the
 * organisation page shows the members and their assigned companies.
 */
async function firmOverview(run: Run): Promise<void> {
  const firm = await createTestOrg(run.web, { kind: 'firm', name: 'Byrån Exempel AB', companies: ['Alfa Bygg AB', 'Beta Konsult AB'], members: { fia: 'admin', frida: 'user' }, assign: { frida: [0] } });
  await connectSimulatorCompany(run.web, firm.orgId, { index: 1 });
  const context = await desktopContext(run.browser);
  context.setDefaultTimeout(STEP_MS);
  await context.addCookies([{ name: SESSION_COOKIE, value: firm.members.fia!.client.cookies.get(SESSION_COOKIE)!, url: run.web.url }]);
  const page = await context.newPage();
  run.watch.attach(page);
  await page.goto(`${run.web.url}/dashboard`);
  const table = page.getByRole('table').first();
  await table.waitFor();
  const rows = table.locator('tbody tr');
  assert.equal(await rows.count(), 3, 'every client company is listed');
  assert.match(await rows.first().innerText(), /Alfa Bygg AB|Beta Konsult AB/, 'a company needing attention comes first');
  assert.match(await rows.last().innerText(), new RegExp(run.web.web.simulator!.tenants[1]!.name), 'the backed-up company, which is fine, comes last');
  await screenshot(page, '19-firm-dashboard');
  await page.goto(`${run.web.url}/org`);
  await h1(page, 'Byrån Exempel AB').or(page.getByRole('heading', { level: 1 })).first().waitFor();
  await screenshot(page, '20-firm-organisation');
  await context.close();
}

const STEPS: readonly [string, (run: Run) => Promise<void>][] = [
  ['signs up as a company and turns on two-factor sign-in', signUp],
  ['signs out and in again with the password and a fresh code', signOutAndIn],
  ['connects the Fortnox company through Fortnox\'s consent page', connectFortnox],
  ['follows the first backup to the end and sees the counts, also on a phone', firstBackup],
  ['browses the snapshots, the customers, a search and a customer', browse],
  ['backs up again after changes in Fortnox and sees the customer\'s diff', changeAndBackUpAgain],
  ['creates an export and downloads the ZIP', exportZip],
  ['restores the customer\'s old city from the first backup', restoreCustomer],
  ['reads the alerts and finds every action in the audit log', alertsAndAudit],
  ['switches the interface to English', switchToEnglish],
  ['shows an accounting firm all its client companies, problems first', firmOverview],
];

test('a company signs up, connects Fortnox, backs up, browses, exports and restores in a real browser', { timeout: 300_000 }, async (t: TestContext) => {
  const missing = missingBrowser();
  if (missing !== undefined) {
    if (process.env.NOX_REQUIRE_BROWSER === '1') assert.fail(`NOX_REQUIRE_BROWSER=1 but ${missing}`);
    t.skip(missing);
    return;
  }
  const web = await startTestWeb();
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const context = await desktopContext(browser);
    context.setDefaultTimeout(STEP_MS);
    const page = await context.newPage();
    const watch = new PageWatch(web.url);
    watch.attach(page);
    const run: Run = { web, browser, context, page, watch };
    let failed: string | undefined;
    for (const [name, step] of STEPS) {
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
    assert.deepEqual(accessibilityProblems, [], 'every page screenshot passes the basic accessibility checks');
  } finally {
    await browser?.close();
    await web.close();
  }
});
