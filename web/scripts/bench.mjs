// Measures the initial JavaScript (gzipped) of the built app and the time
// to draw a chart of 7,300 readings (ten years, two a day) in headless
// Chromium, and prints a markdown table. A measurement, not a test: it
// never fails on a slow machine; compare the figures with the targets.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DIST, launch, signIn, startMockServer } from '../e2e/lib.mjs';
import { syntheticReadings } from '../e2e/mock-server.mjs';

const html = readFileSync(join(DIST, 'index.html'), 'utf8');
const initial = [...html.matchAll(/<(?:script[^>]+src|link[^>]+rel="modulepreload"[^>]+href)="([^"]+\.js)"/g)].map((m) => m[1]);
let raw = 0, gz = 0;
for (const f of initial) {
  const b = readFileSync(join(DIST, f));
  raw += b.length;
  gz += gzipSync(b, { level: 9 }).length;
}

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const user = { email: 'bench@example.com', role: 'patient', name: 'Bench Patient' };
const m = await startMockServer([user]);
const readings = syntheticReadings(3650, Date.now(), 2);
m.seedReadings(user.id, readings);
const b = await launch();
const times = [];
try {
  const ctx = await b.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  await signIn(page, m.url, user.email);
  for (let i = 0; i < RUNS; i++) {
    await page.goto(m.url + '/trends');
    await page.getByRole('button', { name: 'All time' }).click();
    await page.waitForFunction(() => document.querySelector('.chart-box')?.getAttribute('data-points') === '7300', null, { timeout: 60_000 });
    const ms = await page.evaluate(() => {
      const e = performance.getEntriesByName('bpt-chart-draw');
      return e[e.length - 1].duration;
    });
    times.push(ms);
  }
  await ctx.close();
} finally {
  await b.close();
  await m.close();
}
times.sort((a, b2) => a - b2);
const median = times[Math.floor(times.length / 2)];
const kb = (n) => (n / 1024).toFixed(1);
console.log('| measure | value | target |');
console.log('|---|---|---|');
console.log(`| initial JS (${initial.length} file${initial.length > 1 ? 's' : ''}), gzipped | ${kb(gz)} KB (${kb(raw)} KB raw) | ≤ 60 KB |`);
console.log(`| chart of ${readings.length} readings, draw time (median of ${RUNS}; min ${times[0].toFixed(1)}, max ${times[times.length - 1].toFixed(1)}) | ${median.toFixed(1)} ms | ≤ 200 ms |`);
