// Password reset: ask for a link by email, and use a link (from the email,
// an admin or a provider) to choose a new password. Two-step sign-in stays.
import { useState } from 'preact/hooks';
import { api } from '../api';
import { Field, FormError, Link, PageTitle } from '../ui';

export function ForgotPassword() {
  const [email, setEmail] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [sent, setSent] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      setSent((await api.requestReset(email.trim())).status);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section class="narrow">
      <PageTitle>Reset your password</PageTitle>
      {sent ? (
        <p role="status">{sent[0]!.toUpperCase() + sent.slice(1)}. The link works once, for 24 hours.</p>
      ) : (
        <form onSubmit={submit} noValidate>
          <Field label="Email" type="email" autoComplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
          <FormError error={error} />
          <button type="submit" class="primary">Send a reset link</button>
        </form>
      )}
      <p><Link href="/signin">Back to sign in</Link></p>
    </section>
  );
}

export function ResetPassword({ code }: { code: string }) {
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mismatch, setMismatch] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  if (done) {
    return (
      <section class="narrow">
        <PageTitle>Password changed</PageTitle>
        <p role="status">Sign in with your new password and your authenticator app's code.</p>
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
      await api.resetPassword(code, password);
      setDone(true);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section class="narrow">
      <PageTitle>Choose a new password</PageTitle>
      <form onSubmit={submit} noValidate>
        <Field label="New password" type="password" autoComplete="new-password" hint="A long passphrase is best." value={password}
          onInput={(e) => setPassword(e.currentTarget.value)} />
        <Field label="Repeat the password" type="password" autoComplete="new-password" value={confirm} error={mismatch}
          onInput={(e) => setConfirm(e.currentTarget.value)} />
        <FormError error={error} />
        <button type="submit" class="primary">Change password</button>
      </form>
    </section>
  );
}
