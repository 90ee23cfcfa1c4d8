// Remembered entry preferences. Only arm and position live in localStorage:
// never readings, names or emails.
import type { Arm, Position } from './types';

const KEY = 'bpt.entry-prefs';

export interface Prefs { arm?: Arm; position?: Position }

export function loadPrefs(store: Storage | undefined = globalThis.localStorage): Prefs {
  try {
    const raw = store?.getItem(KEY);
    if (!raw) return {};
    const v = JSON.parse(raw) as Record<string, unknown>;
    const out: Prefs = {};
    if (v.arm === 'left' || v.arm === 'right') out.arm = v.arm;
    if (v.position === 'sitting' || v.position === 'standing' || v.position === 'lying') out.position = v.position;
    return out;
  } catch {
    return {};
  }
}

export function savePrefs(p: Prefs, store: Storage | undefined = globalThis.localStorage): void {
  try {
    const out: Prefs = {};
    if (p.arm) out.arm = p.arm;
    if (p.position) out.position = p.position;
    store?.setItem(KEY, JSON.stringify(out));
  } catch {
    // storage may be disabled: preferences are a convenience
  }
}

/** A random UUID v4 for grouping readings of one session. */
export function uuid(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
