// History: readings newest first with category colour and label, paging,
// edit (optimistic concurrency) and delete with confirmation.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api } from '../api';
import { formatBP, formatTaken, localInputToRFC3339, parseTags, parseWhole, rfc3339ToLocalInput } from '../format';
import type { Guideline, Reading, ReadingInput } from '../types';
import { CategoryBadge, Confirm, Field, FormError, Loading, PageTitle, SelectField, Status, useId } from '../ui';
import { SevereGuidance } from './entry';

const PAGE = 20;

export function History({ pid, canWrite, embedded }: { pid: string; canWrite: boolean; guideline?: Guideline; embedded?: boolean }) {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [page, setPage] = useState<{ readings: Reading[]; next: string | null } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState<Reading | null>(null);
  const [deleting, setDeleting] = useState<Reading | null>(null);
  const [status, setStatus] = useState('');
  const [reload, setReload] = useState(0);
  const cursor = cursors[cursors.length - 1] ?? null;

  useEffect(() => {
    let live = true;
    setError(null);
    api.readings(pid, { limit: PAGE, cursor }).then(
      (p) => live && setPage({ readings: p.readings, next: p.next_cursor }),
      (e) => live && setError(e),
    );
    return () => { live = false; };
  }, [pid, cursor, reload]);

  const doDelete = async () => {
    const r = deleting;
    setDeleting(null);
    if (!r) return;
    try {
      await api.deleteReading(pid, r.id);
      setStatus(`Deleted the reading of ${formatTaken(r.taken_at)}.`);
      setReload((n) => n + 1);
    } catch (e) {
      setError(e);
    }
  };

  const Title = embedded ? 'h2' : PageTitle;
  return (
    <section>
      <Title>History</Title>
      <Status text={status} />
      <FormError error={error} />
      {!page ? <Loading /> : page.readings.length === 0 ? (
        <p>No readings yet.</p>
      ) : (
        <ul class="readings" aria-label="Readings, newest first">
          {page.readings.map((r) => (
            <li key={r.id} class="reading">
              <div class="reading-main">
                <span class="bp">{formatBP(r.systolic, r.diastolic)} <span class="unit">mmHg</span></span>
                {r.pulse ? <span class="pulse">pulse {r.pulse}</span> : null}
                <CategoryBadge category={r.category} label={r.category_label} />
              </div>
              <div class="reading-meta">
                <time dateTime={r.taken_at}>{formatTaken(r.taken_at)}</time>
                {r.arm && <span>{r.arm} arm</span>}
                {r.position && <span>{r.position}</span>}
                {r.irregular_heartbeat && <span class="flag">irregular heartbeat</span>}
                {r.tags?.map((t) => <span key={t} class="tag">{t}</span>)}
              </div>
              {r.note && <p class="note">{r.note}</p>}
              {canWrite && (
                <div class="actions">
                  <button type="button" onClick={() => setEditing(r)} aria-label={`Edit reading of ${formatTaken(r.taken_at)}`}>Edit</button>
                  <button type="button" class="danger" onClick={() => setDeleting(r)} aria-label={`Delete reading of ${formatTaken(r.taken_at)}`}>Delete</button>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      <nav class="pager" aria-label="Pages">
        <button type="button" disabled={cursors.length <= 1} onClick={() => setCursors((c) => c.slice(0, -1))}>Newer</button>
        <span>Page {cursors.length}</span>
        <button type="button" disabled={!page?.next} onClick={() => page?.next && setCursors((c) => [...c, page.next])}>Older</button>
      </nav>
      <Confirm open={!!deleting} title="Delete this reading?" confirmLabel="Delete" danger onConfirm={doDelete} onCancel={() => setDeleting(null)}>
        {deleting && <p>{formatBP(deleting.systolic, deleting.diastolic)} mmHg taken {formatTaken(deleting.taken_at)}. The audit trail keeps a record that it was deleted.</p>}
      </Confirm>
      {editing && (
        <EditReading pid={pid} reading={editing} onClose={(changed) => {
          setEditing(null);
          if (changed) { setStatus('Saved your changes.'); setReload((n) => n + 1); }
        }} />
      )}
    </section>
  );
}

type FormValues = ReturnType<typeof formValues>;

function formValues(r: Reading) {
  return {
    systolic: String(r.systolic), diastolic: String(r.diastolic), pulse: r.pulse ? String(r.pulse) : '',
    takenAt: rfc3339ToLocalInput(r.taken_at), position: r.position ?? '', arm: r.arm ?? '',
    irregular: !!r.irregular_heartbeat, note: r.note ?? '', tags: (r.tags ?? []).join(', '),
  };
}

/** The form after a conflict: the person's edits on top of the latest version. */
export function rebase(mine: FormValues, base: FormValues, latest: FormValues): FormValues {
  const out = { ...latest } as Record<keyof FormValues, string | boolean>;
  for (const k of Object.keys(mine) as (keyof FormValues)[]) {
    if (mine[k] !== base[k]) out[k] = mine[k];
  }
  return out as FormValues;
}

function EditReading({ pid, reading, onClose }: { pid: string; reading: Reading; onClose: (changed: boolean) => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const tid = useId('edit');
  const [r, setR] = useState(reading);
  const [v, setV] = useState(() => formValues(reading));
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<Reading | null>(null);
  useEffect(() => { ref.current?.showModal?.(); }, []);
  const fields = error instanceof ApiError ? error.fields : {};

  const save = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const patch: Partial<ReadingInput> & { version: number } = { version: r.version };
    const sys = parseWhole(v.systolic); const dia = parseWhole(v.diastolic); const pulse = parseWhole(v.pulse);
    if (sys !== r.systolic) patch.systolic = sys ?? NaN;
    if (dia !== r.diastolic) patch.diastolic = dia ?? NaN;
    if (pulse !== r.pulse) patch.pulse = pulse ?? 0; // 0 clears the optional pulse
    if (v.takenAt !== rfc3339ToLocalInput(r.taken_at)) patch.taken_at = localInputToRFC3339(v.takenAt) ?? v.takenAt;
    if (v.arm !== (r.arm ?? '')) patch.arm = v.arm as ReadingInput['arm'];
    if (v.position !== (r.position ?? '')) patch.position = v.position as ReadingInput['position'];
    if (v.irregular !== !!r.irregular_heartbeat) patch.irregular_heartbeat = v.irregular;
    if (v.note !== (r.note ?? '')) patch.note = v.note;
    const tags = parseTags(v.tags);
    if (tags.join(',') !== (r.tags ?? []).join(',')) patch.tags = tags;
    try {
      const updated = await api.updateReading(pid, r.id, patch);
      if (updated.severe) setResult(updated);
      else onClose(true);
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        try {
          const fresh = await api.reading(pid, r.id);
          // Keep what the person changed; take the other change everywhere else,
          // so saving again neither loses their input nor reverts the other edit.
          setV(rebase(v, formValues(r), formValues(fresh)));
          setR(fresh);
        } catch { /* keep the old version; the message explains */ }
        setError(new ApiError(409, 'conflict', 'Someone changed this reading meanwhile. The latest version is loaded: check it and save again.'));
      } else setError(err);
    }
  };

  return (
    <dialog ref={ref} aria-labelledby={tid} onCancel={(e) => { e.preventDefault(); onClose(false); }}>
      <h2 id={tid}>Edit reading</h2>
      {result ? (
        <>
          <p>Saved: <CategoryBadge category={result.category} label={result.category_label} /></p>
          <SevereGuidance text={result.advice ?? ''} />
          <button type="button" class="primary" onClick={() => onClose(true)}>Close</button>
        </>
      ) : (
        <form onSubmit={save} noValidate>
          <div class="bp-row">
            <Field label="Systolic" inputMode="numeric" value={v.systolic} error={fields.systolic} onInput={(e) => setV({ ...v, systolic: e.currentTarget.value })} />
            <Field label="Diastolic" inputMode="numeric" value={v.diastolic} error={fields.diastolic} onInput={(e) => setV({ ...v, diastolic: e.currentTarget.value })} />
            <Field label="Pulse" inputMode="numeric" value={v.pulse} error={fields.pulse} onInput={(e) => setV({ ...v, pulse: e.currentTarget.value })} />
          </div>
          <Field label="Time taken" type="datetime-local" value={v.takenAt} error={fields.taken_at} onInput={(e) => setV({ ...v, takenAt: e.currentTarget.value })} />
          <SelectField label="Arm" value={v.arm} onChange={(x) => setV({ ...v, arm: x })} options={[['', 'Not recorded'], ['left', 'Left'], ['right', 'Right']]} error={fields.arm} />
          <SelectField label="Position" value={v.position} onChange={(x) => setV({ ...v, position: x })}
            options={[['', 'Not recorded'], ['sitting', 'Sitting'], ['standing', 'Standing'], ['lying', 'Lying down']]} error={fields.position} />
          <div class="field checkbox">
            <input id={`${tid}-irr`} type="checkbox" checked={v.irregular} onChange={(e) => setV({ ...v, irregular: e.currentTarget.checked })} />
            <label for={`${tid}-irr`}>Irregular heartbeat detected</label>
          </div>
          <div class="field">
            <label for={`${tid}-note`}>Note</label>
            <textarea id={`${tid}-note`} rows={3} maxLength={500} value={v.note} onInput={(e) => setV({ ...v, note: e.currentTarget.value })} />
            {fields.note && <span class="field-error">{fields.note}</span>}
          </div>
          <Field label="Tags" value={v.tags} error={fields.tags} onInput={(e) => setV({ ...v, tags: e.currentTarget.value })} />
          <FormError error={error} />
          <div class="actions">
            <button type="submit" class="primary">Save changes</button>
            <button type="button" onClick={() => onClose(false)}>Cancel</button>
          </div>
        </form>
      )}
    </dialog>
  );
}
