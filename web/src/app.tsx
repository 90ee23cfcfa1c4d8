// The app shell: who is signed in, navigation by role, and automatic logoff.
// Signing out (or timing out) drops the whole signed-in tree, so no health
// data stays in memory or in the DOM.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, setHooks } from './api';
import type { User } from './types';
import { match, navigate, usePath } from './router';
import { formatCountdown, idleState, type IdleState } from './idle';
import { Link } from './ui';
import { SignIn } from './screens/signin';
import { Entry } from './screens/entry';
import { History } from './screens/history';
import { Invite } from './screens/invite';
import { ForgotPassword, ResetPassword } from './screens/reset';
import { lazyScreen } from './lazy';

const Trends = lazyScreen(() => import('./screens/trends'));
const Sharing = lazyScreen(() => import('./screens/sharing'));
const Data = lazyScreen(() => import('./screens/data'));
const Account = lazyScreen(() => import('./screens/account'));
const Panel = lazyScreen(() => import('./screens/panel'));
const PatientView = lazyScreen(() => import('./screens/patient'));
const Admin = lazyScreen(() => import('./screens/admin'));

export interface Signed {
  user: User;
  idleTimeout: number;
  idleExpiresAt: number;
}

type Auth = { kind: 'loading' } | { kind: 'out'; notice?: string } | ({ kind: 'in'; epoch: number } & Signed);

export function homeFor(u: User): string {
  switch (u.role) {
    case 'patient': return '/entry';
    case 'admin': return '/admin/users';
    default: return '/panel';
  }
}

export function App() {
  const [auth, setAuth] = useState<Auth>({ kind: 'loading' });
  const authRef = useRef(auth);
  authRef.current = auth;
  const path = usePath();

  const signOutLocal = useCallback((notice?: string) => {
    setAuth({ kind: 'out', notice });
    if (!/^\/(invite|reset)\/|^\/forgot$/.test(location.pathname)) navigate('/signin', true);
  }, []);

  const signedIn = useCallback((s: Signed) => {
    setAuth((a) => ({ kind: 'in', epoch: (a.kind === 'in' ? a.epoch : 0) + 1, ...s }));
  }, []);

  useEffect(() => {
    setHooks({
      onActivity: () => {
        const a = authRef.current;
        if (a.kind === 'in') setAuth({ ...a, idleExpiresAt: Date.now() + a.idleTimeout * 1000 });
      },
      onUnauthorized: () => {
        if (authRef.current.kind === 'in') signOutLocal('Your session has ended. Please sign in again.');
      },
    });
    api.session().then(
      (s) => setAuth({
        kind: 'in', epoch: 1, user: s.user, idleTimeout: s.idle_timeout_seconds,
        idleExpiresAt: s.idle_expires_at ? Date.parse(s.idle_expires_at) : Date.now() + s.idle_timeout_seconds * 1000,
      }),
      () => setAuth({ kind: 'out' }),
    );
  }, []);

  if (auth.kind === 'loading') return <main id="main" class="container"><p role="status">Loading…</p></main>;

  const invite = match('/invite/:code', path);
  if (invite) return <Shell><Invite code={invite.code!} signedIn={auth.kind === 'in'} /></Shell>;
  const reset = match('/reset/:code', path);
  if (reset && auth.kind === 'out') return <Shell><ResetPassword code={reset.code!} /></Shell>;
  if (path === '/forgot' && auth.kind === 'out') return <Shell><ForgotPassword /></Shell>;

  if (auth.kind === 'out') {
    return <Shell><SignIn notice={auth.notice} onSignedIn={signedIn} /></Shell>;
  }
  return <SignedIn key={auth.epoch} auth={auth} path={path} setAuth={setAuth} signOutLocal={signOutLocal} />;
}

function Shell({ children }: { children: preact.ComponentChildren }) {
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="topbar"><span class="brand">BP Tracker</span></header>
      <main id="main" class="container">{children}</main>
    </>
  );
}

function navFor(u: User): [string, string][] {
  switch (u.role) {
    case 'patient':
      return [['/entry', 'Add reading'], ['/history', 'History'], ['/trends', 'Trends'], ['/sharing', 'Sharing'], ['/data', 'Import & export'], ['/account', 'Account']];
    case 'admin':
      return [['/admin/users', 'Users'], ['/admin/audit', 'Audit'], ['/admin/break-glass', 'Break-glass'], ['/account', 'Account']];
    default:
      return [['/panel', 'Patients'], ['/account', 'Account']];
  }
}

function SignedIn(props: { auth: Signed & { epoch: number }; path: string; setAuth: (a: Auth) => void; signOutLocal: (n?: string) => void }) {
  const { auth, path } = props;
  const user = auth.user;
  const [idle, setIdle] = useState<IdleState>({ kind: 'active' });
  const expiresRef = useRef(auth.idleExpiresAt);
  expiresRef.current = auth.idleExpiresAt;

  // Tick every second; poll the server every 30 s (GET /session does not
  // extend the idle timer) so activity in another tab is seen.
  useEffect(() => {
    let n = 0;
    const t = setInterval(() => {
      const st = idleState(Date.now(), expiresRef.current, auth.idleTimeout);
      setIdle((prev) => (prev.kind === st.kind && (st.kind !== 'warning' || (prev.kind === 'warning' && prev.secondsLeft === st.secondsLeft)) ? prev : st));
      if (st.kind === 'expired') {
        clearInterval(t);
        api.signOut().catch(() => undefined);
        props.signOutLocal('You were signed out after a period of inactivity, to protect your health information.');
        return;
      }
      if (++n % 30 === 0) {
        api.session().then(
          (s) => {
            if (s.idle_expires_at) {
              const srv = Date.parse(s.idle_expires_at);
              if (Math.abs(srv - expiresRef.current) > 2000) props.setAuth({ kind: 'in', epoch: auth.epoch, user: auth.user, idleTimeout: auth.idleTimeout, idleExpiresAt: srv });
            }
          },
          (e: unknown) => { if ((e as { status?: number }).status === 401) props.signOutLocal('Your session has ended. Please sign in again.'); },
        );
      }
    }, 1000);
    return () => clearInterval(t);
  }, []);

  useEffect(() => {
    if (path === '/' || path === '/signin') navigate(homeFor(user), true);
  }, [path]);

  const signOut = async () => {
    try { await api.signOut(); } catch { /* signed out locally anyway */ }
    props.signOutLocal('You have signed out.');
  };

  const stay = async () => {
    try { await api.keepalive(); } catch { /* a 401 signs out through the hook */ }
  };

  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="topbar">
        <span class="brand">BP Tracker</span>
        <nav aria-label="Main">
          <ul>
            {navFor(user).map(([href, label]) => (
              <li key={href}><Link href={href} aria-current={path === href || (href !== '/' && path.startsWith(href + '/')) ? 'page' : undefined}>{label}</Link></li>
            ))}
            <li><button type="button" class="linklike" onClick={signOut}>Sign out</button></li>
          </ul>
        </nav>
      </header>
      <main id="main" class="container">
        <Route path={path} user={user} />
      </main>
      {idle.kind === 'warning' && <IdleWarning secondsLeft={idle.secondsLeft} onStay={stay} />}
    </>
  );
}

function IdleWarning({ secondsLeft, onStay }: { secondsLeft: number; onStay: () => void }) {
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => { ref.current?.focus(); }, []);
  return (
    <div class="idle-warning" role="alertdialog" aria-labelledby="idle-title" aria-describedby="idle-desc">
      <h2 id="idle-title">Still there?</h2>
      <p id="idle-desc">For your privacy you will be signed out in <span class="countdown">{formatCountdown(secondsLeft)}</span>.</p>
      <button type="button" class="primary" ref={ref} onClick={onStay}>Stay signed in</button>
    </div>
  );
}

function Route({ path, user }: { path: string; user: User }) {
  const role = user.role;
  if (role === 'patient') {
    switch (path) {
      case '/entry': return <Entry pid="me" guideline={user.guideline} />;
      case '/history': return <History pid="me" canWrite guideline={user.guideline} />;
      case '/trends': return <Trends pid="me" guideline={user.guideline} target={user.target} />;
      case '/sharing': return <Sharing pid="me" />;
      case '/data': return <Data pid="me" />;
    }
  }
  if (path === '/account') return <Account user={user} />;
  if (role === 'provider' || role === 'caregiver') {
    if (path === '/panel') return <Panel user={user} />;
  }
  if (role === 'admin') {
    const m = match('/admin/:tab', path);
    if (m) return <Admin tab={m.tab!} />;
  }
  const p = match('/patients/:id', path) ?? match('/patients/:id/:tab', path);
  if (p && role !== 'patient') return <PatientView id={p.id!} tab={p.tab ?? 'trends'} user={user} />;
  return (
    <section>
      <h1>Page not found</h1>
      <p><Link href={homeFor(user)}>Go to the start page</Link></p>
    </section>
  );
}
