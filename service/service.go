// Package service is the one implementation of the tracker's rules above
// the stores: access control (through bptracker.Decide), validation, the
// audit trail and field encryption. The http package calls it; stores only
// persist.
package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"time"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/keyring"
	"github.com/google/uuid"
)

// Config holds the service's settings and its sources of time and ids.
type Config struct {
	IdleTimeout     time.Duration // automatic logoff after inactivity
	SessionLifetime time.Duration // absolute session lifetime
	AllowSignup     bool          // patients may create their own accounts
	// PendingLifetime bounds the gap between the password and the MFA step.
	PendingLifetime time.Duration
	InviteLifetime  time.Duration
	Now             func() time.Time
	NewID           func() string
	Logger          *slog.Logger
	// Mailer sends reset links when set; without it, resets go through
	// links that an admin or provider passes on.
	Mailer Mailer
	// Background lets the service finish import jobs on its own (a
	// long-running server); without it (Lambda) the callers' requests do.
	Background bool
}

// Mailer sends one plain-text email.
type Mailer interface {
	Send(ctx context.Context, to, subject, body string) error
}

// DefaultConfig returns the documented defaults.
func DefaultConfig() Config {
	return Config{
		IdleTimeout:     15 * time.Minute,
		SessionLifetime: 12 * time.Hour,
		PendingLifetime: 5 * time.Minute,
		InviteLifetime:  7 * 24 * time.Hour,
		Now:             time.Now,
		NewID:           func() string { return uuid.Must(uuid.NewV7()).String() },
		Logger:          slog.Default(),
	}
}

// Service is the application.
type Service struct {
	store bptracker.Store
	keys  *keyring.Keyring
	idp   bptracker.IdentityProvider
	cfg   Config
	log   *slog.Logger
}

// New returns a service over store. idp checks passwords and codes; nil
// means the built-in accounts kept in the store.
func New(store bptracker.Store, keys *keyring.Keyring, idp bptracker.IdentityProvider, cfg Config) *Service {
	s := &Service{store: store, keys: keys, cfg: cfg, log: cfg.Logger}
	if s.log == nil {
		s.log = slog.Default()
	}
	if idp == nil {
		idp = &Builtin{s: s}
	}
	s.idp = idp
	return s
}

// Config returns the service's settings.
func (s *Service) Config() Config { return s.cfg }

// Request describes where a call came from, for the audit trail.
type Request struct {
	SourceIP  string
	UserAgent string
	RequestID string
}

// Actor is the signed-in caller of a request.
type Actor struct {
	User    *bptracker.User
	Session *bptracker.Session
	Request
}

// System returns an actor for command-line tools run by the operator.
func System(req Request) *Actor {
	return &Actor{User: &bptracker.User{ID: "system", Role: bptracker.RoleAdmin, Name: "system"}, Request: req}
}

func (a *Actor) id() string {
	if a == nil || a.User == nil {
		return ""
	}
	return a.User.ID
}

func (a *Actor) role() bptracker.Role {
	if a == nil || a.User == nil {
		return ""
	}
	return a.User.Role
}

// event starts an audit event for the actor; the caller fills the rest.
func (s *Service) event(a *Actor, req Request, action, patientID, resourceID, outcome string) *bptracker.AuditEvent {
	return &bptracker.AuditEvent{
		ID: s.cfg.NewID(), Time: s.cfg.Now().UTC(), ActorID: a.id(), ActorRole: a.role(),
		Action: action, PatientID: patientID, ResourceID: resourceID, Outcome: outcome,
		SourceIP: req.SourceIP, UserAgent: truncate(req.UserAgent, 256), RequestID: req.RequestID,
	}
}

// audit appends a standalone event (reads, denials, sign-in events). The
// caller fails the request when it errors: no audit, no access.
func (s *Service) audit(ctx context.Context, ev *bptracker.AuditEvent) error {
	if err := s.store.AppendAudit(ctx, ev); err != nil {
		s.log.Error("audit write failed", "action", ev.Action, "request_id", ev.RequestID, "err", err)
		return fmt.Errorf("write audit event: %w", err)
	}
	s.log.Info("audit", "action", ev.Action, "outcome", ev.Outcome, "actor", ev.ActorID, "patient", ev.PatientID,
		"resource", ev.ResourceID, "request_id", ev.RequestID)
	return nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// token returns a fresh 256-bit random token (hex) and its SHA-256 hash,
// the only form the store keeps.
func token() (tok, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	tok = hex.EncodeToString(b)
	return tok, HashToken(tok)
}

// HashToken hashes a session id, invitation code or reset code.
func HashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// notFound is the answer to a record the caller may not see, so that ids
// cannot be probed.
func notFound() error { return bptracker.Errorf(bptracker.ENOTFOUND, "not found") }

// AuditOriginDenied records a request refused because it did not come
// through CloudFront (the origin secret did not match).
func (s *Service) AuditOriginDenied(ctx context.Context, req Request) error {
	return s.audit(ctx, s.event(nil, req, "request.origin_denied", "", "", bptracker.OutcomeDenied))
}
