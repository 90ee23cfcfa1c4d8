// Sign-in with MFA: password, then a TOTP (or recovery) code; first-time
// TOTP setup draws the QR code locally and shows the secret as text.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api';
import type { Signed } from '../app';
import { Field, FormError, Link, PageTitle, Status, copyText, downloadText } from '../ui';

type Step =
  | { kind: 'password' }
  | { kind: 'mfa' }
  | { kind: 'setup'; secret: string; uri: string }
  | { kind: 'codes'; codes: string[]; signed: Signed };

export function SignIn({ notice, onSignedIn }: { notice?: string | undefined; onSignedIn: (s: Signed) => void }) {
  const [step, setStep] = useState<Step>({ kind: 'password' });
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submitPassword = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const r = await api.signIn(email.trim(), password);
      setPassword('');
      setStep(r.status === 'mfa_setup_required' ? { kind: 'setup', secret: r.totp_secret, uri: r.otpauth_uri } : { kind: 'mfa' });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const submitCode = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const r = await api.mfa(code.trim().replace(/\s+/g, ''));
      const signed: Signed = { user: r.user, idleTimeout: r.idle_timeout_seconds || 900, idleExpiresAt: Date.now() + (r.idle_timeout_seconds || 900) * 1000 };
      setCode('');
      if (r.recovery_codes?.length) setStep({ kind: 'codes', codes: r.recovery_codes, signed });
      else onSignedIn(signed);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (step.kind === 'codes') {
    return <RecoveryCodes codes={step.codes} onDone={() => onSignedIn(step.signed)} />;
  }

  if (step.kind === 'password') {
    return (
      <section class="narrow">
        <PageTitle>Sign in</PageTitle>
        {notice && <p class="notice" role="status">{notice}</p>}
        <form onSubmit={submitPassword} noValidate>
          <Field label="Email" type="email" name="email" autoComplete="username" required value={email}
            onInput={(e) => setEmail(e.currentTarget.value)} />
          <Field label="Password" type="password" name="password" autoComplete="current-password" required value={password}
            onInput={(e) => setPassword(e.currentTarget.value)} />
          <FormError error={error} />
          <button type="submit" class="primary" disabled={busy}>Continue</button>
        </form>
        <p><Link href="/forgot">Forgot your password?</Link></p>
      </section>
    );
  }

  return (
    <section class="narrow">
      <PageTitle>{step.kind === 'setup' ? 'Set up two-step sign-in' : 'Enter your code'}</PageTitle>
      {step.kind === 'setup' && <TotpSetup secret={step.secret} uri={step.uri} />}
      <form onSubmit={submitCode} noValidate>
        <Field label={step.kind === 'setup' ? 'Code from your authenticator app' : 'Authentication code'}
          hint={step.kind === 'setup' ? 'Six digits.' : 'Six digits from your authenticator app, or one of your recovery codes.'}
          name="code" autoComplete="one-time-code" inputMode={step.kind === 'setup' ? 'numeric' : 'text'} required value={code}
          onInput={(e) => setCode(e.currentTarget.value)} />
        <FormError error={error} />
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>Verify</button>
          <button type="button" onClick={() => { setStep({ kind: 'password' }); setError(null); setCode(''); }}>Start again</button>
        </div>
      </form>
    </section>
  );
}

/** Shows the otpauth URI as a locally drawn QR code and the secret as text. */
export function TotpSetup({ secret, uri }: { secret: string; uri: string }) {
  const [src, setSrc] = useState('');
  useEffect(() => {
    let live = true;
    void import('../qr').then((m) => { if (live) setSrc(m.qrDataURL(uri)); });
    return () => { live = false; };
  }, [uri]);
  const grouped = secret.replace(/(.{4})/g, '$1 ').trim();
  return (
    <div class="totp-setup">
      <ol>
        <li>Open an authenticator app on your phone.</li>
        <li>Scan this QR code, or type the secret key below.</li>
        <li>Enter the six-digit code the app shows.</li>
      </ol>
      {src ? <img class="qr" src={src} width={200} height={200} alt="QR code for your authenticator app (the same secret key is shown as text below)" /> : <div class="qr" />}
      <p>Secret key: <code class="secret" data-secret={secret}>{grouped}</code></p>
    </div>
  );
}

export function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const [status, setStatus] = useState('');
  const [saved, setSaved] = useState(false);
  const text = codes.join('\n') + '\n';
  const ref = useRef<HTMLUListElement>(null);
  return (
    <section class="narrow">
      <PageTitle>Save your recovery codes</PageTitle>
      <p>Each code signs you in once if you lose your phone. They are shown only now: copy or download them and keep them somewhere safe.</p>
      <ul class="codes" ref={ref} aria-label="Recovery codes">
        {codes.map((c) => <li key={c}><code>{c}</code></li>)}
      </ul>
      <div class="actions">
        <button type="button" onClick={async () => setStatus((await copyText(text)) ? 'Copied to the clipboard.' : 'Copy failed: select the codes and copy them by hand.')}>Copy</button>
        <button type="button" onClick={() => { downloadText('bptracker-recovery-codes.txt', text); setStatus('Downloaded.'); }}>Download</button>
      </div>
      <Status text={status} />
      <div class="field checkbox">
        <input id="codes-saved" type="checkbox" checked={saved} onChange={(e) => setSaved(e.currentTarget.checked)} />
        <label for="codes-saved">I have saved my recovery codes</label>
      </div>
      <button type="button" class="primary" disabled={!saved} onClick={onDone}>Continue</button>
    </section>
  );
}
