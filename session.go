package bptracker

import (
	"context"
	"time"
)

// SessionState is how far a session got through sign-in.
type SessionState string

const (
	// SessionPendingMFA has passed the password and waits for a TOTP code.
	SessionPendingMFA SessionState = "pending_mfa"
	SessionActive     SessionState = "active"
)

// Session is a server-side session. The browser holds the random id; the
// store holds only its hash.
type Session struct {
	IDHash    string       `json:"-"`
	UserID    string       `json:"user_id"`
	State     SessionState `json:"state"`
	CreatedAt time.Time    `json:"created_at"`
	LastSeen  time.Time    `json:"last_seen"`
	ExpiresAt time.Time    `json:"expires_at"` // absolute lifetime
	SourceIP  string       `json:"source_ip"`
	UserAgent string       `json:"user_agent"`
	// Sealed carries sign-in state between the password and MFA steps (a
	// TOTP secret being enrolled, an identity provider's challenge).
	Sealed []byte `json:"-"`
}

// SessionStore persists sessions.
type SessionStore interface {
	CreateSession(ctx context.Context, s *Session) error
	FindSession(ctx context.Context, idHash string) (*Session, error)
	// TouchSession records activity; callers write at most once a minute.
	TouchSession(ctx context.Context, idHash string, lastSeen time.Time) error
	DeleteSession(ctx context.Context, idHash string) error
	FindUserSessions(ctx context.Context, userID string) ([]*Session, error)
	DeleteUserSessions(ctx context.Context, userID string) error
}
