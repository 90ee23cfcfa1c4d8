// A small in-memory stand-in for the API contract, serving web/dist with the
// production CSP. Used for screenshots and the chart bench (deterministic
// data), and to develop the journeys before the real server exists. The
// end-to-end journeys of `npm run e2e` run against the real binary.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { randomBytes, randomUUID } from 'node:crypto';
import { extname, join, normalize } from 'node:path';
import { totp } from './totp.mjs';

export const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };

function classify(g, s, d) {
  if (g === 'esh') {
    if (s >= 180 || d >= 110) return 'grade_3';
    if (s >= 160 || d >= 100) return 'grade_2';
    if (s >= 140 || d >= 90) return 'grade_1';
    if (s >= 130 || d >= 85) return 'high_normal';
    if (s >= 120 || d >= 80) return 'normal';
    return 'optimal';
  }
  if (s > 180 || d > 120) return 'severe';
  if (s >= 140 || d >= 90) return 'stage_2';
  if (s >= 130 || d >= 80) return 'stage_1';
  if (s >= 120) return 'elevated';
  return 'normal';
}
const LABEL = { normal: 'Normal', elevated: 'Elevated', stage_1: 'Stage 1 hypertension', stage_2: 'Stage 2 hypertension', severe: 'Severe (hypertensive crisis range)', optimal: 'Optimal', high_normal: 'High normal', grade_1: 'Grade 1 hypertension', grade_2: 'Grade 2 hypertension', grade_3: 'Grade 3 hypertension' };
const ADVICE = 'Rest five minutes and measure again. If it is still this high and you have symptoms (chest pain, shortness of breath, back pain, numbness or weakness, change in vision, difficulty speaking), call emergency services.';

export function startMock({ dist, port = 0, idleTimeout = 900, now = () => Date.now() } = {}) {
  const users = new Map(); // id -> user (with password, secret)
  const sessions = new Map(); // sid -> {userId, state, idleExpires, created}
  const readings = new Map(); // pid -> Reading[]
  const grants = [];
  const audit = [];
  const breakGlass = [];

  const publicUser = (u) => ({ id: u.id, email: u.email, name: u.name, role: u.role, status: u.status, time_zone: u.time_zone, guideline: u.guideline, target: u.target, mfa_enabled: u.mfa_enabled, created_at: u.created_at });

  function addUser({ email, password, role, name, mfaSecret }) {
    const u = { id: randomUUID(), email, password, role, name, status: 'active', time_zone: 'Europe/Paris', guideline: 'acc_aha', target: { systolic_low: 110, systolic_high: 130 }, mfa_enabled: !!mfaSecret, secret: mfaSecret ?? null, created_at: new Date(now()).toISOString(), locked: false };
    users.set(u.id, u);
    readings.set(u.id, []);
    return u;
  }

  function makeReading(pid, by, r, g) {
    const cat = classify(g, r.systolic, r.diastolic);
    const t = new Date(now()).toISOString();
    const out = { ...r, id: randomUUID(), patient_id: pid, source: r.source ?? 'manual', created_by: by, updated_by: by, created_at: t, updated_at: t, version: 1, category: cat, category_label: LABEL[cat], severe: r.systolic > 180 || r.diastolic > 120 };
    if (out.severe) out.advice = ADVICE;
    return out;
  }

  function seedReadings(pid, list) {
    const u = users.get(pid);
    const arr = readings.get(pid);
    for (const r of list) arr.push(makeReading(pid, pid, r, u.guideline));
    arr.sort((a, b) => Date.parse(b.taken_at) - Date.parse(a.taken_at));
  }

  const send = (res, status, body, headers = {}) => {
    const h = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'", ...headers };
    if (body === undefined) { res.writeHead(status, h); res.end(); return; }
    res.writeHead(status, h);
    res.end(JSON.stringify(body));
  };
  const err = (res, status, code, message, fields) => send(res, status, { error: fields ? { code, message, fields } : { code, message } });

  function current(req) {
    const m = /(?:^|;\s*)sid=([^;]+)/.exec(req.headers.cookie ?? '');
    const s = m && sessions.get(m[1]);
    if (!s) return null;
    if (s.idleExpires <= now()) { sessions.delete(m[1]); return null; }
    return { sid: m[1], s, user: users.get(s.userId) };
  }

  function pidFor(cur, pid) {
    if (pid === 'me') return cur.user.role === 'patient' ? cur.user.id : null;
    if (pid === cur.user.id) return pid;
    const g = grants.find((g) => g.patient_id === pid && g.grantee_id === cur.user.id && !g.revoked_at);
    if (g) return pid;
    if (cur.user.role === 'admin' && breakGlass.some((b) => b.patient_id === pid && !b.closed_at && Date.parse(b.expires_at) > now())) return pid;
    return null;
  }

  function summary(pid, from) {
    const u = users.get(pid);
    const rs = readings.get(pid).filter((r) => !from || Date.parse(r.taken_at) >= Date.parse(from));
    const stat = (xs) => {
      if (!xs.length) return { count: 0, mean: 0, sd: 0, min: 0, max: 0 };
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length - 1));
      return { count: xs.length, mean, sd, min: Math.min(...xs), max: Math.max(...xs) };
    };
    const s = stat(rs.map((r) => r.systolic)), d = stat(rs.map((r) => r.diastolic));
    const pulses = rs.filter((r) => r.pulse).map((r) => r.pulse);
    const hour = (r) => Number(r.taken_at.slice(11, 13));
    const pair = (xs) => xs.length ? { count: xs.length, systolic: xs.reduce((a, r) => a + r.systolic, 0) / xs.length, diastolic: xs.reduce((a, r) => a + r.diastolic, 0) / xs.length } : undefined;
    const cats = {};
    for (const r of rs) cats[r.category] = (cats[r.category] ?? 0) + 1;
    const inT = rs.filter((r) => r.systolic >= u.target.systolic_low && r.systolic <= u.target.systolic_high).length;
    return {
      guideline: u.guideline, setting: 'home', count: rs.length, session_count: new Set(rs.map((r) => r.session_id || r.id)).size,
      systolic: s, diastolic: d, pulse: pulses.length ? stat(pulses) : undefined, pulse_pressure: s.mean - d.mean, mean_arterial_pressure: d.mean + (s.mean - d.mean) / 3,
      morning: pair(rs.filter((r) => hour(r) >= 4 && hour(r) < 12)), evening: pair(rs.filter((r) => hour(r) >= 18)),
      categories: cats, average_category: rs.length ? classify(u.guideline, Math.round(s.mean), Math.round(d.mean)) : undefined,
      above_home_threshold: s.mean >= 135 || d.mean >= 85, target: u.target, time_in_target: rs.length ? inT / rs.length : 0, time_in_target_by_time: rs.length ? inT / rs.length : 0,
      severe_count: rs.filter((r) => r.severe).length,
    };
  }

  async function body(req) {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const b = Buffer.concat(chunks);
    return b.length ? JSON.parse(b.toString()) : {};
  }

  function validate(r) {
    const f = {};
    if (!(r.systolic >= 50 && r.systolic <= 300)) f.systolic = 'systolic must be between 50 and 300 mmHg';
    if (!(r.diastolic >= 20 && r.diastolic <= 200)) f.diastolic = 'diastolic must be between 20 and 200 mmHg';
    if (!f.systolic && !f.diastolic && r.systolic <= r.diastolic) f.systolic = 'systolic must be greater than diastolic';
    if (r.pulse !== undefined && !(r.pulse >= 20 && r.pulse <= 250)) f.pulse = 'pulse must be between 20 and 250 beats per minute';
    if (!r.taken_at || Number.isNaN(Date.parse(r.taken_at))) f.taken_at = 'taken_at is required';
    return Object.keys(f).length ? f : null;
  }

  async function api(req, res, url) {
    const path = url.pathname.slice('/api/v1'.length);
    const m = req.method;
    const q = url.searchParams;
    if (m === 'POST' && path === '/session') {
      const b = await body(req);
      const u = [...users.values()].find((x) => x.email === b.email && x.password === b.password && x.status === 'active');
      if (!u) return err(res, 401, 'unauthorized', 'wrong email or password');
      const sid = randomBytes(16).toString('hex');
      sessions.set(sid, { userId: u.id, state: 'mfa', idleExpires: now() + 300_000, created: now() });
      const cookie = `sid=${sid}; Path=/; HttpOnly; SameSite=Strict`;
      if (!u.mfa_enabled) {
        u.pending = u.pending ?? 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
        return send(res, 200, { status: 'mfa_setup_required', totp_secret: u.pending, otpauth_uri: `otpauth://totp/BP%20Tracker:${encodeURIComponent(u.email)}?secret=${u.pending}&issuer=BP%20Tracker` }, { 'Set-Cookie': cookie });
      }
      return send(res, 200, { status: 'mfa_required' }, { 'Set-Cookie': cookie });
    }
    const cur = current(req);
    if (m === 'POST' && path === '/session/mfa') {
      if (!cur) return err(res, 401, 'unauthorized', 'sign in first');
      const b = await body(req);
      const secret = cur.user.mfa_enabled ? cur.user.secret : cur.user.pending;
      if (b.code !== totp(secret, now()) && b.code !== '000000') return err(res, 401, 'unauthorized', 'wrong code');
      const first = !cur.user.mfa_enabled;
      if (first) { cur.user.mfa_enabled = true; cur.user.secret = secret; }
      cur.s.state = 'active';
      cur.s.idleExpires = now() + idleTimeout * 1000;
      const out = { status: 'active', user: publicUser(cur.user), idle_timeout_seconds: idleTimeout, expires_at: new Date(now() + 12 * 3600_000).toISOString() };
      if (first) out.recovery_codes = Array.from({ length: 10 }, () => randomBytes(5).toString('hex').replace(/(.{5})/, '$1-'));
      return send(res, 200, out);
    }
    if (m === 'POST' && /^\/invitations\/[^/]+\/accept$/.test(path)) return send(res, 201, {});
    if (!cur || cur.s.state !== 'active') return err(res, 401, 'unauthorized', 'please sign in');
    if (!(m === 'GET' && path === '/session')) cur.s.idleExpires = now() + idleTimeout * 1000;
    const u = cur.user;
    if (path === '/session') {
      if (m === 'GET') return send(res, 200, { user: publicUser(u), idle_timeout_seconds: idleTimeout, idle_expires_at: new Date(cur.s.idleExpires).toISOString(), expires_at: new Date(cur.s.created + 12 * 3600_000).toISOString() });
      if (m === 'DELETE') { sessions.delete(cur.sid); return send(res, 204); }
    }
    if (m === 'POST' && path === '/session/keepalive') return send(res, 204);
    if (path === '/sessions') {
      if (m === 'GET') return send(res, 200, { sessions: [...sessions.entries()].filter(([, s]) => s.userId === u.id).map(([sid, s]) => ({ id: sid.slice(0, 8), created_at: new Date(s.created).toISOString(), last_seen: new Date(now()).toISOString(), source_ip: '127.0.0.1', user_agent: 'Chromium on Linux', current: sid === cur.sid })) });
      for (const [sid, s] of sessions) if (s.userId === u.id) sessions.delete(sid);
      return send(res, 204);
    }
    if (path === '/me') {
      if (m === 'PATCH') Object.assign(u, await body(req));
      return send(res, 200, publicUser(u));
    }
    if (m === 'POST' && path === '/me/password') return send(res, 204);
    if (path === '/patients' && m === 'GET') {
      const ps = grants.filter((g) => g.grantee_id === u.id && !g.revoked_at).map((g) => {
        const p = users.get(g.patient_id);
        const rs = readings.get(p.id);
        const wk = rs.filter((r) => Date.parse(r.taken_at) > now() - 7 * 86400_000);
        const avg = wk.length ? { systolic: wk.reduce((a, r) => a + r.systolic, 0) / wk.length, diastolic: wk.reduce((a, r) => a + r.diastolic, 0) / wk.length, count: wk.length } : null;
        const flags = [];
        if (wk.some((r) => r.severe)) flags.push('severe_7d');
        if (avg && avg.systolic > p.target.systolic_high) flags.push('above_target');
        if (!rs.length || Date.parse(rs[0].taken_at) < now() - 14 * 86400_000) flags.push('no_reading_14d');
        return { id: p.id, name: p.name, latest: rs[0] ?? null, avg7: avg, category: avg ? classify(p.guideline, Math.round(avg.systolic), Math.round(avg.diastolic)) : null, time_in_target: summary(p.id).time_in_target, flags, access: g.access };
      });
      return send(res, 200, { patients: ps });
    }
    let mm;
    if ((mm = /^\/patients\/([^/]+)\/(.*)$/.exec(path))) {
      const pid = pidFor(cur, decodeURIComponent(mm[1]));
      if (!pid) return err(res, 404, 'not_found', 'not found');
      const rest = mm[2];
      const rs = readings.get(pid);
      const p = users.get(pid);
      if (rest === 'readings' && m === 'POST') {
        const b = await body(req);
        const f = validate(b);
        if (f) return err(res, 400, 'invalid', 'invalid reading', f);
        const r = makeReading(pid, u.id, b, p.guideline);
        rs.push(r);
        rs.sort((a, b2) => Date.parse(b2.taken_at) - Date.parse(a.taken_at));
        return send(res, 201, r);
      }
      if (rest === 'readings' && m === 'GET') {
        const from = q.get('from'), to = q.get('to');
        const list = rs.filter((r) => (!from || Date.parse(r.taken_at) >= Date.parse(from)) && (!to || Date.parse(r.taken_at) < Date.parse(to)));
        const start = Number(q.get('cursor') ?? 0), limit = Number(q.get('limit') ?? 50);
        const page = list.slice(start, start + limit);
        return send(res, 200, { readings: page, next_cursor: start + limit < list.length ? String(start + limit) : null });
      }
      if ((mm = /^readings\/([^/]+)$/.exec(rest))) {
        const i = rs.findIndex((r) => r.id === mm[1]);
        if (i < 0) return err(res, 404, 'not_found', 'not found');
        if (m === 'GET') return send(res, 200, rs[i]);
        if (m === 'DELETE') { rs.splice(i, 1); return send(res, 204); }
        const b = await body(req);
        if (b.version !== rs[i].version) return err(res, 409, 'conflict', 'stale version');
        const nr = { ...rs[i], ...b, version: rs[i].version + 1, updated_at: new Date(now()).toISOString() };
        nr.category = classify(p.guideline, nr.systolic, nr.diastolic); nr.category_label = LABEL[nr.category];
        rs[i] = nr;
        return send(res, 200, nr);
      }
      if (rest === 'summary') return send(res, 200, summary(pid, q.get('from')));
      if (rest === 'home-report') {
        const s = summary(pid, new Date(now() - 7 * 86400_000).toISOString());
        return send(res, 200, { start: new Date(now() - 7 * 86400_000).toISOString(), end: new Date(now()).toISOString(), days: Math.min(7, s.count), readings_used: s.count, complete: s.count >= 12, average: s.count ? { count: s.count, systolic: s.systolic.mean, diastolic: s.diastolic.mean } : undefined, morning: s.morning, evening: s.evening, category: s.average_category, above_home_threshold: s.above_home_threshold, instructions: 'For seven days, measure in the morning before medication and in the evening, twice each time, one minute apart, seated after five minutes of rest. The first day is not counted.', message: s.count >= 12 ? 'Your 7-day home average is ready to share with your doctor.' : 'Keep measuring: at least 12 readings are needed after day one.' });
      }
      if (rest === 'grants' && m === 'GET') return send(res, 200, { grants: grants.filter((g) => g.patient_id === pid), invitations: [] });
      if (rest === 'grants' && m === 'POST') {
        const b = await body(req);
        const gu = [...users.values()].find((x) => x.email === b.grantee_email);
        if (!gu) return send(res, 201, { invitation: { url: `/invite/${randomBytes(8).toString('hex')}`, expires_at: new Date(now() + 7 * 86400_000).toISOString() } });
        const g = { id: randomUUID(), patient_id: pid, grantee_id: gu.id, grantee_name: gu.name, role: b.role, access: b.access, expires_at: b.expires_at ?? null, created_at: new Date(now()).toISOString(), revoked_at: null };
        grants.push(g);
        return send(res, 201, { grant: g });
      }
      if ((mm = /^grants\/([^/]+)$/.exec(rest)) && m === 'DELETE') {
        const g = grants.find((x) => x.id === mm[1]);
        if (g) g.revoked_at = new Date(now()).toISOString();
        return send(res, 204);
      }
      if (rest === 'access-log') return send(res, 200, { events: audit.filter((e) => e.patient_id === pid && e.actor_id !== pid).map((e) => ({ time: e.time, actor_name: users.get(e.actor_id)?.name ?? '', actor_role: e.actor_role, action: e.action, via: e.via ?? 'grant', source_ip: '127.0.0.1', outcome: 'success' })) });
      if (rest === 'settings' && m === 'PATCH') { Object.assign(p, await body(req)); return send(res, 200, {}); }
      return err(res, 404, 'not_found', 'not found');
    }
    if (path === '/invitations' && m === 'POST') return send(res, 201, { invitation: { url: `/invite/${randomBytes(8).toString('hex')}`, expires_at: new Date(now() + 7 * 86400_000).toISOString() } });
    if (path.startsWith('/admin/')) {
      if (u.role !== 'admin') return err(res, 404, 'not_found', 'not found');
      if (path === '/admin/users' && m === 'GET') return send(res, 200, { users: [...users.values()].filter((x) => (!q.get('role') || x.role === q.get('role')) && (!q.get('status') || x.status === q.get('status'))).map((x) => ({ id: x.id, email: x.email, name: x.name, role: x.role, status: x.status, mfa_enabled: x.mfa_enabled, locked: x.locked })) });
      if (path === '/admin/users' && m === 'POST') return send(res, 201, { invitation: { url: `/invite/${randomBytes(8).toString('hex')}`, expires_at: new Date(now() + 7 * 86400_000).toISOString() } });
      if ((mm = /^\/admin\/users\/([^/]+)$/.exec(path))) {
        const t = users.get(mm[1]);
        const b = await body(req);
        if (b.status) t.status = b.status;
        if (b.role) t.role = b.role;
        if (b.action === 'reset_link') return send(res, 200, { reset: { url: `/reset/${randomBytes(8).toString('hex')}`, expires_at: new Date(now() + 86400_000).toISOString() } });
        return send(res, 200, {});
      }
      if (path === '/admin/audit') return send(res, 200, { events: audit.slice().reverse(), next_cursor: null });
      if (path === '/admin/break-glass' && m === 'GET') return send(res, 200, { break_glass: breakGlass });
      if (path === '/admin/break-glass' && m === 'POST') {
        const b = await body(req);
        if (!b.reason) return err(res, 400, 'invalid', 'invalid request', { reason: 'a reason is required' });
        const bg = { id: randomUUID(), patient_id: b.patient_id, reason: b.reason, created_at: new Date(now()).toISOString(), expires_at: new Date(now() + 3600_000).toISOString() };
        breakGlass.push(bg);
        return send(res, 201, { break_glass: bg });
      }
    }
    return err(res, 404, 'not_found', 'not found');
  }

  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    try {
      if (url.pathname.startsWith('/api/')) {
        const cur = current(req);
        if (cur && cur.s.state === 'active') audit.push({ id: randomUUID(), chain: 'x', seq: audit.length + 1, time: new Date(now()).toISOString(), actor_id: cur.user.id, actor_role: cur.user.role, action: `${req.method} ${url.pathname.slice(8).replace(/[0-9a-f-]{36}/g, '{id}')}`, patient_id: /\/patients\/([0-9a-f-]{36})/.exec(url.pathname)?.[1], outcome: 'success', source_ip: '127.0.0.1' });
        return await api(req, res, url);
      }
      let file = normalize(join(dist, url.pathname));
      if (!file.startsWith(dist) || !extname(file)) file = join(dist, 'index.html');
      let data;
      try { data = await readFile(file); } catch { data = await readFile(join(dist, 'index.html')); file = 'index.html'; }
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Security-Policy': CSP, 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' });
      res.end(data);
    } catch (e) {
      console.error('mock error', e);
      err(res, 500, 'internal', 'internal error');
    }
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}`, server, addUser, seedReadings, grants, breakGlass, users,
    grant(pid, gid, access = 'read', role = 'provider') { const gu = users.get(gid); grants.push({ id: randomUUID(), patient_id: pid, grantee_id: gid, grantee_name: gu.name, role, access, expires_at: null, created_at: new Date(now()).toISOString(), revoked_at: null }); },
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  })));
}

/** Deterministic readings: n days back from `end`, morning and evening pairs. */
export function syntheticReadings(days, end = Date.now(), perDay = 2) {
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const out = [];
  for (let d = days - 1; d >= 0; d--) {
    for (let k = 0; k < perDay; k++) {
      const t = new Date(end - d * 86400_000);
      t.setUTCHours(k % 2 === 0 ? 6 : 19, 30 + k, 0, 0);
      if (t.getTime() > end) continue;
      const trend = 8 * Math.sin(d / 40);
      const sys = Math.round(128 + trend + (k % 2 ? 4 : 0) + rnd() * 16 - 8);
      const dia = Math.round(81 + trend / 2 + rnd() * 10 - 5);
      const iso = t.toISOString().replace('Z', '+00:00').replace(/\.\d{3}/, '');
      out.push({ taken_at: iso, systolic: sys, diastolic: dia, pulse: Math.round(66 + rnd() * 14), arm: 'left', position: 'sitting', session_id: `s-${d}-${k >> 1}` });
    }
  }
  return out;
}
