// The provider's (or caregiver's) panel: patients who granted access, with
// latest reading, 7-day average, time in target and flags; sortable.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { categoryLevel } from '../classify';
import { formatBP, formatPercent, formatTaken } from '../format';
import type { PanelFlag, PanelPatient, User } from '../types';
import { CategoryBadge, Field, FormError, Link, Loading, PageTitle, SelectField, fieldErrors } from '../ui';
import { InviteLink } from './sharing';
import type { Invitation } from '../types';

const FLAG_LABELS: Record<PanelFlag, string> = {
  severe_7d: 'Severe reading in 7 days',
  above_target: 'Above target',
  no_reading_14d: 'No reading for 14 days',
};

type SortKey = 'risk' | 'name' | 'latest' | 'avg7' | 'tit';

export function riskScore(p: PanelPatient): number {
  let s = categoryLevel(p.category || p.latest?.category) * 10;
  if (p.flags.includes('severe_7d')) s += 100;
  if (p.flags.includes('above_target')) s += 20;
  if (p.flags.includes('no_reading_14d')) s += 5;
  return s;
}

export function sortPatients(ps: PanelPatient[], key: SortKey, asc: boolean): PanelPatient[] {
  const val = (p: PanelPatient): number | string => {
    switch (key) {
      case 'name': return p.name.toLowerCase();
      case 'latest': return p.latest ? Date.parse(p.latest.taken_at) : 0;
      case 'avg7': return p.avg7?.systolic ?? 0;
      case 'tit': return p.time_in_target ?? -1;
      default: return riskScore(p);
    }
  };
  const out = [...ps].sort((a, b) => {
    const x = val(a), y = val(b);
    return x < y ? -1 : x > y ? 1 : a.name.localeCompare(b.name);
  });
  return asc ? out : out.reverse();
}

export default function Panel({ user }: { user: User }) {
  const [ps, setPs] = useState<PanelPatient[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [sort, setSort] = useState<{ key: SortKey; asc: boolean }>({ key: 'risk', asc: false });
  const [filter, setFilter] = useState('');
  useEffect(() => { api.patients().then((r) => setPs(r.patients), setError); }, []);

  const head = (key: SortKey, label: string) => {
    const active = sort.key === key;
    return (
      <th scope="col" aria-sort={active ? (sort.asc ? 'ascending' : 'descending') : 'none'}>
        <button type="button" class="sort" onClick={() => setSort({ key, asc: active ? !sort.asc : key === 'name' })}>
          {label}<span aria-hidden="true">{active ? (sort.asc ? ' ▲' : ' ▼') : ''}</span>
        </button>
      </th>
    );
  };
  const shown = ps ? sortPatients(ps.filter((p) => !filter || p.flags.includes(filter as PanelFlag)), sort.key, sort.asc) : null;
  return (
    <section>
      <PageTitle>Patients</PageTitle>
      <FormError error={error} />
      <SelectField label="Show" value={filter} onChange={setFilter}
        options={[['', 'All patients'], ['severe_7d', FLAG_LABELS.severe_7d], ['above_target', FLAG_LABELS.above_target], ['no_reading_14d', FLAG_LABELS.no_reading_14d]]} />
      {!shown ? (error ? null : <Loading />) : shown.length === 0 ? <p>No patients to show. Patients appear here when they share their record with you.</p> : (
        <div class="table-wrap" tabIndex={0} role="region" aria-label="Your patients; column headers sort the table (scrollable)"><table class="panel">
          <caption class="sr-only">Your patients; column headers sort the table</caption>
          <thead><tr>
            {head('name', 'Patient')}{head('risk', 'Risk')}{head('latest', 'Latest')}{head('avg7', '7-day average')}{head('tit', 'In target')}<th scope="col">Flags</th>
          </tr></thead>
          <tbody>
            {shown.map((p) => (
              <tr key={p.id}>
                <td><Link href={`/patients/${encodeURIComponent(p.id)}`}>{p.name || 'Unnamed patient'}</Link></td>
                <td><CategoryBadge category={p.category || p.latest?.category} /></td>
                <td>{p.latest ? <>{formatBP(p.latest.systolic, p.latest.diastolic)}<br /><span class="muted">{formatTaken(p.latest.taken_at)}</span></> : '—'}</td>
                <td>{p.avg7 && p.avg7.count ? `${formatBP(p.avg7.systolic, p.avg7.diastolic)} (${p.avg7.count})` : '—'}</td>
                <td>{formatPercent(p.time_in_target)}</td>
                <td>{p.flags.length ? <ul class="flags">{p.flags.map((f) => <li key={f} class={`flag flag-${f}`}>{FLAG_LABELS[f] ?? f}</li>)}</ul> : 'None'}</td>
              </tr>
            ))}
          </tbody>
        </table></div>
      )}
      {user.role === 'provider' && <StaffInvite />}
    </section>
  );
}

function StaffInvite() {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState('patient');
  const [inv, setInv] = useState<Invitation | null>(null);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const r = await api.invite(email.trim(), role, name.trim() || undefined);
      setInv(r.invitation);
      setEmail(''); setName('');
    } catch (err) { setError(err); }
  };
  const fe = fieldErrors(error);
  return (
    <form onSubmit={submit} noValidate aria-labelledby="inv-h" class="grid-form">
      <h2 id="inv-h">Invite a patient or colleague</h2>
      <Field label="Email" type="email" value={email} error={fe.email} onInput={(e) => setEmail(e.currentTarget.value)} />
      <Field label="Name (optional)" value={name} error={fe.name} onInput={(e) => setName(e.currentTarget.value)} />
      <SelectField label="Role" value={role} onChange={setRole} options={[['patient', 'Patient'], ['provider', 'Provider']]} error={fe.role} />
      <FormError error={error} />
      <button type="submit">Create invitation</button>
      {inv && <InviteLink inv={inv} />}
    </form>
  );
}
