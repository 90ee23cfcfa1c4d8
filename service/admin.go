package service

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/password"
)

// UserSummary is an account as the admin console lists it: identity and
// status, never health data.
type UserSummary struct {
	ID         string               `json:"id"`
	Email      string               `json:"email"`
	Name       string               `json:"name"`
	Role       bptracker.Role       `json:"role"`
	Status     bptracker.UserStatus `json:"status"`
	MFAEnabled bool                 `json:"mfa_enabled"`
	Locked     bool                 `json:"locked"`
	CreatedAt  time.Time            `json:"created_at"`
}

// ListUsers lists accounts for admins, optionally filtered; q matches the
// name or email (after decryption, so it scans the page).
func (s *Service) ListUsers(ctx context.Context, a *Actor, f bptracker.UserFilter, q string) ([]*UserSummary, string, error) {
	if err := s.authorizeService(ctx, a, bptracker.ActionAdminUsers); err != nil {
		return nil, "", err
	}
	recs, next, err := s.store.FindUsers(ctx, f)
	if err != nil {
		return nil, "", err
	}
	now := s.cfg.Now()
	q = strings.ToLower(q)
	out := []*UserSummary{}
	for _, rec := range recs {
		u, _, err := s.openUser(ctx, rec)
		if err != nil {
			return nil, "", err
		}
		if q != "" && !strings.Contains(strings.ToLower(u.Name), q) && !strings.Contains(u.Email, q) {
			continue
		}
		out = append(out, &UserSummary{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, Status: u.Status,
			MFAEnabled: rec.MFAEnabled, Locked: now.Before(rec.LockedUntil), CreatedAt: rec.CreatedAt})
	}
	if err := s.audit(ctx, s.event(a, a.Request, "admin.users.list", "", "", bptracker.OutcomeSuccess)); err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// UserChange is one admin change to an account.
type UserChange struct {
	Status *bptracker.UserStatus `json:"status"`
	Role   *bptracker.Role       `json:"role"`
	// Action is reset_mfa, unlock, reset_link or erase.
	Action string `json:"action"`
	Reason string `json:"reason"`
}

// UserChangeResult carries a reset link when one was made.
type UserChangeResult struct {
	User  *UserSummary    `json:"user,omitempty"`
	Reset *InvitationView `json:"-"`
}

// ChangeUser applies an admin's change to an account.
func (s *Service) ChangeUser(ctx context.Context, a *Actor, userID string, c UserChange) (*UserChangeResult, error) {
	if err := s.authorizeService(ctx, a, bptracker.ActionAdminUsers); err != nil {
		return nil, err
	}
	n := 0
	for _, set := range []bool{c.Status != nil, c.Role != nil, c.Action != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		return nil, bptracker.Errorf(bptracker.EINVALID, "send one change: status, role or action")
	}
	rec, u, sec, err := s.findUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	if userID == a.User.ID && (c.Status != nil || c.Role != nil || c.Action == "erase") {
		return nil, bptracker.Errorf(bptracker.EINVALID, "admins cannot disable, erase or change the role of their own account")
	}
	res := &UserChangeResult{}
	var action string
	switch {
	case c.Status != nil:
		if *c.Status != bptracker.UserActive && *c.Status != bptracker.UserDisabled {
			return nil, fieldError("status", "status must be active or disabled")
		}
		action = "admin.user." + string(*c.Status)
		rec.Status = *c.Status
		if err := s.idp.SetEnabled(ctx, userID, rec.Status == bptracker.UserActive); err != nil {
			return nil, err
		}
	case c.Role != nil:
		if !c.Role.Valid() {
			return nil, fieldError("role", "role must be patient, caregiver, provider or admin")
		}
		action, rec.Role = "admin.user.role", *c.Role
	case c.Action == "reset_mfa":
		if err := s.idp.ResetMFA(ctx, userID); err != nil {
			return nil, err
		}
		if rec, _, sec, err = s.findUser(ctx, userID); err != nil { // the provider changed it
			return nil, err
		}
		action = "admin.user.reset_mfa"
	case c.Action == "unlock":
		action, rec.FailedAttempts, rec.LockedUntil = "admin.user.unlock", 0, time.Time{}
	case c.Action == "reset_link":
		inv, err := s.resetLink(ctx, a, u)
		if err != nil {
			return nil, err
		}
		res.Reset = inv
		return res, nil
	case c.Action == "erase":
		if utf8.RuneCountInString(strings.TrimSpace(c.Reason)) < 10 {
			return nil, fieldError("reason", "give the reason for erasing this account (at least 10 characters)")
		}
		return res, s.erase(ctx, a, rec, "admin.user.erase", c.Reason)
	default:
		return nil, fieldError("action", "action must be reset_mfa, unlock, reset_link or erase")
	}
	ev := s.event(a, a.Request, action, "", userID, bptracker.OutcomeSuccess)
	if err := s.updateUser(ctx, rec, sec, ev); err != nil {
		return nil, err
	}
	if rec.Status != bptracker.UserActive || c.Role != nil || c.Action == "reset_mfa" {
		// Disabling (or changing what an account may do) ends its sessions
		// at once.
		if err := s.endSessions(ctx, a, userID, "session.revoked"); err != nil {
			return nil, err
		}
	}
	u, _, err = s.openUser(ctx, rec)
	if err != nil {
		return nil, err
	}
	res.User = &UserSummary{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, Status: u.Status, MFAEnabled: rec.MFAEnabled,
		Locked: s.cfg.Now().Before(rec.LockedUntil), CreatedAt: rec.CreatedAt}
	return res, nil
}

// resetLink creates a single-use password reset link for an account.
func (s *Service) resetLink(ctx context.Context, a *Actor, u *bptracker.User) (*InvitationView, error) {
	now := s.cfg.Now().UTC()
	code, hash := token()
	sealed, err := s.keys.SealJSON(ctx, a.User.ID, fieldInvite, u.Email)
	if err != nil {
		return nil, err
	}
	inv := &bptracker.Invitation{CodeHash: hash, Kind: "reset", UserID: u.ID, Role: u.Role, Sealed: sealed, CreatedBy: a.User.ID,
		CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour)}
	if err := s.store.CreateInvitation(ctx, inv, s.event(a, a.Request, "password.reset_link", "", u.ID, bptracker.OutcomeSuccess)); err != nil {
		return nil, err
	}
	return &InvitationView{ID: hash[:16], Code: code, Email: u.Email, Role: u.Role, ExpiresAt: inv.ExpiresAt}, nil
}

// ProviderResetLink lets a provider make a reset link for one of their
// patients (one with a live grant to them).
func (s *Service) ProviderResetLink(ctx context.Context, a *Actor, patientID string) (*InvitationView, error) {
	if _, err := s.authorize(ctx, a, bptracker.ActionResetLink, patientID); err != nil {
		return nil, err
	}
	p, err := s.patient(ctx, a, patientID)
	if err != nil {
		return nil, err
	}
	return s.resetLink(ctx, a, p)
}

// resetAnswerTime is how long a reset request takes whatever happens, so
// the answer's timing does not tell whether an account exists. The mail is
// sent within it (a relay slower than resetMailTime fails the send, which
// is logged and audited) rather than after the answer: on Lambda nothing
// runs once the answer is given.
const (
	resetAnswerTime = 3 * time.Second
	resetMailTime   = resetAnswerTime - 500*time.Millisecond
)

// RequestReset emails a reset link to the address if it has an active
// account. The answer is the same either way; only the audit trail and the
// mailbox know the difference.
func (s *Service) RequestReset(ctx context.Context, req Request, email string, linkFor func(code string) string) error {
	if s.cfg.Mailer == nil {
		return bptracker.Errorf(bptracker.ENOTIMPLEMENTED, "password reset by email is not set up here; ask your practice for a reset link")
	}
	start := time.Now()
	defer func() {
		select {
		case <-time.After(time.Until(start.Add(resetAnswerTime))):
		case <-ctx.Done():
		}
	}()
	ev := s.event(nil, req, "password.reset_request", "", "", bptracker.OutcomeFailure)
	rec, err := s.store.FindUserByEmailIndex(ctx, s.keys.EmailIndex(email))
	if err != nil || rec.Status != bptracker.UserActive || rec.PasswordHash == "" && rec.ExternalID == "" {
		return s.audit(ctx, ev)
	}
	u, _, err := s.openUser(ctx, rec)
	if err != nil {
		return err
	}
	inv, err := s.resetLink(ctx, &Actor{User: u, Request: req}, u)
	if err != nil {
		return err
	}
	body := "Someone (we hope you) asked to reset the password of your BP Tracker account.\n\n" +
		"Open this link within 24 hours to choose a new password:\n" + linkFor(inv.Code) + "\n\n" +
		"If you did not ask, ignore this message: your password stays as it is."
	mctx, cancel := context.WithDeadline(ctx, start.Add(resetMailTime))
	defer cancel()
	if err := s.cfg.Mailer.Send(mctx, u.Email, "Reset your BP Tracker password", body); err != nil {
		// A relay's reply may quote the address: keep it out of the log.
		s.log.Error("reset mail not sent", "user", u.ID, "request_id", req.RequestID,
			"err", strings.ReplaceAll(err.Error(), u.Email, "<address>"))
		ev.ResourceID, ev.ActorID, ev.Detail = u.ID, u.ID, "mail not sent"
		return s.audit(ctx, ev)
	}
	ev.ResourceID, ev.ActorID, ev.Outcome = u.ID, u.ID, bptracker.OutcomeSuccess
	return s.audit(ctx, ev)
}

// ResetPassword uses a reset link. The TOTP enrolment stays.
func (s *Service) ResetPassword(ctx context.Context, req Request, code, pw string) error {
	inv, err := s.store.FindInvitation(ctx, HashToken(code))
	now := s.cfg.Now()
	if err != nil || inv.Kind != "reset" || inv.UsedAt != nil || !now.Before(inv.ExpiresAt) {
		return bptracker.Errorf(bptracker.ENOTFOUND, "this reset link is not valid: it may have been used or have expired")
	}
	if err := password.Check("password", pw); err != nil {
		return err
	}
	if err := s.idp.SetPassword(ctx, inv.UserID, pw); err != nil {
		return err
	}
	ev := s.event(nil, req, "password.reset", "", inv.UserID, bptracker.OutcomeSuccess)
	ev.ActorID = inv.UserID
	if err := s.store.UseInvitation(ctx, inv.CodeHash, now.UTC(), ev); err != nil {
		return bptracker.Errorf(bptracker.ENOTFOUND, "this reset link is not valid: it may have been used or have expired")
	}
	return nil
}

// SearchAudit lets admins review the trail.
func (s *Service) SearchAudit(ctx context.Context, a *Actor, f bptracker.AuditFilter) ([]*bptracker.AuditEvent, string, error) {
	if err := s.authorizeService(ctx, a, bptracker.ActionAdminAudit); err != nil {
		return nil, "", err
	}
	evs, next, err := s.store.FindAuditEvents(ctx, f)
	if err != nil {
		return nil, "", err
	}
	ev := s.event(a, a.Request, "admin.audit.search", "", "", bptracker.OutcomeSuccess)
	ev.Detail = fmt.Sprintf("count=%d", len(evs))
	return evs, next, s.audit(ctx, ev)
}

// OpenBreakGlass gives an admin read access to one patient for at most an
// hour, with a written reason that the patient sees.
func (s *Service) OpenBreakGlass(ctx context.Context, a *Actor, patientID, reason string) (*bptracker.BreakGlass, error) {
	if err := s.authorizeService(ctx, a, bptracker.ActionBreakGlass); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if n := utf8.RuneCountInString(reason); n < 10 || n > 1000 {
		return nil, fieldError("reason", "write the reason for emergency access (10 to 1,000 characters); the patient will see it")
	}
	p, err := s.store.FindUserByID(ctx, patientID)
	if err != nil || p.Role != bptracker.RolePatient || p.Status == bptracker.UserErased {
		return nil, fieldError("patient_id", "no patient has this id")
	}
	now := s.cfg.Now().UTC()
	b := &bptracker.BreakGlass{ID: s.cfg.NewID(), AdminID: a.User.ID, PatientID: patientID, Reason: reason, CreatedAt: now, ExpiresAt: now.Add(bptracker.BreakGlassMax)}
	ev := s.event(a, a.Request, "breakglass.open", patientID, b.ID, bptracker.OutcomeSuccess)
	ev.Via, ev.Detail = "break-glass:"+b.ID, "reason recorded with the access"
	if err := s.store.CreateBreakGlass(ctx, b, ev); err != nil {
		return nil, err
	}
	return b, nil
}

// BreakGlassList lists break-glass accesses (all of them, for admins).
func (s *Service) BreakGlassList(ctx context.Context, a *Actor) ([]*bptracker.BreakGlass, error) {
	if err := s.authorizeService(ctx, a, bptracker.ActionBreakGlass); err != nil {
		return nil, err
	}
	bs, err := s.store.FindBreakGlass(ctx, bptracker.BreakGlassFilter{})
	if bs == nil {
		bs = []*bptracker.BreakGlass{}
	}
	return bs, err
}

// CloseBreakGlass ends a break-glass access early.
func (s *Service) CloseBreakGlass(ctx context.Context, a *Actor, id string) error {
	if err := s.authorizeService(ctx, a, bptracker.ActionBreakGlass); err != nil {
		return err
	}
	b, err := s.store.FindBreakGlassByID(ctx, id)
	if err != nil {
		return err
	}
	if b.ClosedAt != nil {
		return nil
	}
	now := s.cfg.Now().UTC()
	b.ClosedAt = &now
	ev := s.event(a, a.Request, "breakglass.close", b.PatientID, b.ID, bptracker.OutcomeSuccess)
	ev.Via = "break-glass:" + b.ID
	return s.store.UpdateBreakGlass(ctx, b, ev)
}

// EraseMe erases the caller's account after they confirm with their
// password and a current TOTP code.
func (s *Service) EraseMe(ctx context.Context, a *Actor, pw, code string) error {
	step, err := s.idp.BeginSignIn(ctx, a.User.Email, pw)
	if err == nil && step.UserID == a.User.ID && step.Next == "mfa" {
		var res *bptracker.SignInResult
		if res, err = s.idp.FinishSignIn(ctx, step, code); err == nil && res.Tokens != "" {
			// The check signed in once more: end that sign-in at once.
			if err := s.idp.SignOut(ctx, res.Tokens); err != nil {
				s.log.Error("erasure check: sign-out failed", "user", a.User.ID, "request_id", a.Request.RequestID, "err", err)
			}
		}
	} else if err == nil {
		err = errBadCredentials()
	}
	if err != nil {
		return fieldError("password", "the password or code is not right")
	}
	if _, err := s.authorize(ctx, a, bptracker.ActionEraseAccount, a.User.ID); err != nil && a.User.Role == bptracker.RolePatient {
		return err
	}
	rec, err := s.store.FindUserByID(ctx, a.User.ID)
	if err != nil {
		return err
	}
	return s.erase(ctx, a, rec, "account.erase", "")
}

// erase ends sessions and grants, destroys the data key (so every sealed
// field is unreadable, in backups too) and marks the account erased. The
// audit trail keeps its events, which hold no health values.
func (s *Service) erase(ctx context.Context, a *Actor, rec *bptracker.UserRecord, action, reason string) error {
	if err := s.endSessions(ctx, a, rec.ID, "session.revoked"); err != nil {
		return err
	}
	now := s.cfg.Now().UTC()
	for _, f := range []bptracker.GrantFilter{{PatientID: rec.ID}, {GranteeID: rec.ID}} {
		gs, err := s.store.FindGrants(ctx, f)
		if err != nil {
			return err
		}
		for _, g := range gs {
			if g.RevokedAt == nil {
				g.RevokedAt = &now
				if err := s.store.UpdateGrant(ctx, g, s.event(a, a.Request, "grant.revoke", g.PatientID, g.ID, bptracker.OutcomeSuccess)); err != nil {
					return err
				}
			}
		}
	}
	ev := s.event(a, a.Request, action, rec.ID, rec.ID, bptracker.OutcomeSuccess)
	if reason != "" {
		ev.Detail = "reason: " + truncate(reason, 500)
	}
	if rec.Role != bptracker.RolePatient {
		ev.PatientID = ""
	}
	// The provider's copy of the email goes first: if that fails the
	// erasure stops here and can be run again.
	if err := s.idp.DeleteAccount(ctx, rec.ID); err != nil {
		return err
	}
	if err := s.keys.Destroy(ctx, rec.ID, ev); err != nil && bptracker.ErrorCode(err) != bptracker.ENOTFOUND {
		return err
	}
	// The email index goes too, so the address can sign up again.
	rec.Status, rec.Sealed, rec.PasswordHash, rec.EmailIndex = bptracker.UserErased, nil, "", "erased:"+rec.ID
	rec.MFAEnabled = false
	return s.updateUser(ctx, rec, nil, nil)
}
