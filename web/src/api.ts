// The one API client: typed requests, error mapping, and the hooks the app
// uses for automatic logoff (activity extends the idle timer; 401 signs out).
import type {
  AccessEvent, ActiveSession, AdminUser, AuditEvent, BreakGlass, Grant, GrantResult,
  Guideline, HomeReport, ImportResult, Invitation, MFAResult, PanelPatient, Reading,
  ReadingInput, ReadingPage, SessionInfo, SignInResult, Summary, Target, User, ImportJob } from './types';

export const BASE = '/api/v1';

/** An error answered by the API (or a network failure, status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: Record<string, string> = {},
    /** Extra data answered with the error (a refused import's result). */
    readonly result?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface Hooks {
  /** Called after any successful request that the server counts as activity. */
  onActivity?: () => void;
  /** Called when an authenticated request answers 401 (session gone). */
  onUnauthorized?: () => void;
}

const hooks: Hooks = {};
export function setHooks(h: Hooks): void {
  hooks.onActivity = h.onActivity;
  hooks.onUnauthorized = h.onUnauthorized;
}

/** Hex SHA-256 of a body, sent as x-amz-content-sha256 (CloudFront origin access control). */
export async function sha256Hex(body: string | ArrayBuffer | Uint8Array): Promise<string> {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body instanceof Uint8Array ? body : new Uint8Array(body);
  const digest = await crypto.subtle.digest('SHA-256', bytes as BufferSource);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Gzips an upload that is worth it: more than a few kilobytes and not a
 * zip already (XLSX and ODS are). On AWS a request carries at most 6 MB;
 * a 10 MB CSV or FHIR file compresses to a fraction of that. Null when the
 * body goes as is (or the browser has no CompressionStream).
 */
async function gzipUpload(data: ArrayBuffer): Promise<ArrayBuffer | null> {
  const head = new Uint8Array(data, 0, Math.min(4, data.byteLength));
  const zip = head[0] === 0x50 && head[1] === 0x4b; // "PK"
  const gz = head[0] === 0x1f && head[1] === 0x8b;
  if (data.byteLength < 4096 || zip || gz || typeof CompressionStream === 'undefined') return null;
  const stream = new Blob([data]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Response(stream).arrayBuffer();
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export function withQuery(path: string, q?: Query): string {
  if (!q) return path;
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `${path}?${s}` : path;
}

export interface RequestOptions {
  body?: unknown;
  /** A raw body (file upload) with its content type. */
  raw?: { data: ArrayBuffer; type: string };
  query?: Query;
  /** false for requests where 401 means "wrong credentials", not "signed out". */
  auth?: boolean;
  /** false for requests the server does not count as activity (GET /session). */
  activity?: boolean;
}

/** Maps a failed response to an ApiError; never throws itself. */
export async function toApiError(res: Response): Promise<ApiError> {
  let code = 'http_' + res.status;
  let message = defaultMessage(res.status);
  let fields: Record<string, string> = {};
  let result: unknown;
  try {
    const j = (await res.json()) as { error?: { code?: unknown; message?: unknown; fields?: unknown }; result?: unknown };
    if (j && typeof j === 'object' && j.error && typeof j.error === 'object') {
      if (typeof j.error.code === 'string') code = j.error.code;
      if (typeof j.error.message === 'string' && j.error.message) message = j.error.message;
      if (j.error.fields && typeof j.error.fields === 'object') {
        fields = Object.fromEntries(
          Object.entries(j.error.fields as Record<string, unknown>).filter(([, v]) => typeof v === 'string'),
        ) as Record<string, string>;
      }
      if (j.result && typeof j.result === 'object') result = j.result;
    }
  } catch {
    // not JSON: keep the defaults
  }
  return new ApiError(res.status, code, message, fields, result);
}

function defaultMessage(status: number): string {
  switch (status) {
    case 400: return 'Please check the highlighted fields.';
    case 401: return 'Please sign in.';
    case 403: return 'That is not allowed.';
    case 404: return 'Not found.';
    case 409: return 'This changed elsewhere. Reload and try again.';
    case 423: case 429: return 'Too many attempts. Please wait and try again later.';
    default: return 'Something went wrong. Please try again.';
  }
}

export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  let body: BodyInit | undefined;
  if (opts.raw) {
    const gz = await gzipUpload(opts.raw.data);
    const data = gz ?? opts.raw.data;
    if (gz) headers['Content-Encoding'] = 'gzip';
    body = data;
    headers['Content-Type'] = opts.raw.type || 'application/octet-stream';
    // The hash is of the bytes sent, which is what CloudFront signs.
    headers['x-amz-content-sha256'] = await sha256Hex(data);
  } else if (opts.body !== undefined) {
    const text = JSON.stringify(opts.body);
    body = text;
    headers['Content-Type'] = 'application/json';
    headers['x-amz-content-sha256'] = await sha256Hex(text);
  }
  let res: Response;
  try {
    res = await fetch(BASE + withQuery(path, opts.query), { method, headers, body, credentials: 'same-origin', cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'network', 'Cannot reach the server. Check your connection and try again.');
  }
  if (!res.ok) {
    const err = await toApiError(res);
    if (res.status === 401 && opts.auth !== false) hooks.onUnauthorized?.();
    throw err;
  }
  if (opts.activity !== false) hooks.onActivity?.();
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

const enc = encodeURIComponent;
const P = (pid: string) => `/patients/${enc(pid)}`;

export const api = {
  // Sessions and sign-in.
  signIn: (email: string, password: string) =>
    request<SignInResult>('POST', '/session', { body: { email, password }, auth: false, activity: false }),
  mfa: (code: string) => request<MFAResult>('POST', '/session/mfa', { body: { code }, auth: false }),
  session: () => request<SessionInfo>('GET', '/session', { auth: false, activity: false }),
  keepalive: () => request<void>('POST', '/session/keepalive'),
  signOut: () => request<void>('DELETE', '/session', { auth: false, activity: false }),
  sessions: () => request<{ sessions: ActiveSession[] }>('GET', '/sessions'),
  signOutEverywhere: () => request<void>('DELETE', '/sessions'),

  // Account.
  me: () => request<User>('GET', '/me'),
  updateMe: (p: { name?: string; time_zone?: string; guideline?: Guideline }) => request<User>('PATCH', '/me', { body: p }),
  changePassword: (current_password: string, new_password: string) =>
    request<void>('POST', '/me/password', { body: { current_password, new_password } }),
  resetMFA: (password: string) => request<SignInResult>('POST', '/me/mfa/reset', { body: { password } }),
  confirmMFA: (code: string) => request<{ recovery_codes: string[] }>('POST', '/me/mfa', { body: { code } }),
  deleteAccount: (password: string, code: string) => request<void>('DELETE', '/me', { body: { password, code } }),

  // Readings.
  addReading: (pid: string, r: ReadingInput) => request<Reading>('POST', `${P(pid)}/readings`, { body: r }),
  readings: (pid: string, q: { from?: string; to?: string; limit?: number; cursor?: string | null }) =>
    request<ReadingPage>('GET', `${P(pid)}/readings`, { query: q }),
  reading: (pid: string, id: string) => request<Reading>('GET', `${P(pid)}/readings/${enc(id)}`),
  updateReading: (pid: string, id: string, p: Partial<ReadingInput> & { version: number }) =>
    request<Reading>('PATCH', `${P(pid)}/readings/${enc(id)}`, { body: p }),
  deleteReading: (pid: string, id: string) => request<void>('DELETE', `${P(pid)}/readings/${enc(id)}`),
  summary: (pid: string, q: { from?: string; to?: string }) => request<Summary>('GET', `${P(pid)}/summary`, { query: q }),
  homeReport: (pid: string, end?: string) => request<HomeReport>('GET', `${P(pid)}/home-report`, { query: { end } }),

  // Sharing.
  grants: (pid: string) => request<{ grants: Grant[]; invitations: Invitation[] }>('GET', `${P(pid)}/grants`),
  grant: (pid: string, g: { grantee_email: string; role: string; access: string; expires_at?: string }) =>
    request<GrantResult>('POST', `${P(pid)}/grants`, { body: g }),
  revoke: (pid: string, id: string) => request<void>('DELETE', `${P(pid)}/grants/${enc(id)}`),
  accessLog: (pid: string) => request<{ events: AccessEvent[] }>('GET', `${P(pid)}/access-log`),
  acceptInvitation: (code: string, password: string, name?: string) =>
    request<unknown>('POST', `/invitations/${enc(code)}/accept`, { body: name ? { password, name } : { password }, auth: false, activity: false }),
  requestReset: (email: string) =>
    request<{ status: string }>('POST', '/password-reset', { body: { email }, auth: false, activity: false }),
  resetPassword: (code: string, password: string) =>
    request<unknown>('POST', `/resets/${enc(code)}`, { body: { password }, auth: false, activity: false }),
  invite: (email: string, role: string, name?: string) =>
    request<{ invitation: Invitation }>('POST', '/invitations', { body: name ? { email, role, name } : { email, role } }),

  // Provider.
  patients: () => request<{ patients: PanelPatient[] }>('GET', '/patients'),
  patientSettings: (pid: string, s: { target?: Target; guideline?: Guideline }) =>
    request<unknown>('PATCH', `${P(pid)}/settings`, { body: s }),

  // Data.
  /** valid_rows: import the valid rows and report the rest; otherwise any rejected row refuses the whole file (400, with the result). */
  importFile: (pid: string, file: { data: ArrayBuffer; type: string }, q: { dry_run: boolean; valid_rows: boolean; date_order: string; tz: string }) =>
    request<ImportResult>('POST', `${P(pid)}/imports`, { raw: file, query: { ...q, valid_rows: q.valid_rows || undefined } }),
  importJobs: (pid: string) => request<{ jobs: ImportJob[] }>('GET', `${P(pid)}/imports`),
  /** Writes the next part of an import job; call until its status is done. */
  continueImport: (pid: string, id: string) =>
    request<{ job: ImportJob }>('POST', `${P(pid)}/imports/${enc(id)}/continue`),
  exportURL: (pid: string, format: string, from?: string, to?: string) =>
    BASE + withQuery(`${P(pid)}/export`, { format, from, to }),
  archiveURL: (pid: string) => `${BASE}${P(pid)}/archive`,

  // Admin.
  adminUsers: (q: { role?: string; status?: string }) => request<{ users: AdminUser[] }>('GET', '/admin/users', { query: q }),
  adminInvite: (email: string, role: string, name?: string) =>
    request<{ invitation: Invitation }>('POST', '/admin/users', { body: name ? { email, role, name } : { email, role } }),
  adminUpdate: (id: string, p: { status?: string; role?: string; action?: string }) =>
    request<{ reset?: { url: string; expires_at: string } } | undefined>('PATCH', `/admin/users/${enc(id)}`, { body: p }),
  audit: (q: { actor?: string; patient?: string; action?: string; from?: string; to?: string; cursor?: string }) =>
    request<{ events: AuditEvent[]; next_cursor: string | null }>('GET', '/admin/audit', { query: { ...q, format: 'json' } }),
  auditURL: (q: Query, format: 'csv' | 'json') => BASE + withQuery('/admin/audit', { ...q, format }),
  breakGlass: (patient_id: string, reason: string) =>
    request<{ break_glass: BreakGlass }>('POST', '/admin/break-glass', { body: { patient_id, reason } }),
  breakGlasses: () => request<{ break_glass?: BreakGlass[]; break_glasses?: BreakGlass[] } & Record<string, unknown>>('GET', '/admin/break-glass'),
  closeBreakGlass: (id: string) => request<void>('DELETE', `/admin/break-glass/${enc(id)}`),
};

/** Fetches every page of readings in a window (for charts), newest first. */
export async function allReadings(pid: string, from?: string, to?: string, max = 20000): Promise<Reading[]> {
  const out: Reading[] = [];
  let cursor: string | null = null;
  do {
    const page: ReadingPage = await api.readings(pid, { from, to, limit: 500, cursor });
    out.push(...page.readings);
    cursor = page.next_cursor;
  } while (cursor && out.length < max);
  return out;
}
