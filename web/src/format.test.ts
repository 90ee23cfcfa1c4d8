import { describe, expect, it } from 'vitest';
import {
  formatBP, formatPercent, formatTaken, isCompleteNumber, localInputToRFC3339, parseTags, parseWhole, partOfDay,
  rfc3339ToLocalInput, toLocalInput, toRFC3339, wallClock,
} from './format';
import { warningLead, idleState, formatCountdown } from './idle';

describe('RFC 3339 with offset', () => {
  it('keeps the same instant and writes an offset', () => {
    const d = new Date(2026, 0, 31, 8, 15, 0);
    const s = toRFC3339(d);
    expect(s).toMatch(/^2026-01-31T08:15:00[+-]\d{2}:\d{2}$/);
    expect(Date.parse(s)).toBe(d.getTime());
  });
  it('parses datetime-local values', () => {
    const s = localInputToRFC3339('2026-01-31T08:15');
    expect(s).not.toBeNull();
    expect(Date.parse(s!)).toBe(new Date(2026, 0, 31, 8, 15).getTime());
    expect(localInputToRFC3339('')).toBeNull();
    expect(localInputToRFC3339('31/01/2026 08:15')).toBeNull();
  });
  it('round-trips the input value', () => {
    const d = new Date(2026, 5, 1, 23, 59);
    expect(rfc3339ToLocalInput(toRFC3339(d))).toBe(toLocalInput(d));
  });
});

describe('wall clock display', () => {
  it('shows the time as recorded, whatever the viewer zone', () => {
    expect(formatTaken('2026-01-31T08:15:00+09:00')).toBe('31 Jan 2026, 08:15');
    expect(formatTaken('2026-12-01T23:05:00-05:00')).toBe('1 Dec 2026, 23:05');
    expect(wallClock('nonsense')).toBeNull();
    expect(formatTaken('nonsense')).toBe('nonsense');
  });
  it('finds morning and evening by the reading offset', () => {
    expect(partOfDay('2026-01-31T04:00:00+09:00')).toBe('morning');
    expect(partOfDay('2026-01-31T11:59:00-05:00')).toBe('morning');
    expect(partOfDay('2026-01-31T12:00:00Z')).toBe('other');
    expect(partOfDay('2026-01-31T18:00:00Z')).toBe('evening');
    expect(partOfDay('2026-01-31T03:59:00Z')).toBe('other');
  });
});

describe('numbers', () => {
  it('parses whole numbers', () => {
    expect(parseWhole('')).toBeUndefined();
    expect(parseWhole(' 120 ')).toBe(120);
    expect(parseWhole('12.5')).toBeNaN();
    expect(parseWhole('-3')).toBeNaN();
  });
  it('knows when a typed number is complete', () => {
    expect(isCompleteNumber('1', 300)).toBe(false);
    expect(isCompleteNumber('12', 300)).toBe(false);
    expect(isCompleteNumber('120', 300)).toBe(true);
    expect(isCompleteNumber('30', 300)).toBe(false);
    expect(isCompleteNumber('95', 300)).toBe(true);
    expect(isCompleteNumber('80', 200)).toBe(true);
    expect(isCompleteNumber('20', 200)).toBe(false);
    expect(isCompleteNumber('1', 200)).toBe(false);
    expect(isCompleteNumber('', 200)).toBe(false);
  });
  it('formats', () => {
    expect(formatBP(128.4, 81.6)).toBe('128/82');
    expect(formatPercent(0.456)).toBe('46%');
    expect(formatPercent(null)).toBe('—');
  });
  it('parses tags', () => {
    expect(parseTags(' after run, coffee ,, after run')).toEqual(['after run', 'coffee']);
    expect(parseTags('')).toEqual([]);
  });
});

describe('idle logoff timing', () => {
  it('warns two minutes ahead, or half a short timeout', () => {
    expect(warningLead(900)).toBe(120);
    expect(warningLead(240)).toBe(120);
    expect(warningLead(30)).toBe(15);
  });
  it('moves from active to warning to expired', () => {
    const exp = 1_000_000;
    expect(idleState(exp - 121_000, exp, 900)).toEqual({ kind: 'active' });
    expect(idleState(exp - 120_000, exp, 900)).toEqual({ kind: 'warning', secondsLeft: 120 });
    expect(idleState(exp - 500, exp, 900)).toEqual({ kind: 'warning', secondsLeft: 1 });
    expect(idleState(exp, exp, 900)).toEqual({ kind: 'expired' });
  });
  it('formats the countdown', () => {
    expect(formatCountdown(125)).toBe('2 min 05 s');
    expect(formatCountdown(9)).toBe('9 s');
  });
});
