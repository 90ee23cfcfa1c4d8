package bptracker

import (
	"context"
	"time"
)

// Role is what a user is to the service.
type Role string

const (
	RolePatient   Role = "patient"
	RoleCaregiver Role = "caregiver"
	RoleProvider  Role = "provider"
	RoleAdmin     Role = "admin"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	switch r {
	case RolePatient, RoleCaregiver, RoleProvider, RoleAdmin:
		return true
	}
	return false
}

// UserStatus is whether an account may sign in.
type UserStatus string

const (
	UserActive   UserStatus = "active"
	UserDisabled UserStatus = "disabled"
	UserErased   UserStatus = "erased"
)

// User is an account, decrypted. Patients' readings are keyed by their id.
type User struct {
	ID         string     `json:"id"`
	Email      string     `json:"email"`
	Name       string     `json:"name"`
	Role       Role       `json:"role"`
	Status     UserStatus `json:"status"`
	TimeZone   string     `json:"time_zone"`
	Guideline  Guideline  `json:"guideline"`
	Target     Target     `json:"target"`
	MFAEnabled bool       `json:"mfa_enabled"`
	CreatedAt  time.Time  `json:"created_at"`
}

// UserSecrets is the part of an account sealed with the user's data key.
type UserSecrets struct {
	Email      string    `json:"email"`
	Name       string    `json:"name,omitempty"`
	TimeZone   string    `json:"time_zone,omitempty"`
	Guideline  Guideline `json:"guideline,omitempty"`
	Target     *Target   `json:"target,omitempty"`
	TOTPSecret string    `json:"totp_secret,omitempty"`
	// RecoveryCodes holds hashes of the unused one-time recovery codes.
	RecoveryCodes []string `json:"recovery_codes,omitempty"`
	// PendingTOTPSecret is a new secret being enrolled by a signed-in user
	// replacing their authenticator; it takes over once confirmed.
	PendingTOTPSecret string `json:"pending_totp_secret,omitempty"`
}

// UserRecord is an account as a store keeps it.
type UserRecord struct {
	ID     string
	Role   Role
	Status UserStatus
	// EmailIndex is a keyed hash of the normalised email: accounts are found
	// by it without storing the address in clear.
	EmailIndex   string
	PasswordHash string // argon2id, PHC string format; "" for external identities
	ExternalID   string // the identity provider's subject (Cognito sub), if any
	MFAEnabled   bool
	// TOTPLastStep is the last accepted TOTP time step: a code is good once.
	TOTPLastStep   int64
	FailedAttempts int
	LockedUntil    time.Time
	Sealed         []byte
	Version        int
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// UserFilter selects accounts for the admin console.
type UserFilter struct {
	Role   Role
	Status UserStatus
	Limit  int
	Cursor string
}

// UserStore persists accounts.
type UserStore interface {
	FindUserByID(ctx context.Context, id string) (*UserRecord, error)
	FindUserByEmailIndex(ctx context.Context, emailIndex string) (*UserRecord, error)
	FindUsers(ctx context.Context, filter UserFilter) ([]*UserRecord, string, error)
	// CreateUser stores a new account; an email index in use is ECONFLICT.
	CreateUser(ctx context.Context, u *UserRecord, ev *AuditEvent) error
	// UpdateUser replaces the account whose stored version is u.Version-1;
	// any other version is ECONFLICT.
	UpdateUser(ctx context.Context, u *UserRecord, ev *AuditEvent) error
}
