// A patient's record seen by a provider, caregiver or admin under
// break-glass: trends, history, adding readings (write access) and the
// provider's target and guideline settings.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { GUIDELINE_LABELS } from '../classify';
import type { Guideline, PanelPatient, Target, User } from '../types';
import { Field, FormError, Link, PageTitle, SelectField, Status, fieldErrors } from '../ui';
import { Entry } from './entry';
import { History } from './history';
import Trends from './trends';

export default function PatientView({ id, tab, user }: { id: string; tab: string; user: User }) {
  const [info, setInfo] = useState<PanelPatient | null>(null);
  const [guideline, setGuideline] = useState<Guideline>('acc_aha');
  const [target, setTarget] = useState<Target>({ systolic_low: 110, systolic_high: 130 });
  const [epoch, setEpoch] = useState(0);
  useEffect(() => {
    if (user.role === 'admin') return;
    api.patients().then((r) => setInfo(r.patients.find((p) => p.id === id) ?? null), () => undefined);
  }, [id]);
  useEffect(() => {
    api.summary(id, {}).then((s) => { setGuideline(s.guideline); setTarget(s.target); }, () => undefined);
  }, [id, epoch]);
  const canWrite = info?.access === 'write';
  const base = `/patients/${encodeURIComponent(id)}`;
  const tabs: [string, string][] = [['trends', 'Trends'], ['history', 'History']];
  if (canWrite) tabs.push(['entry', 'Add reading']);
  if (user.role === 'provider') tabs.push(['settings', 'Target and guideline']);
  return (
    <section>
      <PageTitle>{info?.name || 'Patient record'}</PageTitle>
      {user.role === 'admin' && <p class="notice">You are viewing this record under break-glass access. Every view is recorded and shown to the patient.</p>}
      <nav aria-label="Patient record" class="tabs">
        <ul>
          {tabs.map(([t, l]) => <li key={t}><Link href={`${base}/${t}`} aria-current={tab === t ? 'page' : undefined}>{l}</Link></li>)}
        </ul>
      </nav>
      {tab === 'trends' && <Trends pid={id} guideline={guideline} target={target} embedded />}
      {tab === 'history' && <History pid={id} canWrite={canWrite} embedded />}
      {tab === 'entry' && canWrite && <Entry pid={id} guideline={guideline} />}
      {tab === 'settings' && user.role === 'provider' && <Settings pid={id} guideline={guideline} target={target} onSaved={() => setEpoch((n) => n + 1)} />}
    </section>
  );
}

function Settings({ pid, guideline, target, onSaved }: { pid: string; guideline: Guideline; target: Target; onSaved: () => void }) {
  const [g, setG] = useState<Guideline>(guideline);
  const [low, setLow] = useState(String(target.systolic_low));
  const [high, setHigh] = useState(String(target.systolic_high));
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState('');
  useEffect(() => { setG(guideline); setLow(String(target.systolic_low)); setHigh(String(target.systolic_high)); }, [guideline, target]);
  const save = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      await api.patientSettings(pid, { guideline: g, target: { systolic_low: Number(low), systolic_high: Number(high) } });
      setStatus('Settings saved.');
      onSaved();
    } catch (err) { setError(err); }
  };
  const fe = fieldErrors(error);
  return (
    <form onSubmit={save} noValidate aria-labelledby="set-h">
      <h2 id="set-h">Target and guideline</h2>
      <SelectField label="Guideline" value={g} onChange={(v) => setG(v as Guideline)} options={Object.entries(GUIDELINE_LABELS) as [string, string][]} error={fe.guideline} />
      <div class="bp-row">
        <Field label="Target systolic from" inputMode="numeric" value={low} error={fe['target.systolic_low'] ?? fe.target} onInput={(e) => setLow(e.currentTarget.value)} />
        <Field label="Target systolic to" inputMode="numeric" value={high} error={fe['target.systolic_high']} onInput={(e) => setHigh(e.currentTarget.value)} />
      </div>
      <FormError error={error} />
      <Status text={status} />
      <button type="submit" class="primary">Save settings</button>
    </form>
  );
}
