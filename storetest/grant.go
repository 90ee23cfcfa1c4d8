package storetest

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/bptracker/bptracker"
)

// Grant returns a new read grant from patientID to granteeID.
func Grant(patientID, granteeID string) *bptracker.Grant {
	return &bptracker.Grant{
		ID:        NewID(),
		PatientID: patientID,
		GranteeID: granteeID,
		Role:      bptracker.RoleCaregiver,
		Access:    bptracker.AccessRead,
		ExpiresAt: ptr(At(30 * 24 * time.Hour)),
		CreatedBy: patientID,
		CreatedAt: Base,
	}
}

func equalTimePtr(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

func equalGrant(t testing.TB, got, want *bptracker.Grant) {
	t.Helper()
	switch {
	case got == nil:
		t.Fatalf("grant %s: got nil", want.ID)
	case got.ID != want.ID || got.PatientID != want.PatientID || got.GranteeID != want.GranteeID ||
		got.Role != want.Role || got.Access != want.Access || got.CreatedBy != want.CreatedBy:
		t.Fatalf("grant: got %+v, want %+v", *got, *want)
	case !got.CreatedAt.Equal(want.CreatedAt) || !equalTimePtr(got.ExpiresAt, want.ExpiresAt) || !equalTimePtr(got.RevokedAt, want.RevokedAt):
		t.Fatalf("grant %s times: got %v/%v/%v, want %v/%v/%v", want.ID, got.CreatedAt, got.ExpiresAt, got.RevokedAt, want.CreatedAt, want.ExpiresAt, want.RevokedAt)
	}
}

func grantIDs(t testing.TB, s bptracker.Store, f bptracker.GrantFilter) []string {
	t.Helper()
	gs, err := s.FindGrants(ctx(), f)
	must(t, "FindGrants", err)
	out := ids(gs, func(g *bptracker.Grant) string { return g.ID })
	slices.Sort(out)
	return out
}

func sortedIDs(xs ...string) []string {
	xs = slices.Clone(xs)
	slices.Sort(xs)
	return xs
}

func createGrant(t testing.TB, s bptracker.Store, g *bptracker.Grant) *bptracker.AuditEvent {
	t.Helper()
	ev := Event(g.CreatedBy, g.PatientID, "grant.create", g.ID, g.CreatedAt)
	must(t, "CreateGrant", s.CreateGrant(ctx(), g, ev))
	return ev
}

func testGrants(t *testing.T, h *harness) {
	t.Run("OK", func(t *testing.T) {
		s := h.Open(t)
		pa, pb, doc, carer := NewID(), NewID(), NewID(), NewID()
		g1 := Grant(pa, doc)
		g1.Role, g1.Access, g1.ExpiresAt = bptracker.RoleProvider, bptracker.AccessWrite, nil
		g2, g3 := Grant(pa, carer), Grant(pb, doc)
		ev := createGrant(t, s, g1)
		createGrant(t, s, g2)
		createGrant(t, s, g3)
		requireEvent(t, s, ev)

		got, err := s.FindGrantByID(ctx(), pa, g1.ID)
		must(t, "FindGrantByID", err)
		equalGrant(t, got, g1)

		if got, want := grantIDs(t, s, bptracker.GrantFilter{PatientID: pa}), sortedIDs(g1.ID, g2.ID); !slices.Equal(got, want) {
			t.Fatalf("by patient: got %v, want %v", got, want)
		}
		if got, want := grantIDs(t, s, bptracker.GrantFilter{GranteeID: doc}), sortedIDs(g1.ID, g3.ID); !slices.Equal(got, want) {
			t.Fatalf("by grantee: got %v, want %v", got, want)
		}
		if got, want := grantIDs(t, s, bptracker.GrantFilter{PatientID: pb, GranteeID: doc}), []string{g3.ID}; !slices.Equal(got, want) {
			t.Fatalf("by patient and grantee: got %v, want %v", got, want)
		}
		if got := grantIDs(t, s, bptracker.GrantFilter{PatientID: pb, GranteeID: carer}); len(got) != 0 {
			t.Fatalf("by patient and a stranger: got %v, want none", got)
		}

		// Revocation is an update; the store keeps the revoked grant.
		rev := *g2
		rev.RevokedAt = ptr(At(time.Hour))
		uev := Event(pa, pa, "grant.revoke", g2.ID, At(time.Hour))
		must(t, "UpdateGrant", s.UpdateGrant(ctx(), &rev, uev))
		got, err = s.FindGrantByID(ctx(), pa, g2.ID)
		must(t, "FindGrantByID after revoke", err)
		equalGrant(t, got, &rev)
		requireEvent(t, s, uev)
		gs, err := s.FindGrants(ctx(), bptracker.GrantFilter{GranteeID: carer})
		must(t, "FindGrants", err)
		if len(gs) != 1 {
			t.Fatalf("grants of the carer after revoke: got %d, want 1", len(gs))
		}
		equalGrant(t, gs[0], &rev)
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		s := h.Open(t)
		g := Grant(NewID(), NewID())
		createGrant(t, s, g)
		_, err := s.FindGrantByID(ctx(), g.PatientID, NewID())
		wantCode(t, "FindGrantByID of an unknown id", err, bptracker.ENOTFOUND)
		_, err = s.FindGrantByID(ctx(), NewID(), g.ID)
		wantCode(t, "FindGrantByID with another patient", err, bptracker.ENOTFOUND)
		unknown := Grant(g.PatientID, NewID())
		err = s.UpdateGrant(ctx(), unknown, Event(g.PatientID, g.PatientID, "grant.revoke", unknown.ID, Base))
		wantCode(t, "UpdateGrant of an unknown grant", err, bptracker.ENOTFOUND)
	})

	t.Run("ErrConflict", func(t *testing.T) {
		s := h.Open(t)
		g := Grant(NewID(), NewID())
		createGrant(t, s, g)
		dup := *g
		dup.GranteeID = NewID()
		err := s.CreateGrant(ctx(), &dup, Event(g.PatientID, g.PatientID, "grant.create", g.ID, Base))
		wantCode(t, "CreateGrant with an id in use", err, bptracker.ECONFLICT)
		got, err := s.FindGrantByID(ctx(), g.PatientID, g.ID)
		must(t, "FindGrantByID", err)
		equalGrant(t, got, g)
	})
}

// Invitation returns a new invitation created by createdBy.
func Invitation(t testing.TB, createdBy string) *bptracker.Invitation {
	return &bptracker.Invitation{
		CodeHash:       NewID(),
		Kind:           "invite",
		UserID:         NewID(),
		Role:           bptracker.RoleCaregiver,
		PatientID:      createdBy,
		Access:         bptracker.AccessRead,
		GrantExpiresAt: ptr(At(90 * 24 * time.Hour)),
		Sealed:         randomBytes(t, 60),
		CreatedBy:      createdBy,
		CreatedAt:      Base,
		ExpiresAt:      At(72 * time.Hour),
	}
}

func equalInvitation(t testing.TB, got, want *bptracker.Invitation) {
	t.Helper()
	switch {
	case got == nil:
		t.Fatalf("invitation %s: got nil", want.CodeHash)
	case got.CodeHash != want.CodeHash || got.Kind != want.Kind || got.UserID != want.UserID || got.Role != want.Role ||
		got.PatientID != want.PatientID || got.Access != want.Access || got.CreatedBy != want.CreatedBy:
		t.Fatalf("invitation: got %+v, want %+v", *got, *want)
	case !bytes.Equal(got.Sealed, want.Sealed):
		t.Fatalf("invitation %s Sealed: got %x, want %x", want.CodeHash, got.Sealed, want.Sealed)
	case !got.CreatedAt.Equal(want.CreatedAt) || !got.ExpiresAt.Equal(want.ExpiresAt) ||
		!equalTimePtr(got.GrantExpiresAt, want.GrantExpiresAt) || !equalTimePtr(got.UsedAt, want.UsedAt):
		t.Fatalf("invitation %s times: got %v/%v/%v/%v, want %v/%v/%v/%v", want.CodeHash,
			got.CreatedAt, got.ExpiresAt, got.GrantExpiresAt, got.UsedAt, want.CreatedAt, want.ExpiresAt, want.GrantExpiresAt, want.UsedAt)
	}
}

func createInvitation(t testing.TB, s bptracker.Store, inv *bptracker.Invitation) *bptracker.AuditEvent {
	t.Helper()
	ev := Event(inv.CreatedBy, inv.PatientID, "invitation.create", inv.UserID, inv.CreatedAt)
	must(t, "CreateInvitation", s.CreateInvitation(ctx(), inv, ev))
	return ev
}

func testInvitations(t *testing.T, h *harness) {
	t.Run("OK", func(t *testing.T) {
		s := h.Open(t)
		p := NewID()
		a, b := Invitation(t, p), Invitation(t, p)
		b.Kind, b.PatientID, b.GrantExpiresAt, b.Sealed = "reset", "", nil, nil
		other := Invitation(t, NewID())
		ev := createInvitation(t, s, a)
		createInvitation(t, s, b)
		createInvitation(t, s, other)
		requireEvent(t, s, ev)

		got, err := s.FindInvitation(ctx(), a.CodeHash)
		must(t, "FindInvitation", err)
		equalInvitation(t, got, a)
		invs, err := s.FindInvitations(ctx(), p)
		must(t, "FindInvitations", err)
		if got, want := sortedIDs(ids(invs, func(i *bptracker.Invitation) string { return i.CodeHash })...), sortedIDs(a.CodeHash, b.CodeHash); !slices.Equal(got, want) {
			t.Fatalf("FindInvitations: got %v, want %v", got, want)
		}

		uev := Event("", p, "invitation.accept", a.UserID, At(time.Hour))
		must(t, "UseInvitation", s.UseInvitation(ctx(), a.CodeHash, At(time.Hour), uev))
		want := *a
		want.UsedAt = ptr(At(time.Hour))
		got, err = s.FindInvitation(ctx(), a.CodeHash)
		must(t, "FindInvitation after use", err)
		equalInvitation(t, got, &want)
		requireEvent(t, s, uev)

		err = s.UseInvitation(ctx(), a.CodeHash, At(2*time.Hour), Event("", p, "invitation.accept", a.UserID, At(2*time.Hour)))
		wantCode(t, "UseInvitation a second time", err, bptracker.ECONFLICT)
		got, err = s.FindInvitation(ctx(), a.CodeHash)
		must(t, "FindInvitation after a second use", err)
		equalInvitation(t, got, &want)
	})

	t.Run("Expired", func(t *testing.T) {
		s := h.Open(t)
		inv := Invitation(t, NewID())
		createInvitation(t, s, inv)
		err := s.UseInvitation(ctx(), inv.CodeHash, inv.ExpiresAt, Event("", inv.PatientID, "invitation.accept", inv.UserID, inv.ExpiresAt))
		wantCode(t, "UseInvitation at its expiry", err, bptracker.ECONFLICT)
		got, err := s.FindInvitation(ctx(), inv.CodeHash)
		must(t, "FindInvitation", err)
		if got.UsedAt != nil {
			t.Fatalf("UsedAt of an expired invitation: got %v, want nil", got.UsedAt)
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		s := h.Open(t)
		inv := Invitation(t, NewID())
		createInvitation(t, s, inv)
		errs := concurrently(8, func(i int) error {
			return s.UseInvitation(ctx(), inv.CodeHash, At(time.Hour), Event("", inv.PatientID, "invitation.accept", inv.UserID, At(time.Hour)))
		})
		if codes := countCodes(errs); codes[""] != 1 || codes[bptracker.ECONFLICT] != 7 {
			t.Fatalf("concurrent uses of one code: got %s, want one success and 7 conflicts", fmtCodes(codes))
		}
		if _, err := bptracker.VerifyAudit(ctx(), s); err != nil {
			t.Fatalf("VerifyAudit: %v", err)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		s := h.Open(t)
		_, err := s.FindInvitation(ctx(), NewID())
		wantCode(t, "FindInvitation", err, bptracker.ENOTFOUND)
		err = s.UseInvitation(ctx(), NewID(), Base, Event("", "", "invitation.accept", "", Base))
		wantCode(t, "UseInvitation of an unknown code", err, bptracker.ENOTFOUND)
		invs, err := s.FindInvitations(ctx(), NewID())
		must(t, "FindInvitations", err)
		if len(invs) != 0 {
			t.Fatalf("FindInvitations of a stranger: got %d, want 0", len(invs))
		}
	})

	t.Run("ErrConflict", func(t *testing.T) {
		s := h.Open(t)
		inv := Invitation(t, NewID())
		createInvitation(t, s, inv)
		dup := *inv
		dup.UserID = NewID()
		err := s.CreateInvitation(ctx(), &dup, Event(inv.CreatedBy, inv.PatientID, "invitation.create", dup.UserID, Base))
		wantCode(t, "CreateInvitation with a code in use", err, bptracker.ECONFLICT)
		got, err := s.FindInvitation(ctx(), inv.CodeHash)
		must(t, "FindInvitation", err)
		equalInvitation(t, got, inv)
	})
}

// BreakGlass returns a new break-glass access of admin to patient.
func BreakGlass(adminID, patientID string) *bptracker.BreakGlass {
	return &bptracker.BreakGlass{
		ID:        NewID(),
		AdminID:   adminID,
		PatientID: patientID,
		Reason:    "ticket 42: patient locked out during a clinic visit",
		CreatedAt: Base,
		ExpiresAt: At(bptracker.BreakGlassMax),
	}
}

func equalBreakGlass(t testing.TB, got, want *bptracker.BreakGlass) {
	t.Helper()
	switch {
	case got == nil:
		t.Fatalf("break-glass %s: got nil", want.ID)
	case got.ID != want.ID || got.AdminID != want.AdminID || got.PatientID != want.PatientID || got.Reason != want.Reason:
		t.Fatalf("break-glass: got %+v, want %+v", *got, *want)
	case !got.CreatedAt.Equal(want.CreatedAt) || !got.ExpiresAt.Equal(want.ExpiresAt) || !equalTimePtr(got.ClosedAt, want.ClosedAt):
		t.Fatalf("break-glass %s times: got %v/%v/%v, want %v/%v/%v", want.ID, got.CreatedAt, got.ExpiresAt, got.ClosedAt, want.CreatedAt, want.ExpiresAt, want.ClosedAt)
	}
}

func breakGlassIDs(t testing.TB, s bptracker.Store, f bptracker.BreakGlassFilter) []string {
	t.Helper()
	bs, err := s.FindBreakGlass(ctx(), f)
	must(t, "FindBreakGlass", err)
	return sortedIDs(ids(bs, func(b *bptracker.BreakGlass) string { return b.ID })...)
}

func testBreakGlass(t *testing.T, h *harness) {
	t.Run("OK", func(t *testing.T) {
		s := h.Open(t)
		a1, a2, pa, pb := NewID(), NewID(), NewID(), NewID()
		b1, b2, b3 := BreakGlass(a1, pa), BreakGlass(a1, pb), BreakGlass(a2, pa)
		var evs []*bptracker.AuditEvent
		for _, b := range []*bptracker.BreakGlass{b1, b2, b3} {
			ev := Event(b.AdminID, b.PatientID, "breakglass.open", b.ID, b.CreatedAt)
			must(t, "CreateBreakGlass", s.CreateBreakGlass(ctx(), b, ev))
			evs = append(evs, ev)
		}
		requireEvent(t, s, evs[0])
		got, err := s.FindBreakGlassByID(ctx(), b1.ID)
		must(t, "FindBreakGlassByID", err)
		equalBreakGlass(t, got, b1)

		tests := []struct {
			name   string
			filter bptracker.BreakGlassFilter
			want   []string
		}{
			{"Admin", bptracker.BreakGlassFilter{AdminID: a1}, sortedIDs(b1.ID, b2.ID)},
			{"Patient", bptracker.BreakGlassFilter{PatientID: pa}, sortedIDs(b1.ID, b3.ID)},
			{"Both", bptracker.BreakGlassFilter{AdminID: a2, PatientID: pa}, []string{b3.ID}},
			{"All", bptracker.BreakGlassFilter{}, sortedIDs(b1.ID, b2.ID, b3.ID)},
			{"None", bptracker.BreakGlassFilter{AdminID: a2, PatientID: pb}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if got := breakGlassIDs(t, s, tt.filter); !slices.Equal(got, tt.want) {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
			})
		}

		closed := *b1
		closed.ClosedAt = ptr(At(20 * time.Minute))
		ev := Event(a1, pa, "breakglass.close", b1.ID, At(20*time.Minute))
		must(t, "UpdateBreakGlass", s.UpdateBreakGlass(ctx(), &closed, ev))
		got, err = s.FindBreakGlassByID(ctx(), b1.ID)
		must(t, "FindBreakGlassByID after close", err)
		equalBreakGlass(t, got, &closed)
		requireEvent(t, s, ev)
		bs, err := s.FindBreakGlass(ctx(), bptracker.BreakGlassFilter{PatientID: pa, AdminID: a1})
		must(t, "FindBreakGlass", err)
		if len(bs) != 1 {
			t.Fatalf("FindBreakGlass after close: got %d, want 1", len(bs))
		}
		equalBreakGlass(t, bs[0], &closed)
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		s := h.Open(t)
		_, err := s.FindBreakGlassByID(ctx(), NewID())
		wantCode(t, "FindBreakGlassByID", err, bptracker.ENOTFOUND)
		b := BreakGlass(NewID(), NewID())
		err = s.UpdateBreakGlass(ctx(), b, Event(b.AdminID, b.PatientID, "breakglass.close", b.ID, Base))
		wantCode(t, "UpdateBreakGlass of an unknown access", err, bptracker.ENOTFOUND)
	})
}
