// End-to-end journeys in Debian Chromium against the real binary
// (BPT_BIN, default ../bin/bptracker), with axe-core on every screen.
// BPT_E2E_MOCK=1 runs them against the in-memory mock API instead.
// Prints "N passed, N failed" and exits non-zero on any failure.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { WEB, axe, launch, signIn, startMockServer, startReal, watchPage } from './lib.mjs';

const MOCK = process.env.BPT_E2E_MOCK === '1';
const BIN = resolve(WEB, process.env.BPT_BIN ?? '../bin/bptracker');
const OUT = join(WEB, 'e2e', 'out');
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });

if (!existsSync(join(WEB, 'dist', 'index.html'))) {
  console.error('web/dist is missing: run `npm run build` first');
  process.exit(2);
}
if (!MOCK && !existsSync(BIN)) {
  console.error(`server binary not found at ${BIN} (set BPT_BIN, or BPT_E2E_MOCK=1 for the mock API)`);
  process.exit(2);
}

const patient = { email: 'alice@example.com', role: 'patient', name: 'Alice Patient' };
const provider = { email: 'dr.bob@example.com', role: 'provider', name: 'Dr Bob Provider' };
const admin = { email: 'admin@example.com', role: 'admin', name: 'Ada Admin' };
const carol = { email: 'carol@example.com', role: 'patient', name: 'Carol Patient' };
const dave = { email: 'dave@example.com', role: 'patient', name: 'Dave Patient' };
const IDLE = 30; // seconds, for the automatic logoff journey

const start = (users, idle) => (MOCK ? startMockServer(users, { idleTimeout: idle ?? 900 }) : startReal(BIN, users, idle ? { idleTimeout: `${idle}s` } : {}));

const results = [];
const problems = [];
let failedAny = false;
async function test(name, fn, page) {
  const t0 = Date.now();
  try {
    await fn();
    results.push([name, true]);
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failedAny = true;
    results.push([name, false]);
    console.log(`FAIL ${name}: ${e?.stack ?? e}`);
    if (page) await page.screenshot({ path: join(OUT, name.replace(/\W+/g, '-') + '.png'), fullPage: true }).catch(() => {});
  }
}
const screens = new Set();
const axeOn = (page) => async (name) => { await axe(page, name); screens.add(name); };

const b = await launch();
const server = await start([patient, provider, admin, carol]);
try {
  const base = server.url;
  const pctx = await b.browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await pctx.newPage();
  watchPage(page, problems);
  page.setDefaultTimeout(10_000);

  await test('signed-out screens pass axe (sign-in, invitation)', async () => {
    await page.goto(base + '/invite/not-a-real-code');
    await page.getByRole('heading', { name: 'Accept your invitation', exact: true }).waitFor();
    await axeOn(page)('invite');
  }, page);

  await test('patient signs in with MFA setup and saves recovery codes', async () => {
    const first = await signIn(page, base, patient.email, axeOn(page));
    if (!first) throw new Error('want first-time MFA setup');
    await page.getByRole('heading', { name: 'Add a reading', exact: true }).waitFor();
    await axeOn(page)('entry');
  }, page);

  await test('patient enters a session of two readings', async () => {
    const sys = page.getByLabel('Systolic (upper)');
    await sys.click();
    await page.keyboard.type('128');
    // Auto-advance: the next digits land in diastolic, then pulse.
    await page.keyboard.type('82');
    await page.keyboard.type('64');
    if ((await page.getByLabel('Diastolic (lower)').inputValue()) !== '82') throw new Error('auto-advance to diastolic failed');
    if ((await page.getByLabel('Pulse', { exact: true }).inputValue()) !== '64') throw new Error('auto-advance to pulse failed');
    await page.locator('.live').getByText('Stage 1 hypertension').waitFor();
    await page.getByLabel('Left', { exact: true }).check();
    await page.getByRole('button', { name: 'Save reading' }).click();
    await page.getByText(/Saved 128\/82 mmHg/).waitFor();
    await page.getByRole('button', { name: 'Another reading' }).click();
    await page.getByRole('timer').waitFor();
    await axeOn(page)('entry-session');
    await sys.click();
    await page.keyboard.type('12480');
    await page.getByRole('button', { name: 'Save reading' }).click();
    await page.getByText('2 readings in this session').waitFor();
    // Arm is remembered for the next reading (a preference, not health data).
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    if (/128|124|alice|Alice/.test(stored)) throw new Error('health data or identity in web storage: ' + stored);
    if (!(await page.getByLabel('Left', { exact: true }).isChecked())) throw new Error('arm was not remembered');
  }, page);

  await test('patient sees both readings in history with category labels', async () => {
    await page.getByRole('link', { name: 'History', exact: true }).click();
    await page.getByRole('heading', { name: 'History', exact: true }).waitFor();
    const list = page.getByRole('list', { name: 'Readings, newest first' });
    await list.getByText('124/80').waitFor();
    await list.getByText('128/82').waitFor();
    const labels = await list.locator('.badge').allTextContents();
    if (labels.length !== 2 || !labels.every((l) => /hypertension|Normal|Elevated/.test(l))) throw new Error(`labels: ${labels}`);
    await axeOn(page)('history');
    // Delete asks for confirmation; cancelling keeps the reading.
    await page.getByRole('button', { name: /Delete reading/ }).first().click();
    await page.getByRole('dialog', { name: 'Delete this reading?' }).waitFor();
    await axeOn(page)('history-confirm-delete');
    await page.getByRole('button', { name: 'Cancel' }).click();
    if ((await list.locator('li.reading').count()) !== 2) throw new Error('cancel deleted a reading');
  }, page);

  await test('patient sees the readings on the trends chart', async () => {
    await page.getByRole('link', { name: 'Trends', exact: true }).click();
    await page.locator('.chart-box canvas').first().waitFor();
    const n = await page.locator('.chart-box').getAttribute('data-points');
    if (n !== '2') throw new Error(`chart has ${n} points, want 2`);
    await page.getByRole('heading', { name: 'Summary', exact: true }).waitFor();
    await axeOn(page)('trends');
    await page.getByLabel('Average readings taken together').check();
    await page.waitForFunction(() => document.querySelector('.chart-box')?.getAttribute('data-points') === '1');
  }, page);

  await test('patient shares the record with a provider', async () => {
    await page.getByRole('link', { name: 'Sharing', exact: true }).click();
    await page.getByRole('heading', { name: 'Sharing', exact: true }).waitFor();
    await page.getByLabel('Their email', { exact: true }).fill(provider.email);
    await page.getByLabel('They are my', { exact: true }).selectOption('provider');
    await page.getByLabel('Access', { exact: true }).selectOption('read');
    await page.getByRole('button', { name: 'Share' }).click();
    await page.getByRole('status').getByText(/Access granted/).waitFor();
    await page.getByRole('table', { name: /People with access/ }).getByText(provider.name).waitFor();
    await axeOn(page)('sharing');
  }, page);

  await test('patient account and import/export screens pass axe', async () => {
    await page.getByRole('link', { name: 'Import & export', exact: true }).click();
    await page.getByRole('heading', { name: 'Import and export', exact: true }).waitFor();
    await axeOn(page)('data');
    await page.getByRole('link', { name: 'Account', exact: true }).click();
    await page.getByRole('heading', { name: 'Account', exact: true }).waitFor();
    await page.getByRole('table', { name: 'Active sessions' }).waitFor();
    await axeOn(page)('account');
  }, page);

  await test('patient screens reflow at 360 px wide (no page-level horizontal scrolling)', async () => {
    await page.setViewportSize({ width: 360, height: 740 });
    for (const path of ['/entry', '/history', '/trends', '/sharing', '/data', '/account']) {
      await page.goto(base + path);
      await page.locator('h1').waitFor();
      await page.waitForLoadState('networkidle');
      const w = await page.evaluate(() => document.documentElement.scrollWidth);
      if (w > 360) throw new Error(`${path} is ${w} px wide at a 360 px viewport`);
    }
  }, page);

  await pctx.close();

  const dctx = await b.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const dpage = await dctx.newPage();
  watchPage(dpage, problems);
  dpage.setDefaultTimeout(10_000);
  await test('provider sees the patient in the panel', async () => {
    await signIn(dpage, base, provider.email);
    await dpage.getByRole('heading', { name: 'Patients', exact: true }).waitFor();
    await dpage.getByRole('link', { name: patient.name, exact: true }).waitFor();
    await axeOn(dpage)('panel');
    await dpage.getByRole('button', { name: /Patient/ }).click(); // sort by name
    await dpage.getByRole('link', { name: patient.name, exact: true }).click();
    await dpage.getByRole('heading', { name: patient.name, exact: true }).waitFor();
    await dpage.locator('.chart-box canvas').first().waitFor();
    await axeOn(dpage)('patient-trends');
    await dpage.getByRole('link', { name: 'Target and guideline', exact: true }).click();
    await dpage.getByRole('heading', { name: 'Target and guideline', exact: true }).waitFor();
    await axeOn(dpage)('patient-settings');
  }, dpage);
  await dctx.close();

  const actx = await b.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const apage = await actx.newPage();
  watchPage(apage, problems);
  apage.setDefaultTimeout(10_000);
  await test('admin disables a user', async () => {
    await signIn(apage, base, admin.email);
    await apage.getByRole('heading', { name: 'Users', exact: true }).waitFor();
    const row = apage.getByRole('row').filter({ hasText: carol.email });
    await row.waitFor();
    await axeOn(apage)('admin-users');
    await row.getByRole('button', { name: `Disable ${carol.email}` }).click();
    const dlg = apage.getByRole('dialog', { name: `Disable ${carol.email}?` });
    await dlg.waitFor();
    await dlg.getByRole('button', { name: 'Disable' }).click();
    await row.getByText('disabled').waitFor();
    await row.getByRole('button', { name: 'Enable' }).waitFor();
  }, apage);
  await test('admin audit and break-glass screens pass axe', async () => {
    await apage.getByRole('link', { name: 'Audit', exact: true }).click();
    await apage.getByRole('heading', { name: 'Audit log', exact: true }).waitFor();
    await apage.getByRole('table', { name: /Audit events/ }).or(apage.getByText('No events match.')).waitFor();
    await axeOn(apage)('admin-audit');
    await apage.getByRole('link', { name: 'Break-glass', exact: true }).click();
    await apage.getByRole('heading', { name: 'Break-glass access', exact: true }).waitFor();
    await apage.getByText(/No break-glass access|Current and recent/).first().waitFor();
    await axeOn(apage)('admin-break-glass');
  }, apage);
  await actx.close();
} finally {
  await server.close();
}

// Automatic logoff, on a server with a short idle timeout.
const idleServer = await start([dave], IDLE);
try {
  const ctx = await b.browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  watchPage(page, problems);
  page.setDefaultTimeout(10_000);
  await test('idle logoff: warning, stay signed in, then logoff clears health data', async () => {
    await signIn(page, idleServer.url, dave.email);
    await page.getByLabel('Systolic (upper)').click();
    await page.keyboard.type('11876');
    await page.getByRole('button', { name: 'Save reading' }).click();
    await page.getByText(/Saved 118\/76/).waitFor();
    await page.getByRole('link', { name: 'History', exact: true }).click();
    await page.getByText('118/76').first().waitFor();
    const warn = page.getByRole('alertdialog', { name: 'Still there?' });
    await warn.waitFor({ timeout: (IDLE + 5) * 1000 });
    await axeOn(page)('idle-warning');
    await page.getByRole('button', { name: 'Stay signed in' }).click();
    await warn.waitFor({ state: 'hidden', timeout: 5000 });
    // Then do nothing: the warning comes back and the app signs out.
    await warn.waitFor({ timeout: (IDLE + 5) * 1000 });
    await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor({ timeout: (IDLE + 5) * 1000 });
    await page.getByText(/inactivity/).waitFor();
    const html = await page.content();
    if (html.includes('118/76') || html.includes(dave.name)) throw new Error('health data left in the DOM after logoff');
    const r = await page.evaluate(async () => (await fetch('/api/v1/me')).status);
    if (r !== 401) throw new Error(`GET /me after logoff answered ${r}, want 401`);
  }, page);
  await ctx.close();
} finally {
  await idleServer.close();
  await b.close();
}

await test('no CSP violations or page errors', async () => {
  if (problems.length) throw new Error(problems.join('\n'));
});
console.log(`axe-core checked ${screens.size} screens: ${[...screens].join(', ')}`);
const passed = results.filter(([, ok]) => ok).length;
console.log(`${passed} passed, ${results.length - passed} failed`);
process.exit(failedAny ? 1 : 0);
