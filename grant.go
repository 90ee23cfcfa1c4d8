package bptracker

import (
	"context"
	"time"
)

// Access is what a grant allows on a patient's record.
type Access string

const (
	AccessRead  Access = "read"
	AccessWrite Access = "write" // read and write
)

// Grant gives a provider or caregiver access to a patient's record.
type Grant struct {
	ID        string     `json:"id"`
	PatientID string     `json:"patient_id"`
	GranteeID string     `json:"grantee_id"`
	Role      Role       `json:"role"` // provider or caregiver
	Access    Access     `json:"access"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// Live reports whether the grant is in force at now.
func (g *Grant) Live(now time.Time) bool {
	return g.RevokedAt == nil && (g.ExpiresAt == nil || now.Before(*g.ExpiresAt))
}

// GrantFilter selects grants by patient, by grantee, or both.
type GrantFilter struct {
	PatientID string
	GranteeID string
}

// GrantStore persists grants.
type GrantStore interface {
	FindGrantByID(ctx context.Context, patientID, id string) (*Grant, error)
	FindGrants(ctx context.Context, filter GrantFilter) ([]*Grant, error)
	CreateGrant(ctx context.Context, g *Grant, ev *AuditEvent) error
	// UpdateGrant replaces a grant (revocation sets RevokedAt).
	UpdateGrant(ctx context.Context, g *Grant, ev *AuditEvent) error
}

// Invitation is a single-use code that creates an account (and a grant, when
// a patient invited a carer). The store keeps only the code's hash.
type Invitation struct {
	CodeHash       string
	Kind           string // "invite" or "reset"
	UserID         string // for password resets, the account; for invites, the id the new account takes
	Role           Role
	PatientID      string // with GrantAccess: the grant to create on acceptance
	Access         Access
	GrantExpiresAt *time.Time
	Sealed         []byte // the invitee's email, sealed
	CreatedBy      string
	CreatedAt      time.Time
	ExpiresAt      time.Time
	UsedAt         *time.Time
}

// InvitationStore persists invitations and reset links.
type InvitationStore interface {
	CreateInvitation(ctx context.Context, inv *Invitation, ev *AuditEvent) error
	FindInvitation(ctx context.Context, codeHash string) (*Invitation, error)
	FindInvitations(ctx context.Context, createdBy string) ([]*Invitation, error)
	// UseInvitation marks the invitation used at now; one already used or
	// expired is ECONFLICT, so a code works once even under concurrency.
	UseInvitation(ctx context.Context, codeHash string, now time.Time, ev *AuditEvent) error
}

// BreakGlass is an admin's emergency access to one patient.
type BreakGlass struct {
	ID        string     `json:"id"`
	AdminID   string     `json:"admin_id"`
	PatientID string     `json:"patient_id"`
	Reason    string     `json:"reason"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	ClosedAt  *time.Time `json:"closed_at,omitempty"`
}

// BreakGlassMax is the longest break-glass access lasts.
const BreakGlassMax = time.Hour

// Live reports whether the access is open at now.
func (b *BreakGlass) Live(now time.Time) bool {
	return b.ClosedAt == nil && now.Before(b.ExpiresAt)
}

// BreakGlassFilter selects break-glass accesses; empty fields match all.
type BreakGlassFilter struct {
	AdminID   string
	PatientID string
}

// BreakGlassStore persists break-glass accesses.
type BreakGlassStore interface {
	CreateBreakGlass(ctx context.Context, b *BreakGlass, ev *AuditEvent) error
	FindBreakGlassByID(ctx context.Context, id string) (*BreakGlass, error)
	// FindBreakGlass lists accesses by admin, by patient, or both.
	FindBreakGlass(ctx context.Context, filter BreakGlassFilter) ([]*BreakGlass, error)
	UpdateBreakGlass(ctx context.Context, b *BreakGlass, ev *AuditEvent) error
}
