package service

import (
	"context"
	"net/url"
	"time"

	"github.com/bptracker/bptracker"
)

// SignInOutcome answers the password step.
type SignInOutcome struct {
	Status     string `json:"status"` // mfa_required or mfa_setup_required
	TOTPSecret string `json:"totp_secret,omitempty"`
	OTPAuthURI string `json:"otpauth_uri,omitempty"`
}

// SignIn checks a password and opens a pending session for the MFA step.
// It returns the pending session's token, which the browser holds as a
// cookie. Every outcome is audited.
func (s *Service) SignIn(ctx context.Context, req Request, email, pw string) (*SignInOutcome, string, error) {
	step, err := s.idp.BeginSignIn(ctx, email, pw)
	uid := ""
	if step != nil {
		uid = step.UserID
	}
	if err != nil {
		ev := s.event(nil, req, "session.signin", "", uid, bptracker.OutcomeFailure)
		ev.ActorID = uid
		ev.Detail = "password: " + bptracker.ErrorCode(err)
		if aerr := s.audit(ctx, ev); aerr != nil {
			return nil, "", aerr
		}
		return nil, "", err
	}
	now := s.cfg.Now().UTC()
	sealed, err := s.keys.SealJSON(ctx, step.UserID, fieldPending, step)
	if err != nil {
		return nil, "", err
	}
	tok, hash := token()
	sess := &bptracker.Session{IDHash: hash, UserID: step.UserID, State: bptracker.SessionPendingMFA, CreatedAt: now,
		LastSeen: now, ExpiresAt: now.Add(s.cfg.PendingLifetime), SourceIP: req.SourceIP, UserAgent: truncate(req.UserAgent, 256), Sealed: sealed}
	ev := s.event(nil, req, "session.password", "", step.UserID, bptracker.OutcomeSuccess)
	ev.ActorID = step.UserID
	if err := s.audit(ctx, ev); err != nil {
		return nil, "", err
	}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return nil, "", err
	}
	out := &SignInOutcome{Status: "mfa_required"}
	if step.Next == "mfa_setup" {
		out.Status, out.TOTPSecret = "mfa_setup_required", step.TOTPSecret
		out.OTPAuthURI = otpauthURI(email, step.TOTPSecret)
	}
	return out, tok, nil
}

func otpauthURI(email, secret string) string {
	v := url.Values{"secret": {secret}, "issuer": {"BP Tracker"}, "algorithm": {"SHA1"}, "digits": {"6"}, "period": {"30"}}
	return "otpauth://totp/" + url.PathEscape("BP Tracker:"+email) + "?" + v.Encode()
}

// MFAOutcome is a completed sign-in.
type MFAOutcome struct {
	Token         string
	User          *bptracker.User
	Session       *bptracker.Session
	RecoveryCodes []string
}

// CompleteMFA checks the code for a pending session and replaces it with an
// active one under a new token (so a token seen before MFA is worthless).
func (s *Service) CompleteMFA(ctx context.Context, req Request, pendingToken, code string) (*MFAOutcome, error) {
	now := s.cfg.Now().UTC()
	pending, err := s.store.FindSession(ctx, HashToken(pendingToken))
	if err != nil || pending.State != bptracker.SessionPendingMFA || !now.Before(pending.ExpiresAt) {
		return nil, bptracker.Errorf(bptracker.EUNAUTHORIZED, "sign in with your password first")
	}
	var step bptracker.SignInStep
	if err := s.keys.OpenJSON(ctx, pending.UserID, fieldPending, pending.Sealed, &step); err != nil {
		return nil, err
	}
	res, err := s.idp.FinishSignIn(ctx, &step, code)
	if err != nil {
		ev := s.event(nil, req, "session.mfa", "", step.UserID, bptracker.OutcomeFailure)
		ev.ActorID, ev.Detail = step.UserID, "mfa: "+bptracker.ErrorCode(err)
		if aerr := s.audit(ctx, ev); aerr != nil {
			return nil, aerr
		}
		return nil, err
	}
	if err := s.store.DeleteSession(ctx, pending.IDHash); err != nil {
		return nil, err
	}
	_, u, _, err := s.findUser(ctx, res.UserID)
	if err != nil {
		return nil, err
	}
	tok, hash := token()
	sess := &bptracker.Session{IDHash: hash, UserID: u.ID, State: bptracker.SessionActive, CreatedAt: now, LastSeen: now,
		ExpiresAt: now.Add(s.cfg.SessionLifetime), SourceIP: req.SourceIP, UserAgent: truncate(req.UserAgent, 256)}
	if res.Tokens != "" {
		if sess.Sealed, err = s.keys.Seal(ctx, u.ID, "idp-tokens", []byte(res.Tokens)); err != nil {
			return nil, err
		}
	}
	action := "session.signin"
	if len(res.RecoveryCodes) > 0 {
		action = "session.mfa_enrolled"
	}
	ev := s.event(&Actor{User: u}, req, action, "", u.ID, bptracker.OutcomeSuccess)
	if err := s.audit(ctx, ev); err != nil {
		return nil, err
	}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return nil, err
	}
	return &MFAOutcome{Token: tok, User: u, Session: sess, RecoveryCodes: res.RecoveryCodes}, nil
}

// Authenticate returns the actor of an active session token. touch says
// whether the request counts as activity for the idle timeout. An expired
// session is deleted and answers EUNAUTHORIZED.
func (s *Service) Authenticate(ctx context.Context, req Request, tok string, touch bool) (*Actor, error) {
	if tok == "" {
		return nil, errSignedOut()
	}
	sess, err := s.store.FindSession(ctx, HashToken(tok))
	if bptracker.ErrorCode(err) == bptracker.ENOTFOUND {
		return nil, errSignedOut()
	} else if err != nil {
		return nil, err
	}
	now := s.cfg.Now().UTC()
	if sess.State != bptracker.SessionActive {
		return nil, errSignedOut()
	}
	if !now.Before(sess.ExpiresAt) || now.Sub(sess.LastSeen) >= s.cfg.IdleTimeout {
		s.store.DeleteSession(ctx, sess.IDHash)
		ev := s.event(nil, req, "session.timeout", "", sess.UserID, bptracker.OutcomeSuccess)
		ev.ActorID = sess.UserID
		s.audit(ctx, ev)
		return nil, errSignedOut()
	}
	rec, u, _, err := s.findUser(ctx, sess.UserID)
	if err != nil {
		return nil, err
	}
	if rec.Status != bptracker.UserActive {
		s.store.DeleteSession(ctx, sess.IDHash)
		return nil, errSignedOut()
	}
	// Activity is written at most once a minute (or a tenth of a shorter
	// idle timeout): the timeout stays that exact and costs no write per
	// request.
	if touch && now.Sub(sess.LastSeen) >= min(time.Minute, s.cfg.IdleTimeout/10) {
		if err := s.store.TouchSession(ctx, sess.IDHash, now); err != nil {
			return nil, err
		}
		sess.LastSeen = now
	}
	return &Actor{User: u, Session: sess, Request: req}, nil
}

func errSignedOut() error {
	return bptracker.Errorf(bptracker.EUNAUTHORIZED, "you are signed out; sign in again")
}

// SignOut ends the actor's session.
func (s *Service) SignOut(ctx context.Context, a *Actor) error {
	if err := s.store.DeleteSession(ctx, a.Session.IDHash); err != nil {
		return err
	}
	s.signOutIdP(ctx, a.Session)
	return s.audit(ctx, s.event(a, a.Request, "session.signout", "", a.User.ID, bptracker.OutcomeSuccess))
}

func (s *Service) signOutIdP(ctx context.Context, sess *bptracker.Session) {
	if len(sess.Sealed) == 0 || sess.State != bptracker.SessionActive {
		return
	}
	if toks, err := s.keys.Open(ctx, sess.UserID, "idp-tokens", sess.Sealed); err == nil {
		if err := s.idp.SignOut(ctx, string(toks)); err != nil {
			s.log.Warn("identity provider sign-out failed", "user", sess.UserID, "err", err)
		}
	}
}

// SignOutEverywhere ends every session of the actor's account.
func (s *Service) SignOutEverywhere(ctx context.Context, a *Actor) error {
	return s.endSessions(ctx, a, a.User.ID, "session.signout_all")
}

func (s *Service) endSessions(ctx context.Context, a *Actor, userID, action string) error {
	sessions, err := s.store.FindUserSessions(ctx, userID)
	if err != nil {
		return err
	}
	for _, x := range sessions {
		s.signOutIdP(ctx, x)
	}
	if err := s.store.DeleteUserSessions(ctx, userID); err != nil {
		return err
	}
	return s.audit(ctx, s.event(a, a.Request, action, "", userID, bptracker.OutcomeSuccess))
}

// SessionInfo describes one of the caller's sessions.
type SessionInfo struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"created_at"`
	LastSeen  time.Time `json:"last_seen"`
	SourceIP  string    `json:"source_ip"`
	UserAgent string    `json:"user_agent"`
	Current   bool      `json:"current"`
}

// Sessions lists the actor's active sessions.
func (s *Service) Sessions(ctx context.Context, a *Actor) ([]SessionInfo, error) {
	all, err := s.store.FindUserSessions(ctx, a.User.ID)
	if err != nil {
		return nil, err
	}
	out := []SessionInfo{}
	for _, x := range all {
		if x.State != bptracker.SessionActive {
			continue
		}
		out = append(out, SessionInfo{ID: x.IDHash[:16], CreatedAt: x.CreatedAt, LastSeen: x.LastSeen,
			SourceIP: x.SourceIP, UserAgent: x.UserAgent, Current: x.IDHash == a.Session.IDHash})
	}
	return out, nil
}

// IdleExpiresAt is when the actor's session ends without activity.
func (s *Service) IdleExpiresAt(a *Actor) time.Time {
	t := a.Session.LastSeen.Add(s.cfg.IdleTimeout)
	if a.Session.ExpiresAt.Before(t) {
		return a.Session.ExpiresAt
	}
	return t
}

// Keepalive marks activity now ("stay signed in").
func (s *Service) Keepalive(ctx context.Context, a *Actor) error {
	now := s.cfg.Now().UTC()
	a.Session.LastSeen = now
	return s.store.TouchSession(ctx, a.Session.IDHash, now)
}
