import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, api, request, setHooks, sha256Hex, toApiError, withQuery } from './api';

type Call = { url: string; init: RequestInit };
let calls: Call[] = [];
let reply: () => Response;

beforeEach(() => {
  calls = [];
  vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return reply();
  }));
});
afterEach(() => {
  vi.unstubAllGlobals();
  setHooks({});
});

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('sha256Hex', () => {
  it('matches known digests', async () => {
    expect(await sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(await sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(await sha256Hex(new TextEncoder().encode('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('request', () => {
  it('sends JSON with content type and the body hash', async () => {
    reply = () => json(201, { id: 'r1' });
    const r = await api.addReading('me', { taken_at: '2026-01-31T08:15:00+01:00', systolic: 120, diastolic: 80 });
    expect(r).toEqual({ id: 'r1' });
    const c = calls[0]!;
    expect(c.url).toBe('/api/v1/patients/me/readings');
    expect(c.init.method).toBe('POST');
    const h = c.init.headers as Record<string, string>;
    expect(h['Content-Type']).toBe('application/json');
    expect(h['x-amz-content-sha256']).toBe(await sha256Hex(c.init.body as string));
    expect(JSON.parse(c.init.body as string)).toEqual({ taken_at: '2026-01-31T08:15:00+01:00', systolic: 120, diastolic: 80 });
  });

  it('sends no body hash without a body', async () => {
    reply = () => json(200, { readings: [], next_cursor: null });
    await api.readings('me', { limit: 20, cursor: null });
    const h = calls[0]!.init.headers as Record<string, string>;
    expect(h['x-amz-content-sha256']).toBeUndefined();
    expect(calls[0]!.url).toBe('/api/v1/patients/me/readings?limit=20');
  });

  it('escapes path segments', async () => {
    reply = () => new Response(null, { status: 204 });
    await api.deleteReading('p/1', 'a b');
    expect(calls[0]!.url).toBe('/api/v1/patients/p%2F1/readings/a%20b');
  });

  it('hashes raw uploads and keeps their content type', async () => {
    reply = () => json(200, { would_import: 2, duplicates: 0, rejected: [] });
    const data = new TextEncoder().encode('a,b\n1,2\n').buffer;
    await api.importFile('me', { data, type: 'text/csv' }, { dry_run: true, valid_rows: true, date_order: 'dmy', tz: 'Europe/Paris' });
    const c = calls[0]!;
    const h = c.init.headers as Record<string, string>;
    expect(h['Content-Type']).toBe('text/csv');
    expect(h['x-amz-content-sha256']).toBe(await sha256Hex(data));
    expect(c.url).toBe('/api/v1/patients/me/imports?dry_run=true&valid_rows=true&date_order=dmy&tz=Europe%2FParis');
  });

  it('gzips a large text upload and hashes the bytes it sends', async () => {
    reply = () => json(200, { would_import: 500, duplicates: 0, rejected: [] });
    const text = 'Date,Time,Sys,Dia\n' + '2026-01-05,07:30,128,82\n'.repeat(500);
    const data = new TextEncoder().encode(text).buffer;
    await api.importFile('me', { data, type: 'text/csv' }, { dry_run: true, valid_rows: false, date_order: 'ymd', tz: 'UTC' });
    const c = calls[0]!;
    const h = c.init.headers as Record<string, string>;
    expect(h['Content-Encoding']).toBe('gzip');
    const sent = c.init.body as ArrayBuffer;
    expect(sent.byteLength).toBeLessThan(data.byteLength / 10);
    expect(h['x-amz-content-sha256']).toBe(await sha256Hex(sent));
    const back = await new Response(new Blob([sent]).stream().pipeThrough(new DecompressionStream('gzip'))).text();
    expect(back).toBe(text);
  });

  it('sends zip-based spreadsheets as they are', async () => {
    reply = () => json(200, { would_import: 0, duplicates: 0, rejected: [] });
    const data = new Uint8Array(8192);
    data.set([0x50, 0x4b, 0x03, 0x04]);
    await api.importFile('me', { data: data.buffer, type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }, { dry_run: true, valid_rows: false, date_order: 'ymd', tz: 'UTC' });
    const h = calls[0]!.init.headers as Record<string, string>;
    expect(h['Content-Encoding']).toBeUndefined();
    expect(calls[0]!.init.body).toBe(data.buffer);
  });

  it('imports all or nothing unless valid_rows is chosen, and keeps the result of a refused import', async () => {
    const result = { format: 'csv', dry_run: false, would_import: 2, imported: 0, duplicates: 0, rejected: [{ row: 3, reason: 'systolic is missing' }] };
    reply = () => json(400, { error: { code: 'invalid', message: '1 row was rejected; nothing was imported' }, result });
    const data = new TextEncoder().encode('a,b\n1,2\n').buffer;
    const e = (await api.importFile('me', { data, type: 'text/csv' }, { dry_run: false, valid_rows: false, date_order: 'dmy', tz: 'UTC' }).catch((x: unknown) => x)) as ApiError;
    expect(calls[0]!.url).toBe('/api/v1/patients/me/imports?dry_run=false&date_order=dmy&tz=UTC');
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(400);
    expect(e.result).toEqual(result);
  });

  it('continues an import job by POSTing to its continue path', async () => {
    reply = () => json(200, { job: { id: 'j/1', status: 'running', total: 900, done: 100 } });
    const r = await api.continueImport('me', 'j/1');
    expect(r.job.done).toBe(100);
    expect(calls[0]!.url).toBe('/api/v1/patients/me/imports/j%2F1/continue');
    expect(calls[0]!.init.method).toBe('POST');
  });

  it('maps validation errors with their fields', async () => {
    reply = () => json(400, { error: { code: 'invalid', message: 'invalid reading', fields: { systolic: 'systolic must be between 50 and 300 mmHg' } } });
    const err = await request('POST', '/x', { body: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    expect(e.status).toBe(400);
    expect(e.code).toBe('invalid');
    expect(e.message).toBe('invalid reading');
    expect(e.fields).toEqual({ systolic: 'systolic must be between 50 and 300 mmHg' });
  });

  it('maps non-JSON errors to a generic message', async () => {
    reply = () => new Response('<html>bad gateway</html>', { status: 502 });
    const e = (await request('GET', '/x').catch((x: unknown) => x)) as ApiError;
    expect(e.status).toBe(502);
    expect(e.code).toBe('http_502');
    expect(e.message).toMatch(/Something went wrong/);
  });

  it('maps network failures to status 0', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => { throw new TypeError('Failed to fetch'); }));
    const e = (await request('GET', '/x').catch((x: unknown) => x)) as ApiError;
    expect(e.status).toBe(0);
    expect(e.code).toBe('network');
  });

  it('calls onUnauthorized on 401, except where 401 means wrong credentials', async () => {
    const onUnauthorized = vi.fn();
    setHooks({ onUnauthorized });
    reply = () => json(401, { error: { code: 'unauthorized', message: 'sign in' } });
    await api.me().catch(() => undefined);
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    await api.signIn('a@example.com', 'wrong').catch(() => undefined);
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it('reports activity, but not for GET /session', async () => {
    const onActivity = vi.fn();
    setHooks({ onActivity });
    reply = () => json(200, { user: {}, idle_timeout_seconds: 900 });
    await api.session();
    expect(onActivity).not.toHaveBeenCalled();
    reply = () => new Response(null, { status: 204 });
    await api.keepalive();
    expect(onActivity).toHaveBeenCalledTimes(1);
  });

  it('returns undefined for 204', async () => {
    reply = () => new Response(null, { status: 204 });
    expect(await api.signOutEverywhere()).toBeUndefined();
  });
});

describe('toApiError', () => {
  it('ignores non-string field messages', async () => {
    const e = await toApiError(json(400, { error: { code: 'invalid', message: 'm', fields: { a: 'x', b: 3 } } }));
    expect(e.fields).toEqual({ a: 'x' });
  });
  it('has no result unless the error body carries one', async () => {
    const e = await toApiError(json(409, { error: { code: 'conflict', message: 'stale version' } }));
    expect(e.code).toBe('conflict');
    expect(e.result).toBeUndefined();
  });
  it('keeps a locked message for 423', async () => {
    const e = await toApiError(new Response('', { status: 423 }));
    expect(e.message).toMatch(/Too many attempts/);
  });
});

describe('withQuery', () => {
  it('drops empty values', () => {
    expect(withQuery('/p', { a: '1', b: '', c: undefined, d: null, e: 0 })).toBe('/p?a=1&e=0');
    expect(withQuery('/p', {})).toBe('/p');
  });
});
