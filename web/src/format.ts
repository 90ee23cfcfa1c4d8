// Formatting and parsing helpers for dates and numbers. Reading times keep
// the offset they were taken at, so they are shown as that wall-clock time.

const pad = (n: number, w = 2) => String(Math.trunc(Math.abs(n))).padStart(w, '0');

/** RFC 3339 with the local UTC offset for a Date, e.g. 2026-01-31T08:15:00+01:00. */
export function toRFC3339(d: Date): string {
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` +
    `${sign}${pad(off / 60)}:${pad(off % 60)}`
  );
}

/** The value of an <input type="datetime-local"> for a Date (local time, minutes). */
export function toLocalInput(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Parses a datetime-local value (local time) to RFC 3339 with the offset; null when invalid. */
export function localInputToRFC3339(v: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(v);
  if (!m) return null;
  const d = new Date(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, m[6] ? +m[6] : 0);
  if (Number.isNaN(d.getTime())) return null;
  return toRFC3339(d);
}

/** The wall-clock value of an RFC 3339 time as datetime-local input text. */
export function rfc3339ToLocalInput(iso: string): string {
  const w = wallClock(iso);
  if (!w) return '';
  return `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}`;
}

export interface Wall { year: number; month: number; day: number; hour: number; minute: number }

/** The date and time as written in an RFC 3339 string, ignoring the viewer's zone. */
export function wallClock(iso: string): Wall | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})/.exec(iso);
  if (!m) return null;
  return { year: +m[1]!, month: +m[2]!, day: +m[3]!, hour: +m[4]!, minute: +m[5]! };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "31 Jan 2026, 08:15" in the reading's own offset. */
export function formatTaken(iso: string): string {
  const w = wallClock(iso);
  if (!w) return iso;
  return `${w.day} ${MONTHS[w.month - 1]} ${w.year}, ${pad(w.hour)}:${pad(w.minute)}`;
}

/** A time in the viewer's zone, for events (audit, sessions). */
export function formatInstant(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()}, ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function formatBP(s: number, d: number): string {
  return `${Math.round(s)}/${Math.round(d)}`;
}

export function formatPercent(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  return `${Math.round(x * 100)}%`;
}

export function formatNumber(x: number | null | undefined, digits = 0): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  return x.toFixed(digits);
}

/** Whole-number field parsing: "" → undefined, digits → number, anything else → NaN. */
export function parseWhole(s: string): number | undefined {
  const t = s.trim();
  if (t === '') return undefined;
  return /^\d+$/.test(t) ? Number(t) : NaN;
}

/**
 * Whether a typed number is complete, so focus may move on: three digits,
 * or two digits that could not become a valid three-digit value.
 */
export function isCompleteNumber(s: string, max: number): boolean {
  if (!/^\d+$/.test(s)) return false;
  if (s.length >= 3) return true;
  if (s.length === 2) return Number(s + '0') > max;
  return false;
}

/** Splits "a, b ,c" into trimmed non-empty tags, without duplicates. */
export function parseTags(s: string): string[] {
  const out: string[] = [];
  for (const t of s.split(',')) {
    const v = t.trim();
    if (v && !out.includes(v)) out.push(v);
  }
  return out;
}

/** Start of a window of n days back from now, as RFC 3339 (undefined for "all"). */
export function windowStart(days: number | null, now = new Date()): string | undefined {
  if (days === null) return undefined;
  return toRFC3339(new Date(now.getTime() - days * 86400_000));
}

/** Local hour of a reading's wall clock, for the morning/evening filter. */
export function partOfDay(iso: string): 'morning' | 'evening' | 'other' {
  const w = wallClock(iso);
  if (!w) return 'other';
  if (w.hour >= 4 && w.hour < 12) return 'morning';
  if (w.hour >= 18) return 'evening';
  return 'other';
}
