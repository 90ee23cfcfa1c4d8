// Shared helpers for the browser journeys, screenshots and the bench:
// Debian Chromium through playwright-core, a real or mock server, axe-core.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';
import { step, nextStep, totp } from './totp.mjs';

export const WEB = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = join(WEB, 'dist');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const PASSWORD = 'correct horse battery staple 42';

export async function launch() {
  // playwright-core gives every launch its own fresh --user-data-dir (a
  // temporary profile it deletes on close); passing one in args is refused.
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args });
  return {
    browser,
    close: () => browser.close(),
  };
}

export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); });
    s.on('error', rej);
  });
}

/** Starts `bptracker serve` on a free port with a fresh data dir and the given users. */
export async function startReal(bin, users, { idleTimeout = '15m' } = {}) {
  const data = mkdtempSync(join(tmpdir(), 'bpt-e2e-data-'));
  for (const u of users) {
    execFileSync(bin, ['user', 'add', '--data', data, '--email', u.email, '--role', u.role, '--name', u.name], { input: PASSWORD + '\n', stdio: ['pipe', 'ignore', 'inherit'] });
  }
  const port = await freePort();
  const proc = spawn(bin, ['serve', '--addr', `127.0.0.1:${port}`, '--data', data, '--idle-timeout', idleTimeout, '--signin-limit', '600'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (c) => { stderr += c; if (stderr.length > 20000) stderr = stderr.slice(-10000); });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited ${proc.exitCode}: ${stderr.slice(-2000)}`);
    try {
      const r = await fetch(url + '/api/v1/session');
      if (r.status === 401 || r.ok) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error('server did not start: ' + stderr.slice(-2000));
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async close() {
      proc.kill('SIGTERM');
      await new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
      rmSync(data, { recursive: true, force: true });
    },
  };
}

/** Starts the in-memory mock API with the given users (for development and screenshots). */
export async function startMockServer(users, { idleTimeout = 900 } = {}) {
  const { startMock } = await import('./mock-server.mjs');
  const m = await startMock({ dist: DIST, idleTimeout });
  for (const u of users) u.id = m.addUser({ ...u, password: PASSWORD }).id;
  return m;
}

const secrets = new Map();
const lastStep = new Map();

/**
 * Remembers an account's new TOTP secret (first sign-in, or a replaced
 * authenticator). The server checks the first code of a new secret without
 * the last accepted step, so the step count starts again.
 */
export function setSecret(email, secret) {
  secrets.set(email, secret);
  lastStep.delete(email);
}

/**
 * A code for this account that the server has not accepted yet. The server
 * accepts a step once and only after the last accepted one, and accepts the
 * previous, current and next 30-second steps: so this takes the current step,
 * else the next (the code for now+30 s), and waits only when both are used.
 */
export async function freshCode(email) {
  const secret = secrets.get(email);
  if (!secret) throw new Error(`no TOTP secret for ${email}`);
  const last = lastStep.get(email) ?? -1;
  let cur = step();
  if (cur + 1 <= last) { await nextStep(); cur = step(); }
  const st = cur > last ? cur : cur + 1;
  lastStep.set(email, st);
  return totp(secret, st * 30_000);
}

/** Signs in through the UI, setting up TOTP on first sign-in. Calls onScreen(name) for each screen. */
export async function signIn(page, base, email, onScreen = async () => {}, { password = PASSWORD } = {}) {
  await page.goto(base + '/');
  await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
  await onScreen('signin');
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Continue' }).click();
  const setup = page.getByRole('heading', { name: 'Set up two-step sign-in', exact: true });
  const code = page.getByRole('heading', { name: 'Enter your code', exact: true });
  await setup.or(code).waitFor();
  const first = await setup.isVisible();
  if (first) {
    await page.locator('img.qr').waitFor();
    setSecret(email, await page.locator('.secret').getAttribute('data-secret'));
    await onScreen('mfa-setup');
  } else {
    await onScreen('mfa');
  }
  await page.getByLabel(/code/i).first().fill(await freshCode(email));
  await page.getByRole('button', { name: 'Verify' }).click();
  if (first) {
    await page.getByRole('heading', { name: 'Save your recovery codes', exact: true }).waitFor();
    const n = await page.locator('ul.codes li').count();
    if (n !== 10) throw new Error(`got ${n} recovery codes, want 10`);
    await onScreen('recovery-codes');
    await page.getByLabel('I have saved my recovery codes').check();
    await page.getByRole('button', { name: 'Continue' }).click();
  }
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
  return first;
}

/** Runs axe-core (WCAG 2.1 A and AA) and throws on any violation. */
export async function axe(page, name) {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  if (r.violations.length) {
    const msg = r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`).join('\n  ');
    throw new Error(`axe found ${r.violations.length} violation(s) on ${name}:\n  ${msg}`);
  }
  return r.passes.length;
}

/** Collects CSP violations and page errors reported in the console. */
export function watchPage(page, problems) {
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
}
