package bptracker_test

import (
	"testing"
	"time"

	"github.com/bptracker/bptracker"
)

// TestDecide states the rules of DESIGN.md cell by cell, independently of
// the code that implements them.
func TestDecide(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	past, future := now.Add(-time.Minute), now.Add(time.Minute)
	grant := func(role bptracker.Role, access bptracker.Access) *bptracker.Grant {
		return &bptracker.Grant{ID: "g", Role: role, Access: access}
	}
	self := bptracker.Relation{Self: true}
	none := bptracker.Relation{}
	provRead := bptracker.Relation{Grant: grant(bptracker.RoleProvider, bptracker.AccessRead)}
	careRead := bptracker.Relation{Grant: grant(bptracker.RoleCaregiver, bptracker.AccessRead)}
	careWrite := bptracker.Relation{Grant: grant(bptracker.RoleCaregiver, bptracker.AccessWrite)}
	expired := bptracker.Relation{Grant: &bptracker.Grant{Role: bptracker.RoleProvider, Access: bptracker.AccessWrite, ExpiresAt: &past}}
	revoked := bptracker.Relation{Grant: &bptracker.Grant{Role: bptracker.RoleCaregiver, Access: bptracker.AccessWrite, RevokedAt: &past}}
	bg := bptracker.Relation{BreakGlass: &bptracker.BreakGlass{ID: "b", ExpiresAt: future}}
	bgOver := bptracker.Relation{BreakGlass: &bptracker.BreakGlass{ID: "b", ExpiresAt: past}}
	const (
		P, C, V, A = bptracker.RolePatient, bptracker.RoleCaregiver, bptracker.RoleProvider, bptracker.RoleAdmin
	)
	for _, tc := range []struct {
		name   string
		role   bptracker.Role
		action bptracker.Action
		rel    bptracker.Relation
		want   bool
	}{
		{"patient reads own", P, bptracker.ActionReadHealth, self, true},
		{"patient writes own", P, bptracker.ActionWriteHealth, self, true},
		{"patient shares own", P, bptracker.ActionShare, self, true},
		{"patient reads own access log", P, bptracker.ActionAccessLog, self, true},
		{"patient erases own", P, bptracker.ActionEraseAccount, self, true},
		{"patient reads another", P, bptracker.ActionReadHealth, none, false},
		{"provider without grant", V, bptracker.ActionReadHealth, none, false},
		{"provider with read grant reads", V, bptracker.ActionReadHealth, provRead, true},
		{"provider with read grant writes", V, bptracker.ActionWriteHealth, provRead, false},
		{"provider sets target", V, bptracker.ActionSetClinical, provRead, true},
		{"provider makes a reset link", V, bptracker.ActionResetLink, provRead, true},
		{"provider reads the access log", V, bptracker.ActionAccessLog, provRead, false},
		{"provider with an expired grant", V, bptracker.ActionReadHealth, expired, false},
		{"caregiver with read grant writes", C, bptracker.ActionWriteHealth, careRead, false},
		{"caregiver with write grant writes", C, bptracker.ActionWriteHealth, careWrite, true},
		{"caregiver with write grant shares", C, bptracker.ActionShare, careWrite, true},
		{"caregiver with read grant shares", C, bptracker.ActionShare, careRead, false},
		{"caregiver sets the target", C, bptracker.ActionSetClinical, careWrite, false},
		{"caregiver with a revoked grant", C, bptracker.ActionReadHealth, revoked, false},
		{"caregiver holding a provider grant", C, bptracker.ActionReadHealth, provRead, false},
		{"admin without break-glass", A, bptracker.ActionReadHealth, none, false},
		{"admin with break-glass reads", A, bptracker.ActionReadHealth, bg, true},
		{"admin with break-glass writes", A, bptracker.ActionWriteHealth, bg, false},
		{"admin after break-glass ended", A, bptracker.ActionReadHealth, bgOver, false},
		{"provider with break-glass record", V, bptracker.ActionReadHealth, bg, false},
		{"provider as self", V, bptracker.ActionReadHealth, self, false},
	} {
		if got := bptracker.Decide(tc.role, tc.action, tc.rel, now); got != tc.want {
			t.Errorf("%s: Decide = %v, want %v", tc.name, got, tc.want)
		}
	}
	for _, tc := range []struct {
		role   bptracker.Role
		action bptracker.Action
		want   bool
	}{
		{A, bptracker.ActionAdminUsers, true}, {V, bptracker.ActionAdminUsers, false}, {P, bptracker.ActionAdminAudit, false},
		{V, bptracker.ActionPanel, true}, {C, bptracker.ActionPanel, true}, {P, bptracker.ActionPanel, false}, {A, bptracker.ActionPanel, false},
		{V, bptracker.ActionInvite, true}, {P, bptracker.ActionInvite, false}, {"", bptracker.ActionOwnAccount, false},
		{A, bptracker.Action("unknown"), false},
	} {
		if got := bptracker.DecideService(tc.role, tc.action); got != tc.want {
			t.Errorf("DecideService(%s, %s) = %v, want %v", tc.role, tc.action, got, tc.want)
		}
	}
}
