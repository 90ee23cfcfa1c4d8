// Sharing: grant and revoke access, pending invitations with their links,
// and the access log ("who viewed my record").
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { formatInstant } from '../format';
import type { AccessEvent, Grant, Invitation } from '../types';
import { Confirm, Field, FormError, Loading, PageTitle, SelectField, Status, copyText, fieldErrors } from '../ui';

export default function Sharing({ pid }: { pid: string }) {
  const [data, setData] = useState<{ grants: Grant[]; invitations: Invitation[] } | null>(null);
  const [log, setLog] = useState<AccessEvent[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [formError, setFormError] = useState<unknown>(null);
  const [status, setStatus] = useState('');
  const [link, setLink] = useState<Invitation | null>(null);
  const [revoking, setRevoking] = useState<Grant | null>(null);
  const [reload, setReload] = useState(0);
  const [f, setF] = useState({ email: '', role: 'provider', access: 'read', expires: '' });

  useEffect(() => {
    api.grants(pid).then(setData, setError);
    api.accessLog(pid).then((r) => setLog(r.events), setError);
  }, [pid, reload]);

  const submit = async (e: Event) => {
    e.preventDefault();
    setFormError(null);
    setLink(null);
    try {
      const body: { grantee_email: string; role: string; access: string; expires_at?: string } = { grantee_email: f.email.trim(), role: f.role, access: f.access };
      if (f.expires) body.expires_at = new Date(`${f.expires}T23:59:59`).toISOString();
      const r = await api.grant(pid, body);
      if ('grant' in r) setStatus(`Access granted to ${r.grant.grantee_name || f.email}.`);
      else { setLink(r.invitation); setStatus('No account uses that email yet: an invitation was created. Pass the link on.'); }
      setF({ ...f, email: '', expires: '' });
      setReload((n) => n + 1);
    } catch (err) {
      setFormError(err);
    }
  };

  const revoke = async () => {
    const g = revoking;
    setRevoking(null);
    if (!g) return;
    try {
      await api.revoke(pid, g.id);
      setStatus(`Access for ${g.grantee_name} revoked.`);
      setReload((n) => n + 1);
    } catch (err) { setError(err); }
  };

  const fe = fieldErrors(formError);
  const live = data?.grants.filter((g) => !g.revoked_at) ?? [];
  return (
    <section>
      <PageTitle>Sharing</PageTitle>
      <Status text={status} />
      <FormError error={error} />
      <h2>Give someone access</h2>
      <form onSubmit={submit} noValidate class="grid-form">
        <Field label="Their email" type="email" value={f.email} error={fe.grantee_email} required onInput={(e) => setF({ ...f, email: e.currentTarget.value })} />
        <SelectField label="They are my" value={f.role} onChange={(v) => setF({ ...f, role: v })} options={[['provider', 'Provider (doctor, nurse)'], ['caregiver', 'Caregiver (family, friend)']]} error={fe.role} />
        <SelectField label="Access" value={f.access} onChange={(v) => setF({ ...f, access: v })} options={[['read', 'View only'], ['write', 'View and add readings']]} error={fe.access} />
        <Field label="Until (optional)" type="date" value={f.expires} error={fe.expires_at} onInput={(e) => setF({ ...f, expires: e.currentTarget.value })} />
        <FormError error={formError} />
        <button type="submit" class="primary">Share</button>
      </form>
      {link?.url && <InviteLink inv={link} />}
      <h2>Who has access</h2>
      {!data ? (error ? null : <Loading />) : live.length === 0 ? <p>Nobody else can see your readings.</p> : (
        <div class="table-wrap" tabIndex={0} role="region" aria-label="People with access to your record (scrollable)"><table>
          <caption class="sr-only">People with access to your record</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Access</th><th scope="col">Until</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {live.map((g) => (
              <tr key={g.id}>
                <td>{g.grantee_name}</td><td>{g.role}</td><td>{g.access === 'write' ? 'view and add' : 'view only'}</td>
                <td>{g.expires_at ? formatInstant(g.expires_at) : 'no end date'}</td>
                <td><button type="button" class="danger" onClick={() => setRevoking(g)} aria-label={`Revoke access for ${g.grantee_name}`}>Revoke</button></td>
              </tr>
            ))}
          </tbody>
        </table></div>
      )}
      {data && data.invitations.length > 0 && (
        <>
          <h2>Pending invitations</h2>
          <ul class="plain">
            {data.invitations.map((i, n) => (
              <li key={i.id ?? n}>
                {i.email} — {i.role}, {i.access === 'write' ? 'view and add' : 'view only'}, expires {formatInstant(i.expires_at)}
                {i.url && <InviteLink inv={i} compact />}
                {i.id && <button type="button" class="danger" onClick={async () => { try { await api.revoke(pid, i.id!); setReload((x) => x + 1); setStatus('Invitation withdrawn.'); } catch (e) { setError(e); } }}>Withdraw</button>}
              </li>
            ))}
          </ul>
        </>
      )}
      <h2>Who viewed my record</h2>
      {!log ? (error ? null : <Loading />) : log.length === 0 ? <p>No one else has accessed your record.</p> : (
        <div class="table-wrap" tabIndex={0} role="region" aria-label="Access log, newest first (scrollable)"><table>
          <caption class="sr-only">Access log, newest first</caption>
          <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Under</th><th scope="col">From</th><th scope="col">Outcome</th></tr></thead>
          <tbody>
            {log.map((e, n) => (
              <tr key={n}><td>{formatInstant(e.time)}</td><td>{e.actor_name} ({e.actor_role})</td><td>{e.action}</td><td>{e.via || '—'}</td><td>{e.source_ip}</td><td>{e.outcome}</td></tr>
            ))}
          </tbody>
        </table></div>
      )}
      <Confirm open={!!revoking} title="Revoke access?" confirmLabel="Revoke" danger onConfirm={revoke} onCancel={() => setRevoking(null)}>
        <p>{revoking?.grantee_name} will no longer see your readings, from their next request.</p>
      </Confirm>
    </section>
  );
}

export function InviteLink({ inv, compact }: { inv: Invitation; compact?: boolean }) {
  const [msg, setMsg] = useState('');
  const url = inv.url?.startsWith('/') ? location.origin + inv.url : inv.url ?? '';
  return (
    <div class={compact ? 'invite-link compact' : 'invite-link'}>
      {!compact && <p>Invitation link (expires {formatInstant(inv.expires_at)}):</p>}
      <code class="url">{url}</code>{' '}
      <button type="button" onClick={async () => setMsg((await copyText(url)) ? 'Link copied.' : 'Copy failed: select the link and copy it.')}>Copy link</button>
      <span role="status" class="status">{msg}</span>
    </div>
  );
}
