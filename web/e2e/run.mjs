// End-to-end journeys in Debian Chromium against the real binary
// (BPT_BIN, default ../bin/bptracker), with axe-core on every screen.
// BPT_E2E_MOCK=1 runs them against the in-memory mock API instead.
// Prints "N passed, N failed" and exits non-zero on any failure.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PASSWORD, WEB, axe, freshCode, launch, setSecret, signIn, startMockServer, startReal, watchPage } from './lib.mjs';

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
// One patient per journey below, so each stands on its own.
const erin = { email: 'erin@example.com', role: 'patient', name: 'Erin Editor' };
const frank = { email: 'frank@example.com', role: 'patient', name: 'Frank Importer' };
const grace = { email: 'grace@example.com', role: 'patient', name: 'Grace Exporter' };
const ivy = { email: 'ivy@example.com', role: 'patient', name: 'Ivy Sharer' };
const judy = { email: 'judy@example.com', role: 'patient', name: 'Judy Leaver' };
const lena = { email: 'lena@example.com', role: 'patient', name: 'Lena Forgetful' };
const invitee = { email: 'new.caregiver@example.com', name: 'Kim Caregiver', password: 'violet kettle harbour 77' };
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
const server = await start([patient, provider, admin, carol, ...(MOCK ? [] : [erin, frank, grace, ivy, judy, lena])]);
try {
  const base = server.url;
  const pctx = await b.browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await pctx.newPage();
  watchPage(page, problems);
  page.setDefaultTimeout(10_000);

  await test('signed-out screens pass axe (sign-in, invitation, password reset)', async () => {
    await page.goto(base + '/invite/not-a-real-code');
    await page.getByRole('heading', { name: 'Accept your invitation', exact: true }).waitFor();
    await axeOn(page)('invite');
    await page.goto(base + '/signin');
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByRole('heading', { name: 'Reset your password', exact: true }).waitFor();
    await axeOn(page)('forgot-password');
    if (!MOCK) {
      // This server has no mail relay: the page says who can help instead.
      await page.getByLabel('Email').fill(patient.email);
      await page.getByRole('button', { name: 'Send a reset link' }).click();
      await page.getByRole('alert').getByText(/ask your practice for a reset link/).waitFor();
    }
    await page.goto(base + '/reset/not-a-real-code');
    await page.getByRole('heading', { name: 'Choose a new password', exact: true }).waitFor();
    await axeOn(page)('reset-password');
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

  if (!MOCK) {
    const adm = await newPage(1280, 900);
    const user = await newPage(390, 844);
    await test('password reset: an admin makes a link, the new password signs in, two-step sign-in stays', async () => {
      await signIn(user.page, base, lena.email); // enrols TOTP
      await user.page.getByRole('heading', { name: 'Add a reading', exact: true }).waitFor();
      await user.ctx.clearCookies();
      await signIn(adm.page, base, admin.email);
      const row = adm.page.getByRole('row').filter({ hasText: lena.email });
      await row.getByRole('button', { name: `Create a password reset link for ${lena.email}` }).click();
      await adm.page.getByRole('dialog').getByRole('button', { name: 'Create link' }).click();
      await adm.page.getByText(`Reset link created for ${lena.email}.`).waitFor();
      const url = (await adm.page.locator('body').innerText()).match(/https?:\/\/\S+\/reset\/[0-9a-f]{64}/)?.[0];
      if (!url) throw new Error('no reset link on the admin screen');
      await user.page.goto(url);
      await user.page.getByLabel('New password').fill('a fresh long passphrase');
      await user.page.getByLabel('Repeat the password').fill('a fresh long passphrase');
      await user.page.getByRole('button', { name: 'Change password' }).click();
      await user.page.getByRole('heading', { name: 'Password changed', exact: true }).waitFor();
      await axeOn(user.page)('reset-password-done');
      await user.page.getByRole('link', { name: 'Go to sign in' }).click();
      const first = await signIn(user.page, base, lena.email, async () => {}, { password: 'a fresh long passphrase' });
      if (first) throw new Error('the reset asked for MFA setup again; the authenticator should stay');
      await user.page.getByRole('heading', { name: 'Add a reading', exact: true }).waitFor();
    }, user.page);
    await adm.ctx.close();
    await user.ctx.close();
  }

  // The journeys below need the real server (conflicts, imports, exports,
  // invitations, MFA replacement and erasure are not in the mock API).
  if (MOCK) console.log('skip the edit, import, export, invitation and account journeys (they need the real server)');
  else await moreJourneys(base);
} finally {
  await server.close();
}

/** A new browser context and page (a separate browser profile: its own cookies). */
async function newPage(width = 390, height = 844) {
  const ctx = await b.browser.newContext({ viewport: { width, height } });
  const page = await ctx.newPage();
  watchPage(page, problems);
  page.setDefaultTimeout(10_000);
  return { ctx, page };
}

/** Adds a reading through the API from the signed-in page (the app's own origin and cookie). */
async function addReading(page, r) {
  const res = await page.evaluate(async (body) => {
    const x = await fetch('/api/v1/patients/me/readings', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    return { status: x.status, body: await x.json() };
  }, r);
  if (res.status !== 201) throw new Error(`POST readings answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** GET from the signed-in page; returns status and JSON. */
async function getJSON(page, path) {
  return page.evaluate(async (p) => {
    const x = await fetch(p, { headers: { Accept: 'application/json' } });
    return { status: x.status, body: x.status === 204 ? null : await x.json() };
  }, path);
}

/** An instant n days ago at hh:mm UTC. */
function ago(days, hh, mm) {
  const d = new Date(Date.now() - days * 86400_000);
  d.setUTCHours(hh, mm, 0, 0);
  return d.toISOString();
}

async function moreJourneys(base) {
  // 1. Edit from History in two browsers of the same user: the second save
  // meets a newer version (409 conflict), says so, reloads the reading and
  // keeps what the person typed; then delete with its confirmation.
  {
    const a = await newPage(1280, 900);
    const bb = await newPage(390, 844);
    await test('edit in two browsers: the stale save says so, reloads and keeps the input; delete confirms', async () => {
      await signIn(a.page, base, erin.email);
      await addReading(a.page, { taken_at: ago(2, 7, 30), systolic: 134, diastolic: 86, pulse: 71 });
      await addReading(a.page, { taken_at: ago(1, 19, 10), systolic: 122, diastolic: 79, pulse: 66 });
      await signIn(bb.page, base, erin.email);
      for (const p of [a.page, bb.page]) {
        await p.getByRole('link', { name: 'History', exact: true }).click();
        await p.getByRole('list', { name: 'Readings, newest first' }).getByText('134/86').waitFor();
      }
      const item = (p) => p.locator('li.reading').filter({ hasText: '134/86' });
      // Both open the same reading.
      await item(a.page).getByRole('button', { name: /^Edit reading of/ }).click();
      const dlgA = a.page.getByRole('dialog', { name: 'Edit reading' });
      await dlgA.waitFor();
      await axeOn(a.page)('history-edit');
      await item(bb.page).getByRole('button', { name: /^Edit reading of/ }).click();
      const dlgB = bb.page.getByRole('dialog', { name: 'Edit reading' });
      await dlgB.waitFor();
      // The phone saves a note first.
      await dlgB.getByLabel('Note', { exact: true }).fill('cuff slipped, re-measured');
      await dlgB.getByRole('button', { name: 'Save changes' }).click();
      await dlgB.waitFor({ state: 'hidden' });
      await bb.page.getByRole('status').getByText('Saved your changes.').waitFor();
      // The desktop, still on the old version, corrects the systolic.
      await dlgA.getByLabel('Systolic', { exact: true }).fill('131');
      const [resp] = await Promise.all([
        a.page.waitForResponse((r) => r.request().method() === 'PATCH' && /\/readings\//.test(r.url())),
        dlgA.getByRole('button', { name: 'Save changes' }).click(),
      ]);
      const body = await resp.json();
      if (resp.status() !== 409 || body?.error?.code !== 'conflict') throw new Error(`stale PATCH answered ${resp.status()} ${JSON.stringify(body)}, want 409 conflict`);
      await dlgA.getByRole('alert').getByText(/Someone changed this reading meanwhile/).waitFor();
      if (!(await dlgA.isVisible())) throw new Error('the edit dialog closed on a conflict');
      const sys = await dlgA.getByLabel('Systolic', { exact: true }).inputValue();
      if (sys !== '131') throw new Error(`the typed systolic was lost on conflict: ${sys}`);
      await dlgA.getByLabel('Note', { exact: true }).inputValue().then((n) => {
        if (n !== 'cuff slipped, re-measured') throw new Error(`the other edit was not reloaded: note is ${JSON.stringify(n)}`);
      });
      await axeOn(a.page)('history-edit-conflict');
      // Saving again applies the correction on top of the other edit.
      await dlgA.getByRole('button', { name: 'Save changes' }).click();
      await dlgA.waitFor({ state: 'hidden' });
      await a.page.getByRole('status').getByText('Saved your changes.').waitFor();
      const edited = a.page.locator('li.reading').filter({ hasText: '131/86' });
      await edited.waitFor();
      await edited.getByText('cuff slipped, re-measured').waitFor();
      const { body: page1 } = await getJSON(a.page, '/api/v1/patients/me/readings?limit=20');
      const r = page1.readings.find((x) => x.systolic === 131);
      if (!r || r.note !== 'cuff slipped, re-measured' || r.version < 3) throw new Error(`stored reading after both edits: ${JSON.stringify(r)}`);
      // Delete: the confirmation names the reading; confirming removes it.
      await edited.getByRole('button', { name: /^Delete reading of/ }).click();
      const conf = a.page.getByRole('dialog', { name: 'Delete this reading?' });
      await conf.waitFor();
      await conf.getByText(/131\/86 mmHg taken/).waitFor();
      await conf.getByRole('button', { name: 'Delete', exact: true }).click();
      await a.page.getByRole('status').getByText(/^Deleted the reading of/).waitFor();
      await edited.waitFor({ state: 'detached' });
      const n = await a.page.locator('li.reading').count();
      if (n !== 1) throw new Error(`${n} readings after deleting one of two`);
      const gone = await getJSON(a.page, `/api/v1/patients/me/readings/${r.id}`);
      if (gone.status !== 404) throw new Error(`GET of the deleted reading answered ${gone.status}, want 404`);
      await axeOn(a.page)('history-after-delete');
    }, a.page);
    await a.ctx.close();
    await bb.ctx.close();
  }

  // 2. Import a CSV with one bad row through the UI.
  {
    const { ctx, page } = await newPage(1280, 900);
    await test('import a CSV: dry run lists the bad row, all-or-nothing is refused, the valid rows are imported', async () => {
      await signIn(page, base, frank.email);
      const csv = 'Date,Time,Sys,Dia,Pulse,Notes\n' +
        `${day(20)},07:30,132,84,70,morning\n` +
        `${day(20)},19:45,126,80,66,\n` +
        `${day(19)},07:40,abc,85,72,typo\n` +
        `${day(19)},19:50,121,78,,\n`;
      await page.getByRole('link', { name: 'Import & export', exact: true }).click();
      await page.getByRole('heading', { name: 'Import and export', exact: true }).waitFor();
      await page.getByLabel('File (CSV or Excel)').setInputFiles({ name: 'old-tracker.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
      await page.getByLabel('Time zone of the times in the file').fill('Europe/Paris');
      await page.getByRole('button', { name: 'Check file' }).click();
      const result = page.getByRole('region', { name: 'Import result' });
      await result.getByText('3 readings would be imported, 0 duplicates skipped, 1 rows rejected.').waitFor();
      await result.getByRole('list', { name: 'Rejected rows' }).getByText('Row 4: systolic is not a number').waitFor();
      await page.getByRole('status').getByText('Checked. Nothing was imported yet.').waitFor();
      await axeOn(page)('data-import-dry-run');
      const count = async () => (await getJSON(page, '/api/v1/patients/me/readings?limit=50')).body.readings.length;
      if ((await count()) !== 0) throw new Error('the dry run stored readings');
      // All or nothing: refused, with the reason, nothing stored.
      const [refused] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST' && /\/imports\?/.test(r.url())),
        page.getByRole('button', { name: 'Import', exact: true }).click(),
      ]);
      const rb = await refused.json();
      if (refused.status() !== 400 || !/dry_run=false/.test(refused.url()) || /valid_rows/.test(refused.url()) || rb.result?.rejected?.[0]?.row !== 4 || rb.result?.imported) {
        throw new Error(`all-or-nothing import: ${refused.status()} ${refused.url()} ${JSON.stringify(rb)}, want 400 with row 4 rejected`);
      }
      await page.getByRole('alert').getByText(/Nothing was imported: 1 row was rejected/).waitFor();
      await result.getByText('Row 4: systolic is not a number').waitFor();
      if ((await count()) !== 0) throw new Error('a refused import stored readings');
      await axeOn(page)('data-import-refused');
      // Import the valid rows.
      const [ok] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST' && /\/imports\?/.test(r.url())),
        page.getByRole('button', { name: 'Import the valid rows' }).click(),
      ]);
      const okb = await ok.json();
      if (ok.status() !== 201 || !/valid_rows=true/.test(ok.url()) || okb.imported !== 3 || okb.rejected.length !== 1) throw new Error(`valid-rows import: ${ok.status()} ${JSON.stringify(okb)}, want 201 with 3 imported`);
      await result.getByText('3 readings imported, 0 duplicates skipped, 1 rows rejected.').waitFor();
      await page.getByRole('status').getByText('Import finished.').waitFor();
      if (!(await page.getByRole('button', { name: 'Import the valid rows' }).isDisabled())) throw new Error('the import can be sent twice');
      await axeOn(page)('data-import-done');
      await page.getByRole('link', { name: 'History', exact: true }).click();
      const list = page.getByRole('list', { name: 'Readings, newest first' });
      for (const bp of ['121/78', '126/80', '132/84']) await list.getByText(bp).waitFor();
      const n = await list.locator('li.reading').count();
      if (n !== 3) throw new Error(`history shows ${n} readings after the import, want 3`);
      await list.getByText('morning').waitFor();
      // A large import (over 500 readings) continues as a job; the screen
      // drives it to the end and says so.
      let big = 'Date,Time,Sys,Dia\n';
      for (let i = 0; i < 700; i++) {
        const d = new Date(Date.UTC(2024, 0, 1) + i * 12 * 3600 * 1000);
        big += `${d.toISOString().slice(0, 10)},${d.toISOString().slice(11, 16)},${110 + (i % 40)},${70 + (i % 20)}\n`;
      }
      await page.getByRole('link', { name: 'Import & export', exact: true }).click();
      await page.getByLabel('File (CSV or Excel)').setInputFiles({ name: 'years.csv', mimeType: 'text/csv', buffer: Buffer.from(big) });
      await page.getByLabel('Dates are written').selectOption('dmy');
      await page.getByRole('button', { name: 'Check file' }).click();
      await result.getByText('700 readings would be imported, 0 duplicates skipped, 0 rows rejected.').waitFor();
      const [accepted] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST' && /\/imports\?/.test(r.url())),
        page.getByRole('button', { name: 'Import', exact: true }).click(),
      ]);
      if (accepted.status() !== 202) throw new Error(`large import: ${accepted.status()}, want 202 with a job`);
      await page.getByRole('status').getByText('Import finished.').waitFor({ timeout: 60000 });
      await result.getByText('700 readings imported, 0 duplicates skipped, 0 rows rejected.').waitFor();
      const sum = (await getJSON(page, '/api/v1/patients/me/summary')).body;
      if (sum.count !== 703) throw new Error(`readings after the large import: ${sum.count}, want 703`);
      await axeOn(page)('data-import-job-done');
    }, page);
    await ctx.close();
  }

  // 3. Every export downloads with a sensible name and real content.
  {
    const { ctx, page } = await newPage(1280, 900);
    await test('export downloads: CSV, XLSX, PDF, FHIR and the archive', async () => {
      await signIn(page, base, grace.email);
      await addReading(page, { taken_at: ago(3, 6, 45), systolic: 141, diastolic: 91, pulse: 75 });
      await addReading(page, { taken_at: ago(2, 20, 5), systolic: 128, diastolic: 83, pulse: 68 });
      await page.getByRole('link', { name: 'Import & export', exact: true }).click();
      await page.getByRole('heading', { name: 'Import and export', exact: true }).waitFor();
      const want = [
        ['CSV (LibreOffice, Numbers)', /\.csv$/, (buf) => /systolic/i.test(buf.toString()) && buf.toString().includes('141') && buf.toString().includes('128')],
        ['Excel workbook (.xlsx)', /\.xlsx$/, (buf) => buf.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1'))],
        ['PDF report for your doctor', /\.pdf$/, (buf) => buf.subarray(0, 5).toString() === '%PDF-'],
        ['FHIR R4 bundle (JSON)', /\.json$/, (buf) => {
          const j = JSON.parse(buf.toString());
          const panels = j.entry.filter((e) => e.resource.resourceType === 'Observation' && e.resource.code?.coding?.some((c) => c.code === '85354-9'));
          return j.resourceType === 'Bundle' && j.type === 'collection' && panels.length === 2 && j.entry.some((e) => e.resource.resourceType === 'Patient');
        }],
        ['Everything (archive)', /\.zip$/, (buf) => {
          const names = zipNames(buf);
          return buf.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1')) &&
            ['readings.csv', 'readings.xlsx', 'report.pdf', 'readings.fhir.json', 'grants.json', 'access-log.json'].every((n) => names.includes(n));
        }],
      ];
      const names = [];
      for (const [label, name, check] of want) {
        const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: label, exact: true }).click()]);
        const file = dl.suggestedFilename();
        if (!name.test(file) || /example|grace|@/i.test(file)) throw new Error(`${label}: file name ${JSON.stringify(file)}`);
        const failure = await dl.failure();
        if (failure) throw new Error(`${label}: download failed: ${failure}`);
        const buf = readFileSync(await dl.path());
        if (!buf.length || !check(buf)) throw new Error(`${label}: ${file} (${buf.length} bytes) has unexpected content: ${JSON.stringify(buf.subarray(0, 40).toString('latin1'))}`);
        names.push(`${file} ${buf.length} B`);
      }
      console.log(`     downloads: ${names.join(', ')}`);
    }, page);
    await ctx.close();
  }

  // 4. An invitation for an email with no account, accepted end to end.
  {
    const p = await newPage(1280, 900);
    const inv = await newPage(390, 844);
    await test('invitation: a patient shares with a new email, the invitee accepts, sets up MFA and sees the patient', async () => {
      await signIn(p.page, base, ivy.email);
      await p.page.getByRole('link', { name: 'Sharing', exact: true }).click();
      await p.page.getByLabel('Their email', { exact: true }).fill(invitee.email);
      await p.page.getByLabel('They are my', { exact: true }).selectOption('caregiver');
      await p.page.getByLabel('Access', { exact: true }).selectOption('read');
      await p.page.getByRole('button', { name: 'Share' }).click();
      await p.page.getByRole('status').getByText(/an invitation was created/).first().waitFor();
      const url = (await p.page.locator('.invite-link:not(.compact) code.url').textContent())?.trim() ?? '';
      if (!url.startsWith(base + '/invite/')) throw new Error(`invitation link ${JSON.stringify(url)} is not an app link`);
      if (url.includes(invitee.email) || url.includes('caregiver')) throw new Error('the invitation link carries the email');
      await p.page.getByRole('heading', { name: 'Pending invitations', exact: true }).waitFor();
      await axeOn(p.page)('sharing-invitation');

      // The invitee opens the link in a fresh browser.
      await inv.page.goto(url);
      await inv.page.getByRole('heading', { name: 'Accept your invitation', exact: true }).waitFor();
      await inv.page.getByLabel('Your name', { exact: true }).fill(invitee.name);
      // A common password is refused with the reason.
      await inv.page.getByLabel('Choose a password', { exact: true }).fill('1qaz2wsx3edc');
      await inv.page.getByLabel('Repeat the password', { exact: true }).fill('1qaz2wsx3edc');
      await inv.page.getByRole('button', { name: 'Create account' }).click();
      await inv.page.getByRole('alert').getByText(/too common/).waitFor();
      await axeOn(inv.page)('invite-refused-password');
      await inv.page.getByLabel('Choose a password', { exact: true }).fill(invitee.password);
      await inv.page.getByLabel('Repeat the password', { exact: true }).fill(invitee.password);
      await inv.page.getByRole('button', { name: 'Create account' }).click();
      await inv.page.getByRole('heading', { name: 'Account created', exact: true }).waitFor();
      await axeOn(inv.page)('invite-accepted');
      // The code is single-use.
      const again = await inv.page.evaluate(async (u) => (await fetch('/api/v1/invitations/' + u.split('/').pop() + '/accept', {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ password: 'another long passphrase 9' }) })).status, url);
      if (again !== 404 && again !== 410 && again !== 400) throw new Error(`accepting the invitation twice answered ${again}`);
      await inv.page.getByRole('link', { name: 'Go to sign in' }).click();
      const first = await signIn(inv.page, base, invitee.email, async () => {}, { password: invitee.password });
      if (!first) throw new Error('want first-time MFA setup for the invited account');
      await inv.page.getByRole('heading', { name: 'Patients', exact: true }).waitFor();
      await inv.page.getByRole('link', { name: ivy.name, exact: true }).waitFor();
      await axeOn(inv.page)('panel-caregiver');
      const me = await getJSON(inv.page, '/api/v1/me');
      if (me.body?.role !== 'caregiver' || me.body?.name !== invitee.name) throw new Error(`the invited account is ${JSON.stringify({ role: me.body?.role, name: me.body?.name })}`);
      const pts = await getJSON(inv.page, '/api/v1/patients');
      const names = pts.body.patients.map((x) => x.name);
      if (names.length !== 1 || names[0] !== ivy.name) throw new Error(`caregiver panel lists ${JSON.stringify(names)}`);
      // The patient now sees the caregiver among the people with access.
      await p.page.reload();
      await p.page.getByRole('table', { name: /People with access/ }).getByText(invitee.name).waitFor();
    }, inv.page);
    await p.ctx.close();
    await inv.ctx.close();
  }

  // 5. Replace the authenticator, then delete the account.
  {
    const { ctx, page } = await newPage(390, 844);
    await test('account: replace the authenticator, then delete the account and sign-in stops working', async () => {
      await signIn(page, base, judy.email);
      await page.getByRole('link', { name: 'Account', exact: true }).click();
      await page.getByRole('heading', { name: 'Account', exact: true }).waitFor();
      // A wrong password is refused.
      await page.getByLabel('Password (to confirm it is you)').fill('not my password at all');
      await page.getByRole('button', { name: 'Set up a new authenticator' }).click();
      await page.getByRole('alert').getByText(/password is not right/).waitFor();
      await page.getByLabel('Password (to confirm it is you)').fill(PASSWORD);
      await page.getByRole('button', { name: 'Set up a new authenticator' }).click();
      await page.locator('img.qr').waitFor();
      const secret = await page.locator('.secret').getAttribute('data-secret');
      if (!secret || secret.length < 16) throw new Error(`new secret ${secret}`);
      setSecret(judy.email, secret);
      await axeOn(page)('account-mfa-setup');
      await page.getByLabel('Code from your authenticator app').fill(await freshCode(judy.email));
      await page.getByRole('button', { name: 'Confirm', exact: true }).click();
      await page.getByRole('heading', { name: 'Save your recovery codes', exact: true }).waitFor();
      const n = await page.locator('ul.codes li').count();
      if (n !== 10) throw new Error(`got ${n} recovery codes, want 10`);
      await axeOn(page)('account-recovery-codes');
      await page.getByLabel('I have saved my recovery codes').check();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('status').getByText('Two-step sign-in was set up again.').waitFor();

      // Delete the account: password and a code from the new authenticator, then confirm.
      await page.getByRole('heading', { name: 'Delete my account', exact: true }).scrollIntoViewIfNeeded();
      const del = page.getByRole('form', { name: 'Delete my account' });
      await del.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await del.getByLabel('Authentication code', { exact: true }).fill(await freshCode(judy.email));
      await del.getByRole('button', { name: 'Delete my account…' }).click();
      const conf = page.getByRole('dialog', { name: 'Delete your account for good?' });
      await conf.waitFor();
      await axeOn(page)('account-confirm-delete');
      const [resp] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'DELETE' && r.url().endsWith('/api/v1/me')),
        conf.getByRole('button', { name: 'Delete account' }).click(),
      ]);
      if (resp.status() !== 204) throw new Error(`DELETE /me answered ${resp.status()} ${await resp.text()}`);
      await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
      if ((await page.content()).includes(judy.name)) throw new Error('the deleted account is still on screen');
      const me = await page.evaluate(async () => (await fetch('/api/v1/me')).status);
      if (me !== 401) throw new Error(`GET /me after deletion answered ${me}, want 401`);
      // The old password no longer signs in.
      await page.getByLabel('Email', { exact: true }).fill(judy.email);
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('alert').getByText(/email, password or code is not right/).waitFor();
      if (await page.getByRole('heading', { name: /Enter your code|Set up two-step sign-in/ }).isVisible()) throw new Error('the deleted account passed the password step');
      await axeOn(page)('signin-refused');
    }, page);
    await ctx.close();
  }
}

/** The file names in a zip's central directory. */
function zipNames(buf) {
  const names = [];
  for (let i = buf.indexOf('PK\x01\x02', 0, 'latin1'); i >= 0 && i + 46 <= buf.length; i = buf.indexOf('PK\x01\x02', i + 46, 'latin1')) {
    const n = buf.readUInt16LE(i + 28);
    names.push(buf.subarray(i + 46, i + 46 + n).toString());
  }
  return names;
}

/** A date n days ago as YYYY-MM-DD (for the CSV). */
function day(n) {
  return new Date(Date.now() - n * 86400_000).toISOString().slice(0, 10);
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
