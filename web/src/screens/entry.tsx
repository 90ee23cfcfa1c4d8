// Quick entry: big numeric fields that advance systolic → diastolic →
// pulse, time defaulting to now, remembered arm and position, a live
// category, severe guidance, and "another reading" with a rest timer.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api } from '../api';
import { LIMITS, SEVERE_ADVICE, categoryLabel, classify, isSevere } from '../classify';
import { formatBP, isCompleteNumber, localInputToRFC3339, parseTags, parseWhole, toLocalInput } from '../format';
import { loadPrefs, savePrefs, uuid } from '../prefs';
import type { Arm, Guideline, Position, Reading, ReadingInput } from '../types';
import { CategoryBadge, Field, FormError, Link, PageTitle, SelectField } from '../ui';

export interface EntryValues {
  systolic: string;
  diastolic: string;
  pulse: string;
  takenAt: string;
  arm: Arm | '';
  position: Position | '';
  irregular: boolean;
  note: string;
  tags: string;
}

/** Client-side hints (the API's field errors are the truth). */
export function checkEntry(v: EntryValues, now = new Date()): Record<string, string> {
  const f: Record<string, string> = {};
  const s = parseWhole(v.systolic);
  const d = parseWhole(v.diastolic);
  const p = parseWhole(v.pulse);
  if (s === undefined) f.systolic = 'Enter the systolic (upper) number.';
  else if (Number.isNaN(s) || s < LIMITS.systolic[0] || s > LIMITS.systolic[1]) f.systolic = 'Systolic must be between 50 and 300 mmHg.';
  if (d === undefined) f.diastolic = 'Enter the diastolic (lower) number.';
  else if (Number.isNaN(d) || d < LIMITS.diastolic[0] || d > LIMITS.diastolic[1]) f.diastolic = 'Diastolic must be between 20 and 200 mmHg.';
  if (!f.systolic && !f.diastolic && s! <= d!) f.systolic = 'Systolic must be greater than diastolic.';
  if (p !== undefined && (Number.isNaN(p) || p < LIMITS.pulse[0] || p > LIMITS.pulse[1])) f.pulse = 'Pulse must be between 20 and 250 beats per minute.';
  const t = localInputToRFC3339(v.takenAt);
  if (!t) f.taken_at = 'Enter the date and time of the reading.';
  else if (Date.parse(t) > now.getTime() + 10 * 60_000) f.taken_at = 'The time cannot be more than ten minutes in the future.';
  if (v.note.length > LIMITS.note) f.note = 'The note can be at most 500 characters.';
  return f;
}

export function toReadingInput(v: EntryValues, sessionId?: string): ReadingInput {
  const r: ReadingInput = {
    taken_at: localInputToRFC3339(v.takenAt) ?? '',
    systolic: Number(v.systolic),
    diastolic: Number(v.diastolic),
  };
  const p = parseWhole(v.pulse);
  if (p !== undefined) r.pulse = p;
  if (v.arm) r.arm = v.arm;
  if (v.position) r.position = v.position;
  if (v.irregular) r.irregular_heartbeat = true;
  if (v.note.trim()) r.note = v.note.trim();
  const tags = parseTags(v.tags);
  if (tags.length) r.tags = tags;
  if (sessionId) r.session_id = sessionId;
  return r;
}

/** The live category hint, or null while the numbers are not valid yet. */
export function liveCategory(g: Guideline, sys: string, dia: string): { category: string; severe: boolean } | null {
  const s = parseWhole(sys);
  const d = parseWhole(dia);
  if (s === undefined || d === undefined || Number.isNaN(s) || Number.isNaN(d)) return null;
  if (s < 50 || s > 300 || d < 20 || d > 200 || s <= d) return null;
  return { category: classify(g, s, d), severe: isSevere(s, d) };
}

const REST_SECONDS = 60;

export function Entry({ pid, guideline, onSaved }: { pid: string; guideline: Guideline; onSaved?: () => void }) {
  const prefs = loadPrefs();
  const blank = (): EntryValues => ({
    systolic: '', diastolic: '', pulse: '', takenAt: toLocalInput(new Date()),
    arm: prefs.arm ?? '', position: prefs.position ?? '', irregular: false, note: '', tags: '',
  });
  const [v, setV] = useState<EntryValues>(blank);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [sessionId, setSessionId] = useState(uuid);
  const [saved, setSaved] = useState<Reading[]>([]);
  const [rest, setRest] = useState(0);
  const [timeTouched, setTimeTouched] = useState(false);
  const sysRef = useRef<HTMLInputElement>(null);
  const diaRef = useRef<HTMLInputElement>(null);
  const pulseRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (rest <= 0) return;
    const t = setTimeout(() => setRest((r) => r - 1), 1000);
    return () => clearTimeout(t);
  }, [rest]);

  const set = <K extends keyof EntryValues>(k: K, val: EntryValues[K]) => setV((o) => ({ ...o, [k]: val }));

  const onNumber = (k: 'systolic' | 'diastolic' | 'pulse', max: number, next?: { current: HTMLInputElement | null }) => (e: Event) => {
    const el = e.currentTarget as HTMLInputElement;
    const val = el.value.replace(/\D/g, '').slice(0, 3);
    if (val !== el.value) el.value = val;
    set(k, val);
    if (errors[k]) setErrors((o) => ({ ...o, [k]: '' }));
    if (next?.current && isCompleteNumber(val, max) && document.activeElement === el) next.current.focus();
  };

  const live = liveCategory(guideline, v.systolic, v.diastolic);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    // A reading entered right away is "now", not the time the screen opened.
    const values = timeTouched ? v : { ...v, takenAt: toLocalInput(new Date()) };
    const f = checkEntry(values);
    setErrors(f);
    if (Object.keys(f).length) {
      setError(new ApiError(400, 'invalid', 'Please check the highlighted fields.', {}));
      focusFirst(f);
      return;
    }
    setBusy(true);
    try {
      const r = await api.addReading(pid, toReadingInput(values, sessionId));
      savePrefs({ arm: v.arm || undefined, position: v.position || undefined });
      setSaved((s) => [...s, r]);
      setV({ ...blank(), arm: v.arm, position: v.position });
      setTimeTouched(false);
      setErrors({});
      onSaved?.();
    } catch (err) {
      setError(err);
      if (err instanceof ApiError && Object.keys(err.fields).length) {
        setErrors(err.fields);
        focusFirst(err.fields);
      }
    } finally {
      setBusy(false);
    }
  };

  const focusFirst = (f: Record<string, string>) => {
    const order = ['systolic', 'diastolic', 'pulse', 'taken_at', 'note'];
    const k = order.find((x) => f[x]);
    if (k === 'systolic') sysRef.current?.focus();
    else if (k === 'diastolic') diaRef.current?.focus();
    else if (k === 'pulse') pulseRef.current?.focus();
  };

  const another = () => {
    setRest(REST_SECONDS);
    setV({ ...blank(), arm: v.arm, position: v.position });
    sysRef.current?.focus();
  };

  const finish = () => {
    setSaved([]);
    setSessionId(uuid());
    setRest(0);
    setV(blank());
    sysRef.current?.focus();
  };

  const last = saved[saved.length - 1];

  return (
    <section>
      <PageTitle>Add a reading</PageTitle>
      {last && (
        <div class={`saved ${last.severe ? 'severe' : ''}`} role="status">
          <p>
            Saved {formatBP(last.systolic, last.diastolic)} mmHg{last.pulse ? `, pulse ${last.pulse}` : ''}:{' '}
            <CategoryBadge category={last.category} label={last.category_label} />
            {saved.length > 1 && <> — {saved.length} readings in this session</>}
          </p>
          {last.severe && <SevereGuidance text={last.advice || SEVERE_ADVICE} />}
          <div class="actions">
            <button type="button" class="primary" onClick={another}>Another reading</button>
            <button type="button" onClick={finish}>Done</button>
            <Link href={pid === 'me' ? '/history' : `/patients/${pid}/history`}>See history</Link>
          </div>
        </div>
      )}
      {rest > 0 && (
        <p class="rest" role="timer" aria-live="off">
          Rest for one minute before the next reading: <strong>{rest} s</strong> left.{' '}
          <button type="button" class="linklike" onClick={() => setRest(0)}>Skip</button>
        </p>
      )}
      <form onSubmit={submit} noValidate class="entry">
        <div class="bp-row">
          <Field label="Systolic (upper)" hint="mmHg" name="systolic" inputMode="numeric" pattern="[0-9]*" autoComplete="off"
            inputRef={sysRef} wrapClass="big" value={v.systolic} error={errors.systolic} maxLength={3}
            onInput={onNumber('systolic', 300, diaRef)} />
          <Field label="Diastolic (lower)" hint="mmHg" name="diastolic" inputMode="numeric" pattern="[0-9]*" autoComplete="off"
            inputRef={diaRef} wrapClass="big" value={v.diastolic} error={errors.diastolic} maxLength={3}
            onInput={onNumber('diastolic', 200, pulseRef)} />
          <Field label="Pulse" hint="beats/min, optional" name="pulse" inputMode="numeric" pattern="[0-9]*" autoComplete="off"
            inputRef={pulseRef} wrapClass="big" value={v.pulse} error={errors.pulse} maxLength={3}
            onInput={onNumber('pulse', 250)} />
        </div>
        <div class="live" aria-live="polite">
          {live ? (
            <p>Category: <CategoryBadge category={live.category} label={categoryLabel(live.category)} /></p>
          ) : (
            <p class="muted">The category appears when both numbers are valid.</p>
          )}
          {live?.severe && <SevereGuidance text={SEVERE_ADVICE} />}
        </div>
        <Field label="Time taken" type="datetime-local" name="taken_at" value={v.takenAt} error={errors.taken_at}
          onInput={(e) => { setTimeTouched(true); set('takenAt', e.currentTarget.value); }} />
        <fieldset class="inline">
          <legend>Arm</legend>
          {(['left', 'right'] as const).map((a) => (
            <label key={a} class="choice">
              <input type="radio" name="arm" value={a} checked={v.arm === a} onChange={() => set('arm', a)} /> {a === 'left' ? 'Left' : 'Right'}
            </label>
          ))}
        </fieldset>
        <SelectField label="Position" name="position" value={v.position} onChange={(x) => set('position', x as Position | '')}
          options={[['', 'Not recorded'], ['sitting', 'Sitting'], ['standing', 'Standing'], ['lying', 'Lying down']]} error={errors.position} />
        <div class="field checkbox">
          <input id="irregular" type="checkbox" checked={v.irregular} onChange={(e) => set('irregular', e.currentTarget.checked)} />
          <label for="irregular">Irregular heartbeat detected</label>
        </div>
        <details class="more">
          <summary>Note and tags</summary>
          <div class="field">
            <label for="note">Note</label>
            <textarea id="note" name="note" rows={3} maxLength={500} value={v.note} aria-describedby="note-count"
              aria-invalid={errors.note ? 'true' : undefined} onInput={(e) => set('note', e.currentTarget.value)} />
            <span id="note-count" class="hint">{v.note.length}/500 characters</span>
            {errors.note && <span class="field-error">{errors.note}</span>}
          </div>
          <Field label="Tags" hint="Separate with commas, e.g. after exercise, new medication" name="tags" value={v.tags}
            error={errors.tags} onInput={(e) => set('tags', e.currentTarget.value)} />
        </details>
        <FormError error={error} />
        <button type="submit" class="primary big-button" disabled={busy}>{busy ? 'Saving…' : 'Save reading'}</button>
      </form>
    </section>
  );
}

export function SevereGuidance({ text }: { text: string }) {
  return (
    <div class="severe-guidance" role="alert">
      <p><strong>This reading is very high.</strong> {text}</p>
    </div>
  );
}
