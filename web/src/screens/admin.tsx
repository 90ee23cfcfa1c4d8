// The admin console: users (invite, disable, role, MFA reset, unlock,
// reset link), audit search and export, and break-glass access.
import { useEffect, useState } from 'preact/hooks';
import { api, type Query } from '../api';
import { formatInstant } from '../format';
import type { AdminUser, AuditEvent, BreakGlass, Invitation } from '../types';
import { Confirm, Field, FormError, Link, Loading, PageTitle, SelectField, Status, fieldErrors } from '../ui';
import { InviteLink } from './sharing';

export default function Admin({ tab }: { tab: string }) {
  if (tab === 'audit') return <Audit />;
  if (tab === 'break-glass') return <BreakGlassScreen />;
  return <Users />;
}

const ROLES: [string, string][] = [['patient', 'Patient'], ['caregiver', 'Caregiver'], ['provider', 'Provider'], ['admin', 'Admin']];

function Users() {
  const [role, setRole] = useState('');
  const [statusF, setStatusF] = useState('');
  const [users, setUsers] = useState<AdminUser[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [msg, setMsg] = useState('');
  const [link, setLink] = useState<Invitation | null>(null);
  const [reload, setReload] = useState(0);
  const [confirm, setConfirm] = useState<{ u: AdminUser; patch: { status?: string; action?: string; role?: string }; title: string; label: string } | null>(null);

  useEffect(() => { api.adminUsers({ role, status: statusF }).then((r) => setUsers(r.users), setError); }, [role, statusF, reload]);

  const apply = async () => {
    const c = confirm;
    setConfirm(null);
    if (!c) return;
    setError(null);
    try {
      const r = await api.adminUpdate(c.u.id, c.patch);
      if (r && r.reset) { setLink({ url: r.reset.url, expires_at: r.reset.expires_at }); setMsg(`Reset link created for ${c.u.email}.`); }
      else setMsg(`${c.title.replace(/\?$/, '')}: done.`);
      setReload((n) => n + 1);
    } catch (err) { setError(err); }
  };

  return (
    <section>
      <PageTitle>Users</PageTitle>
      <Status text={msg} />
      <FormError error={error} />
      {link?.url && <InviteLink inv={link} />}
      <AdminInvite onInvited={(inv) => { setLink(inv); setReload((n) => n + 1); }} />
      <h2>All users</h2>
      <div class="grid-form">
        <SelectField label="Role" value={role} onChange={setRole} options={[['', 'Any role'], ...ROLES]} />
        <SelectField label="Status" value={statusF} onChange={setStatusF} options={[['', 'Any status'], ['active', 'Active'], ['disabled', 'Disabled'], ['invited', 'Invited']]} />
      </div>
      {!users ? (error ? null : <Loading />) : (
        <div class="table-wrap" tabIndex={0} role="region" aria-label="Users (scrollable)"><table>
          <caption class="sr-only">Users</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Status</th><th scope="col">Actions</th></tr></thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id}>
                <td>{u.name || '—'}</td>
                <td>{u.email}</td>
                <td>
                  <label class="sr-only" for={`role-${u.id}`}>Role of {u.email}</label>
                  <select id={`role-${u.id}`} value={u.role} onChange={(e) => {
                    const v = e.currentTarget.value;
                    e.currentTarget.value = u.role;
                    setConfirm({ u, patch: { role: v }, title: `Change ${u.email} to ${v}?`, label: 'Change role' });
                  }}>
                    {ROLES.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
                  </select>
                </td>
                <td>{u.status}{u.locked && ', locked'}{!u.mfa_enabled && ', no MFA yet'}</td>
                <td class="row-actions">
                  {u.status === 'disabled' ? (
                    <button type="button" onClick={() => setConfirm({ u, patch: { status: 'active' }, title: `Enable ${u.email}?`, label: 'Enable' })}>Enable</button>
                  ) : (
                    <button type="button" class="danger" aria-label={`Disable ${u.email}`} onClick={() => setConfirm({ u, patch: { status: 'disabled' }, title: `Disable ${u.email}?`, label: 'Disable' })}>Disable</button>
                  )}
                  <button type="button" aria-label={`Reset MFA for ${u.email}`} onClick={() => setConfirm({ u, patch: { action: 'reset_mfa' }, title: `Reset two-step sign-in for ${u.email}?`, label: 'Reset MFA' })}>Reset MFA</button>
                  {u.locked && <button type="button" aria-label={`Unlock ${u.email}`} onClick={() => setConfirm({ u, patch: { action: 'unlock' }, title: `Unlock ${u.email}?`, label: 'Unlock' })}>Unlock</button>}
                  <button type="button" aria-label={`Create a password reset link for ${u.email}`} onClick={() => setConfirm({ u, patch: { action: 'reset_link' }, title: `Create a password reset link for ${u.email}?`, label: 'Create link' })}>Reset link</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table></div>
      )}
      <Confirm open={!!confirm} title={confirm?.title ?? ''} confirmLabel={confirm?.label ?? 'OK'} danger={confirm?.patch.status === 'disabled'} onConfirm={apply} onCancel={() => setConfirm(null)}>
        {confirm?.patch.status === 'disabled' && <p>Their sessions end at once.</p>}
      </Confirm>
    </section>
  );
}

function AdminInvite({ onInvited }: { onInvited: (i: Invitation) => void }) {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState('provider');
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const r = await api.adminInvite(email.trim(), role, name.trim() || undefined);
      onInvited(r.invitation);
      setEmail(''); setName('');
    } catch (err) { setError(err); }
  };
  const fe = fieldErrors(error);
  return (
    <form onSubmit={submit} noValidate aria-labelledby="ainv-h" class="grid-form">
      <h2 id="ainv-h">Invite a user</h2>
      <Field label="Email" type="email" value={email} error={fe.email} onInput={(e) => setEmail(e.currentTarget.value)} />
      <Field label="Name (optional)" value={name} error={fe.name} onInput={(e) => setName(e.currentTarget.value)} />
      <SelectField label="Role" value={role} onChange={setRole} options={ROLES} error={fe.role} />
      <FormError error={error} />
      <button type="submit">Create invitation</button>
    </form>
  );
}

function Audit() {
  const [q, setQ] = useState({ actor: '', patient: '', action: '', from: '', to: '' });
  const [applied, setApplied] = useState<Query>({});
  const [events, setEvents] = useState<AuditEvent[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const query = () => ({
    actor: q.actor.trim() || undefined, patient: q.patient.trim() || undefined, action: q.action.trim() || undefined,
    from: q.from ? new Date(`${q.from}T00:00:00`).toISOString() : undefined,
    to: q.to ? new Date(`${q.to}T23:59:59`).toISOString() : undefined,
  });
  const search = async (cursor?: string) => {
    setError(null);
    const qq = cursor ? (applied as ReturnType<typeof query>) : query();
    try {
      const r = await api.audit({ ...qq, cursor });
      setEvents((old) => (cursor && old ? [...old, ...r.events] : r.events));
      setNext(r.next_cursor);
      setApplied(qq);
    } catch (err) { setError(err); }
  };
  useEffect(() => { void search(); }, []);
  return (
    <section>
      <PageTitle>Audit log</PageTitle>
      <form onSubmit={(e) => { e.preventDefault(); void search(); }} noValidate class="grid-form">
        <Field label="Actor id" value={q.actor} onInput={(e) => setQ({ ...q, actor: e.currentTarget.value })} />
        <Field label="Patient id" value={q.patient} onInput={(e) => setQ({ ...q, patient: e.currentTarget.value })} />
        <Field label="Action" hint="e.g. reading.read" value={q.action} onInput={(e) => setQ({ ...q, action: e.currentTarget.value })} />
        <Field label="From" type="date" value={q.from} onInput={(e) => setQ({ ...q, from: e.currentTarget.value })} />
        <Field label="To" type="date" value={q.to} onInput={(e) => setQ({ ...q, to: e.currentTarget.value })} />
        <button type="submit" class="primary">Search</button>
      </form>
      <p class="downloads-inline">Export these results: <a href={api.auditURL(applied, 'csv')} download>CSV</a> · <a href={api.auditURL(applied, 'json')} download>JSON</a></p>
      <FormError error={error} />
      {!events ? (error ? null : <Loading />) : events.length === 0 ? <p>No events match.</p> : (
        <div class="table-wrap" tabIndex={0} role="region" aria-label="Audit events, newest first (scrollable)"><table class="audit">
          <caption class="sr-only">Audit events, newest first</caption>
          <thead><tr><th scope="col">Time</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Patient</th><th scope="col">Outcome</th><th scope="col">From</th><th scope="col">Via</th></tr></thead>
          <tbody>
            {events.map((e) => (
              <tr key={e.id || `${e.chain}-${e.seq}`}>
                <td>{formatInstant(e.time)}</td><td><span class="id">{e.actor_id || '—'}</span> {e.actor_role}</td><td>{e.action}</td>
                <td class="id">{e.patient_id || '—'}</td><td>{e.outcome}</td><td>{e.source_ip || '—'}</td><td>{e.via || e.detail || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table></div>
      )}
      {next && <button type="button" onClick={() => void search(next)}>Load more</button>}
    </section>
  );
}

function BreakGlassScreen() {
  const [pid, setPid] = useState('');
  const [reason, setReason] = useState('');
  const [list, setList] = useState<BreakGlass[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [formError, setFormError] = useState<unknown>(null);
  const [msg, setMsg] = useState('');
  const [reload, setReload] = useState(0);
  const [confirm, setConfirm] = useState(false);
  useEffect(() => {
    api.breakGlasses().then((r) => {
      const arr = Object.values(r).find(Array.isArray) as BreakGlass[] | undefined;
      setList(arr ?? []);
    }, setError);
  }, [reload]);
  const open = async () => {
    setConfirm(false);
    setFormError(null);
    try {
      const r = await api.breakGlass(pid.trim(), reason.trim());
      setMsg(`Emergency access opened until ${formatInstant(r.break_glass.expires_at)}.`);
      setPid(''); setReason('');
      setReload((n) => n + 1);
    } catch (err) { setFormError(err); }
  };
  const close = async (id: string) => {
    try { await api.closeBreakGlass(id); setMsg('Emergency access closed.'); setReload((n) => n + 1); } catch (err) { setError(err); }
  };
  const fe = fieldErrors(formError);
  const now = Date.now();
  return (
    <section>
      <PageTitle>Break-glass access</PageTitle>
      <p>Open emergency access to one patient's record. It lasts at most one hour, needs a written reason, is audited, and the patient sees it in their access log.</p>
      <Status text={msg} />
      <form onSubmit={(e) => { e.preventDefault(); setConfirm(true); }} noValidate>
        <Field label="Patient id" value={pid} error={fe.patient_id} onInput={(e) => setPid(e.currentTarget.value)} />
        <div class="field">
          <label for="bg-reason">Reason</label>
          <textarea id="bg-reason" rows={3} value={reason} aria-invalid={fe.reason ? 'true' : undefined} onInput={(e) => setReason(e.currentTarget.value)} />
          {fe.reason && <span class="field-error">{fe.reason}</span>}
        </div>
        <FormError error={formError} />
        <button type="submit" class="danger">Open emergency access…</button>
      </form>
      <Confirm open={confirm} title="Open emergency access?" confirmLabel="Open access" danger onConfirm={open} onCancel={() => setConfirm(false)}>
        <p>This is recorded with your reason and shown to the patient.</p>
      </Confirm>
      <h2>Current and recent</h2>
      <FormError error={error} />
      {!list ? (error ? null : <Loading />) : list.length === 0 ? <p>No break-glass access.</p> : (
        <ul class="plain">
          {list.map((b) => {
            const live = !b.closed_at && Date.parse(b.expires_at) > now;
            return (
              <li key={b.id}>
                Patient <span class="id">{b.patient_id}</span>, opened {formatInstant(b.created_at)}, {live ? `until ${formatInstant(b.expires_at)}` : 'closed'} — “{b.reason}”{' '}
                {live && <><Link href={`/patients/${encodeURIComponent(b.patient_id)}`}>View record</Link>{' '}<button type="button" onClick={() => close(b.id)}>Close now</button></>}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
