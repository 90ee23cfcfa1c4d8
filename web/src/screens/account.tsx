// Account: profile, password, MFA reset with re-authentication, active
// sessions, sign out everywhere, and account deletion.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { GUIDELINE_LABELS } from '../classify';
import { formatInstant } from '../format';
import { navigate } from '../router';
import type { ActiveSession, Guideline, User } from '../types';
import { Confirm, Field, FormError, Loading, PageTitle, SelectField, Status, fieldErrors } from '../ui';
import { RecoveryCodes, TotpSetup } from './signin';

export default function Account({ user }: { user: User }) {
  return (
    <section>
      <PageTitle>Account</PageTitle>
      <Profile user={user} />
      <Password />
      <MFAReset />
      <Sessions />
      {user.role === 'patient' && <DeleteAccount />}
    </section>
  );
}

function Profile({ user }: { user: User }) {
  const [name, setName] = useState(user.name);
  const [tz, setTz] = useState(user.time_zone);
  const [g, setG] = useState<Guideline>(user.guideline);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState('');
  const save = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const body: { name: string; time_zone: string; guideline?: Guideline } = { name: name.trim(), time_zone: tz.trim() };
      if (user.role === 'patient') body.guideline = g;
      await api.updateMe(body);
      setStatus('Profile saved. Reload to apply a new guideline everywhere.');
    } catch (err) { setError(err); }
  };
  const fe = fieldErrors(error);
  return (
    <form onSubmit={save} noValidate aria-labelledby="profile-h">
      <h2 id="profile-h">Profile</h2>
      <p>Signed in as {user.email} ({user.role}).</p>
      <Field label="Name" autoComplete="name" value={name} error={fe.name} onInput={(e) => setName(e.currentTarget.value)} />
      <Field label="Time zone" hint="For example Europe/Paris; used for morning and evening." value={tz} error={fe.time_zone} onInput={(e) => setTz(e.currentTarget.value)} />
      {user.role === 'patient' && (
        <SelectField label="Guideline" value={g} onChange={(v) => setG(v as Guideline)} error={fe.guideline}
          options={Object.entries(GUIDELINE_LABELS) as [string, string][]} />
      )}
      <FormError error={error} />
      <Status text={status} />
      <button type="submit">Save profile</button>
    </form>
  );
}

function Password() {
  const [cur, setCur] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState('');
  const save = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setStatus('');
    if (next !== again) { setError(new Error('The new passwords do not match.')); return; }
    try {
      await api.changePassword(cur, next);
      setCur(''); setNext(''); setAgain('');
      setStatus('Password changed.');
    } catch (err) { setError(err); }
  };
  const fe = fieldErrors(error);
  return (
    <form onSubmit={save} noValidate aria-labelledby="pw-h">
      <h2 id="pw-h">Change password</h2>
      <Field label="Current password" type="password" autoComplete="current-password" value={cur} error={fe.current_password} onInput={(e) => setCur(e.currentTarget.value)} />
      <Field label="New password" type="password" autoComplete="new-password" value={next} error={fe.new_password} onInput={(e) => setNext(e.currentTarget.value)} />
      <Field label="Repeat the new password" type="password" autoComplete="new-password" value={again} onInput={(e) => setAgain(e.currentTarget.value)} />
      <FormError error={error} />
      <Status text={status} />
      <button type="submit">Change password</button>
    </form>
  );
}

function MFAReset() {
  const [pw, setPw] = useState('');
  const [setup, setSetup] = useState<{ secret: string; uri: string } | null>(null);
  const [code, setCode] = useState('');
  const [codes, setCodes] = useState<string[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState('');
  const start = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const r = await api.resetMFA(pw);
      setPw('');
      if (r.status === 'mfa_setup_required') setSetup({ secret: r.totp_secret, uri: r.otpauth_uri });
    } catch (err) { setError(err); }
  };
  const confirm = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const r = await api.confirmMFA(code.trim());
      setCode('');
      setSetup(null);
      setCodes(r.recovery_codes);
    } catch (err) { setError(err); }
  };
  if (codes) return <RecoveryCodes codes={codes} onDone={() => { setCodes(null); setStatus('Two-step sign-in was set up again.'); }} />;
  return (
    <div>
      <h2>Two-step sign-in</h2>
      <Status text={status} />
      {!setup ? (
        <form onSubmit={start} noValidate>
          <p>Set up a new authenticator (for example on a new phone). Your old codes stop working.</p>
          <Field label="Password (to confirm it is you)" type="password" autoComplete="current-password" value={pw} onInput={(e) => setPw(e.currentTarget.value)} />
          <FormError error={error} />
          <button type="submit">Set up a new authenticator</button>
        </form>
      ) : (
        <form onSubmit={confirm} noValidate>
          <TotpSetup secret={setup.secret} uri={setup.uri} />
          <Field label="Code from your authenticator app" inputMode="numeric" autoComplete="one-time-code" value={code} onInput={(e) => setCode(e.currentTarget.value)} />
          <FormError error={error} />
          <button type="submit" class="primary">Confirm</button>
        </form>
      )}
    </div>
  );
}

function Sessions() {
  const [list, setList] = useState<ActiveSession[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [confirm, setConfirm] = useState(false);
  useEffect(() => { api.sessions().then((r) => setList(r.sessions), setError); }, []);
  const everywhere = async () => {
    setConfirm(false);
    try {
      await api.signOutEverywhere();
    } catch (err) { setError(err); return; }
    navigate('/signin', true);
    location.reload();
  };
  return (
    <div>
      <h2>Where you are signed in</h2>
      <FormError error={error} />
      {!list ? (error ? null : <Loading />) : (
        <div class="table-wrap" tabIndex={0} role="region" aria-label="Active sessions (scrollable)"><table>
          <caption class="sr-only">Active sessions</caption>
          <thead><tr><th scope="col">Device</th><th scope="col">From</th><th scope="col">Signed in</th><th scope="col">Last active</th></tr></thead>
          <tbody>
            {list.map((s) => (
              <tr key={s.id}><td>{s.user_agent || 'unknown'}{s.current && <strong> (this device)</strong>}</td><td>{s.source_ip}</td><td>{formatInstant(s.created_at)}</td><td>{formatInstant(s.last_seen)}</td></tr>
            ))}
          </tbody>
        </table></div>
      )}
      <button type="button" onClick={() => setConfirm(true)}>Sign out everywhere</button>
      <Confirm open={confirm} title="Sign out everywhere?" confirmLabel="Sign out everywhere" onConfirm={everywhere} onCancel={() => setConfirm(false)}>
        <p>Every device, this one included, will need to sign in again.</p>
      </Confirm>
    </div>
  );
}

function DeleteAccount() {
  const [pw, setPw] = useState('');
  const [code, setCode] = useState('');
  const [confirm, setConfirm] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const erase = async () => {
    setConfirm(false);
    try {
      await api.deleteAccount(pw, code.trim());
    } catch (err) { setError(err); return; }
    navigate('/signin', true);
    location.reload();
  };
  const fe = fieldErrors(error);
  return (
    <form onSubmit={(e) => { e.preventDefault(); setConfirm(true); }} noValidate aria-labelledby="del-h">
      <h2 id="del-h">Delete my account</h2>
      <p>This erases your readings and notes for good. Export them first if you want a copy.</p>
      <Field label="Password" type="password" autoComplete="current-password" value={pw} error={fe.password} onInput={(e) => setPw(e.currentTarget.value)} />
      <Field label="Authentication code" inputMode="numeric" autoComplete="one-time-code" value={code} error={fe.code} onInput={(e) => setCode(e.currentTarget.value)} />
      <FormError error={error} />
      <button type="submit" class="danger">Delete my account…</button>
      <Confirm open={confirm} title="Delete your account for good?" confirmLabel="Delete account" danger onConfirm={erase} onCancel={() => setConfirm(false)}>
        <p>Your readings cannot be recovered afterwards.</p>
      </Confirm>
    </form>
  );
}
