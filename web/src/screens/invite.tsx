// Accepting an invitation: choose a password (and name), then sign in.
import { useState } from 'preact/hooks';
import { api } from '../api';
import { Field, FormError, Link, PageTitle } from '../ui';

export function Invite({ code, signedIn }: { code: string; signedIn: boolean }) {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const [mismatch, setMismatch] = useState('');

  if (signedIn) {
    return <section class="narrow"><PageTitle>Invitation</PageTitle><p>You are signed in. Sign out first to accept an invitation for a new account.</p></section>;
  }
  if (done) {
    return (
      <section class="narrow">
        <PageTitle>Account created</PageTitle>
        <p>Your account is ready. Sign in with your email and new password; you will set up two-step sign-in next.</p>
        <p><Link href="/signin">Go to sign in</Link></p>
      </section>
    );
  }
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    if (password !== confirm) { setMismatch('The passwords do not match.'); return; }
    setMismatch('');
    try {
      await api.acceptInvitation(code, password, name.trim() || undefined);
      setDone(true);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section class="narrow">
      <PageTitle>Accept your invitation</PageTitle>
      <form onSubmit={submit} noValidate>
        <Field label="Your name" autoComplete="name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        <Field label="Choose a password" type="password" autoComplete="new-password" hint="A long passphrase is best." value={password}
          onInput={(e) => setPassword(e.currentTarget.value)} />
        <Field label="Repeat the password" type="password" autoComplete="new-password" value={confirm} error={mismatch}
          onInput={(e) => setConfirm(e.currentTarget.value)} />
        <FormError error={error} />
        <button type="submit" class="primary">Create account</button>
      </form>
    </section>
  );
}
