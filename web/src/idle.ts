// Automatic logoff timing: warn two minutes before the idle timeout (or
// half the timeout when it is shorter than four minutes).

export function warningLead(idleTimeoutSeconds: number): number {
  return Math.min(120, Math.floor(idleTimeoutSeconds / 2));
}

export type IdleState = { kind: 'active' } | { kind: 'warning'; secondsLeft: number } | { kind: 'expired' };

/** The state at time now (ms) given when the idle timer runs out (ms). */
export function idleState(now: number, expiresAt: number, idleTimeoutSeconds: number): IdleState {
  const left = (expiresAt - now) / 1000;
  if (left <= 0) return { kind: 'expired' };
  if (left <= warningLead(idleTimeoutSeconds)) return { kind: 'warning', secondsLeft: Math.ceil(left) };
  return { kind: 'active' };
}

export function formatCountdown(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return m > 0 ? `${m} min ${String(s).padStart(2, '0')} s` : `${s} s`;
}
