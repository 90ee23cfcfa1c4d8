// Screenshots of every screen at phone (390 px) and desktop (1280 px)
// widths into docs/screenshots/, against the mock API with deterministic
// data so the pictures only change when the app does.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { WEB, launch, signIn, startMockServer } from './lib.mjs';
import { syntheticReadings } from './mock-server.mjs';

const OUT = join(WEB, '..', 'docs', 'screenshots');
mkdirSync(OUT, { recursive: true });

const patient = { email: 'alice@example.com', role: 'patient', name: 'Alice Patient' };
const provider = { email: 'dr.bob@example.com', role: 'provider', name: 'Dr Bob Provider' };
const admin = { email: 'admin@example.com', role: 'admin', name: 'Ada Admin' };
const others = [['Carl Example', 150, 96], ['Dana Example', 118, 76], ['Eve Example', 186, 112]];

const b = await launch();
let count = 0;
for (const width of [390, 1280]) {
  const pe = { ...patient }, pr = { ...provider }, ad = { ...admin };
  const extra = others.map(([name]) => ({ email: `${name.split(' ')[0].toLowerCase()}@example.com`, role: 'patient', name }));
  const m = await startMockServer([pe, pr, ad, ...extra]);
  m.seedReadings(pe.id, syntheticReadings(120));
  extra.forEach((u, i) => {
    const [, s, d] = others[i];
    m.seedReadings(u.id, syntheticReadings(i === 1 ? 0 : 10).map((r) => ({ ...r, systolic: r.systolic - 128 + s, diastolic: r.diastolic - 81 + d })));
    m.grant(u.id, pr.id, i === 0 ? 'write' : 'read');
  });
  m.grant(pe.id, pr.id, 'read');
  const shot = async (page, name) => {
    await page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
    await page.screenshot({ path: join(OUT, `${name}-${width}.png`), fullPage: true });
    count++;
  };
  const ctx = await b.browser.newContext({ viewport: { width, height: width < 500 ? 844 : 900 } });
  const page = await ctx.newPage();
  // Signed-out pages: asking for a reset link, and choosing a new password.
  await page.goto(m.url + '/forgot');
  await page.getByRole('heading', { name: 'Reset your password', exact: true }).waitFor();
  await shot(page, 'forgot-password');
  await page.goto(m.url + '/reset/' + 'a'.repeat(64));
  await page.getByRole('heading', { name: 'Choose a new password', exact: true }).waitFor();
  await shot(page, 'reset-password');
  await page.goto(m.url + '/');
  await signIn(page, m.url, pe.email, async (name) => { if (name !== 'signin' || width) await shot(page, name); });
  await page.getByLabel('Systolic (upper)').click();
  await page.keyboard.type('18611268');
  await shot(page, 'entry-severe-live');
  await page.getByRole('button', { name: 'Save reading' }).click();
  await page.getByText(/Saved 186\/112/).waitFor();
  await shot(page, 'entry-saved');
  for (const [href, name, wait] of [['/history', 'history', '.reading'], ['/trends', 'trends', '.chart-box canvas'], ['/sharing', 'sharing', 'table'], ['/data', 'data', 'h1'], ['/account', 'account', 'table']]) {
    await page.goto(m.url + href);
    await page.locator(wait).first().waitFor();
    if (name === 'trends') await page.getByRole('heading', { name: '7-day home monitoring report' }).waitFor();
    await shot(page, name);
  }
  await ctx.close();

  const dctx = await b.browser.newContext({ viewport: { width, height: 900 } });
  const dpage = await dctx.newPage();
  await signIn(dpage, m.url, pr.email);
  await dpage.locator('table.panel').waitFor();
  await shot(dpage, 'provider-panel');
  await dpage.getByRole('link', { name: pe.name, exact: true }).click();
  await dpage.locator('.chart-box canvas').first().waitFor();
  await shot(dpage, 'provider-patient');
  await dpage.getByRole('link', { name: 'Target and guideline', exact: true }).click();
  await shot(dpage, 'provider-settings');
  await dctx.close();

  const actx = await b.browser.newContext({ viewport: { width, height: 900 } });
  const apage = await actx.newPage();
  await signIn(apage, m.url, ad.email);
  await apage.locator('table').waitFor();
  await shot(apage, 'admin-users');
  await apage.goto(m.url + '/admin/audit');
  await apage.locator('table.audit').waitFor();
  await shot(apage, 'admin-audit');
  await apage.goto(m.url + '/admin/break-glass');
  await apage.getByText('No break-glass access.').waitFor();
  await shot(apage, 'admin-break-glass');
  await actx.close();
  await m.close();

  // The automatic logoff warning, on a mock with a 20-second idle timeout.
  const idle = await startMockServer([{ email: 'idle@example.com', role: 'patient', name: 'Idle Patient' }], { idleTimeout: 20 });
  const ictx = await b.browser.newContext({ viewport: { width, height: 844 } });
  const ipage = await ictx.newPage();
  await signIn(ipage, idle.url, 'idle@example.com');
  await ipage.getByRole('alertdialog').waitFor({ timeout: 20_000 });
  await shot(ipage, 'idle-warning');
  await ipage.getByRole('heading', { name: 'Sign in', exact: true }).waitFor({ timeout: 30_000 });
  await shot(ipage, 'signed-out-after-idle');
  await ictx.close();
  await idle.close();
}
await b.close();
console.log(`wrote ${count} screenshots to ${OUT}`);
