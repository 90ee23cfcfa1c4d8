import { afterEach, describe, expect, it, vi } from 'vitest';
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { Entry, checkEntry, liveCategory, toReadingInput, type EntryValues } from './screens/entry';
import { sortPatients, riskScore } from './screens/panel';
import { rebase } from './screens/history';
import { toPoints } from './chart';
import { loadPrefs, savePrefs, uuid } from './prefs';
import { qrSVG } from './qr';
import type { PanelPatient, Reading } from './types';

const base: EntryValues = { systolic: '128', diastolic: '82', pulse: '', takenAt: '2026-01-31T08:15', arm: '', position: '', irregular: false, note: '', tags: '' };
const now = new Date(2026, 0, 31, 9, 0);

describe('checkEntry', () => {
  it('accepts a valid reading', () => expect(checkEntry(base, now)).toEqual({}));
  it('names each bad field', () => {
    const f = checkEntry({ ...base, systolic: '301', diastolic: '19', pulse: '251', takenAt: '', note: 'x'.repeat(501) }, now);
    expect(Object.keys(f).sort()).toEqual(['diastolic', 'note', 'pulse', 'systolic', 'taken_at']);
  });
  it('requires systolic above diastolic', () => {
    expect(checkEntry({ ...base, systolic: '80', diastolic: '80' }, now).systolic).toMatch(/greater than diastolic/);
  });
  it('refuses times more than ten minutes ahead', () => {
    expect(checkEntry({ ...base, takenAt: '2026-01-31T09:11' }, now).taken_at).toMatch(/future/);
    expect(checkEntry({ ...base, takenAt: '2026-01-31T09:09' }, now).taken_at).toBeUndefined();
  });
  it('requires the numbers', () => {
    const f = checkEntry({ ...base, systolic: '', diastolic: 'abc' }, now);
    expect(f.systolic).toMatch(/Enter the systolic/);
    expect(f.diastolic).toMatch(/between 20 and 200/);
  });
});

describe('toReadingInput', () => {
  it('sends only what was entered', () => {
    expect(toReadingInput(base)).toEqual({ taken_at: expect.stringMatching(/^2026-01-31T08:15:00\+13:45$/), systolic: 128, diastolic: 82 });
  });
  it('includes optional fields and the session', () => {
    const r = toReadingInput({ ...base, pulse: '64', arm: 'left', position: 'sitting', irregular: true, note: ' after walk ', tags: 'a, b' }, 's1');
    expect(r).toMatchObject({ pulse: 64, arm: 'left', position: 'sitting', irregular_heartbeat: true, note: 'after walk', tags: ['a', 'b'], session_id: 's1' });
  });
});

describe('liveCategory', () => {
  it('appears only for valid numbers', () => {
    expect(liveCategory('acc_aha', '12', '')).toBeNull();
    expect(liveCategory('acc_aha', '80', '90')).toBeNull();
    expect(liveCategory('acc_aha', '135', '85')).toEqual({ category: 'stage_1', severe: false });
    expect(liveCategory('esh', '185', '95')).toEqual({ category: 'grade_3', severe: true });
  });
});

describe('Entry form', () => {
  afterEach(() => { document.body.innerHTML = ''; vi.unstubAllGlobals(); localStorage.clear(); });

  const type = (el: HTMLInputElement, text: string) => {
    for (const ch of text) {
      el.value += ch;
      el.dispatchEvent(new Event('input', { bubbles: true }));
    }
  };

  it('advances systolic → diastolic → pulse and shows the category live', async () => {
    const root = document.createElement('div');
    document.body.appendChild(root);
    await act(() => render(<Entry pid="me" guideline="acc_aha" />, root));
    const sys = root.querySelector<HTMLInputElement>('input[name=systolic]')!;
    const dia = root.querySelector<HTMLInputElement>('input[name=diastolic]')!;
    const pulse = root.querySelector<HTMLInputElement>('input[name=pulse]')!;
    sys.focus();
    await act(() => type(sys, '14'));
    expect(document.activeElement).toBe(sys);
    await act(() => type(sys, '2'));
    expect(document.activeElement).toBe(dia);
    await act(() => type(dia, '91'));
    expect(document.activeElement).toBe(pulse);
    expect(root.querySelector('.live')!.textContent).toContain('Stage 2 hypertension');
  });

  it('shows severe guidance and the API field errors', async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify({ error: { code: 'invalid', message: 'invalid reading', fields: { pulse: 'pulse is odd' } } }), { status: 400 }));
    vi.stubGlobal('fetch', fetch);
    const root = document.createElement('div');
    document.body.appendChild(root);
    await act(() => render(<Entry pid="me" guideline="acc_aha" />, root));
    const sys = root.querySelector<HTMLInputElement>('input[name=systolic]')!;
    const dia = root.querySelector<HTMLInputElement>('input[name=diastolic]')!;
    await act(() => { type(sys, '190'); type(dia, '100'); });
    expect(root.querySelector('.severe-guidance')!.textContent).toMatch(/call emergency services/);
    await act(async () => {
      root.querySelector('form')!.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
      await new Promise((r) => setTimeout(r, 20));
    });
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(root.querySelector('[role=alert].form-error')!.textContent).toContain('invalid reading');
    expect(root.querySelector('input[name=pulse]')!.getAttribute('aria-invalid')).toBe('true');
    expect(root.textContent).toContain('pulse is odd');
  });
});

const pp = (name: string, flags: PanelPatient['flags'], category: PanelPatient['category'], sys = 120): PanelPatient => ({
  id: name, name, latest: null, avg7: { systolic: sys, diastolic: 80, count: 3 }, category, time_in_target: 0.5, flags, access: 'read',
});

describe('panel sorting', () => {
  const ps = [pp('Ann', [], 'normal', 118), pp('Bob', ['severe_7d'], 'stage_2', 150), pp('Cy', ['above_target'], 'stage_1', 135), pp('Di', ['no_reading_14d'], 'normal', 0)];
  it('puts the riskiest first by default', () => {
    expect(sortPatients(ps, 'risk', false).map((p) => p.name)).toEqual(['Bob', 'Cy', 'Di', 'Ann']);
    expect(riskScore(ps[1]!)).toBeGreaterThan(riskScore(ps[2]!));
  });
  it('sorts by name and average', () => {
    expect(sortPatients(ps, 'name', true).map((p) => p.name)).toEqual(['Ann', 'Bob', 'Cy', 'Di']);
    expect(sortPatients(ps, 'avg7', false).map((p) => p.name)).toEqual(['Bob', 'Cy', 'Ann', 'Di']);
  });
});

const rd = (id: string, t: string, s: number, d: number, session?: string, pulse?: number): Reading => ({
  id, patient_id: 'p', taken_at: t, systolic: s, diastolic: d, pulse, session_id: session, source: 'manual', created_by: 'p', updated_by: 'p',
  created_at: t, updated_at: t, version: 1, category: 'normal', category_label: 'Normal', severe: false,
});

describe('chart points', () => {
  const rs = [
    rd('3', '2026-01-02T19:00:00+01:00', 140, 90, 's2'),
    rd('2', '2026-01-01T08:01:00+01:00', 124, 80, 's1', 70),
    rd('1', '2026-01-01T08:00:00+01:00', 120, 78, 's1', 60),
  ];
  it('orders oldest first', () => {
    expect(toPoints(rs, 'all', false).map((p) => p.sys)).toEqual([120, 124, 140]);
  });
  it('filters by time of day', () => {
    expect(toPoints(rs, 'evening', false).map((p) => p.sys)).toEqual([140]);
    expect(toPoints(rs, 'morning', false)).toHaveLength(2);
  });
  it('averages sessions', () => {
    const pts = toPoints(rs, 'all', true);
    expect(pts).toHaveLength(2);
    expect(pts[0]).toMatchObject({ sys: 122, dia: 79, pulse: 65, n: 2 });
  });
});

describe('prefs', () => {
  it('remembers only arm and position', () => {
    savePrefs({ arm: 'left', position: 'sitting', note: 'secret' } as never);
    expect(JSON.parse(localStorage.getItem('bpt.entry-prefs')!)).toEqual({ arm: 'left', position: 'sitting' });
    expect(loadPrefs()).toEqual({ arm: 'left', position: 'sitting' });
    localStorage.setItem('bpt.entry-prefs', '{"arm":"up"}');
    expect(loadPrefs()).toEqual({});
  });
  it('makes v4 UUIDs', () => {
    expect(uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('qr', () => {
  it('draws an SVG locally', () => {
    const svg = qrSVG('otpauth://totp/BP%20Tracker:a%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=BP%20Tracker');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('<path d="M');
  });
});

describe('edit after a conflict', () => {
  const v = { systolic: '128', diastolic: '82', pulse: '64', takenAt: '2026-01-31T08:15', position: '', arm: 'left', irregular: false, note: '', tags: '' };
  it('keeps my changes and takes the other edit elsewhere', () => {
    const mine = { ...v, systolic: '131' };
    const latest = { ...v, note: 'cuff slipped', tags: 'clinic' };
    expect(rebase(mine, v, latest)).toEqual({ ...v, systolic: '131', note: 'cuff slipped', tags: 'clinic' });
  });
  it('lets my change win on the same field', () => {
    expect(rebase({ ...v, note: 'mine' }, v, { ...v, note: 'theirs' }).note).toBe('mine');
  });
});
