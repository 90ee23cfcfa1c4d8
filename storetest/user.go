package storetest

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/bptracker/bptracker"
)

// User returns a new version-1 account.
func User(t testing.TB, role bptracker.Role) *bptracker.UserRecord {
	return &bptracker.UserRecord{
		ID:           NewID(),
		Role:         role,
		Status:       bptracker.UserActive,
		EmailIndex:   NewID(),
		PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
		Sealed:       randomBytes(t, 96),
		Version:      1,
		CreatedAt:    Base,
		UpdatedAt:    Base,
	}
}

func equalUser(t testing.TB, got, want *bptracker.UserRecord) {
	t.Helper()
	switch {
	case got == nil:
		t.Fatalf("user %s: got nil", want.ID)
	case got.ID != want.ID || got.Role != want.Role || got.Status != want.Status || got.EmailIndex != want.EmailIndex:
		t.Fatalf("user: got %s/%s/%s/%s, want %s/%s/%s/%s", got.ID, got.Role, got.Status, got.EmailIndex, want.ID, want.Role, want.Status, want.EmailIndex)
	case got.PasswordHash != want.PasswordHash || got.ExternalID != want.ExternalID:
		t.Fatalf("user %s credentials: got %q/%q, want %q/%q", want.ID, got.PasswordHash, got.ExternalID, want.PasswordHash, want.ExternalID)
	case got.MFAEnabled != want.MFAEnabled || got.TOTPLastStep != want.TOTPLastStep || got.FailedAttempts != want.FailedAttempts:
		t.Fatalf("user %s MFA state: got %v/%d/%d, want %v/%d/%d", want.ID, got.MFAEnabled, got.TOTPLastStep, got.FailedAttempts, want.MFAEnabled, want.TOTPLastStep, want.FailedAttempts)
	case !got.LockedUntil.Equal(want.LockedUntil):
		t.Fatalf("user %s LockedUntil: got %v, want %v", want.ID, got.LockedUntil, want.LockedUntil)
	case !bytes.Equal(got.Sealed, want.Sealed):
		t.Fatalf("user %s Sealed: got %x, want %x", want.ID, got.Sealed, want.Sealed)
	case got.Version != want.Version:
		t.Fatalf("user %s Version: got %d, want %d", want.ID, got.Version, want.Version)
	case !got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt):
		t.Fatalf("user %s times: got %v/%v, want %v/%v", want.ID, got.CreatedAt, got.UpdatedAt, want.CreatedAt, want.UpdatedAt)
	}
}

func createUser(t testing.TB, s bptracker.Store, u *bptracker.UserRecord) *bptracker.AuditEvent {
	t.Helper()
	ev := Event("", "", "user.create", u.ID, u.CreatedAt)
	must(t, "CreateUser", s.CreateUser(ctx(), u, ev))
	return ev
}

func testUsers(t *testing.T, h *harness) {
	t.Run("CreateUser/OK", func(t *testing.T) {
		s := h.Open(t)
		u := User(t, bptracker.RolePatient)
		u.ExternalID, u.MFAEnabled = "sub-"+NewID(), true
		ev := createUser(t, s, u)
		got, err := s.FindUserByID(ctx(), u.ID)
		must(t, "FindUserByID", err)
		equalUser(t, got, u)
		got, err = s.FindUserByEmailIndex(ctx(), u.EmailIndex)
		must(t, "FindUserByEmailIndex", err)
		equalUser(t, got, u)
		requireEvent(t, s, ev)
	})

	t.Run("CreateUser/ErrConflict", func(t *testing.T) {
		s := h.Open(t)
		u := User(t, bptracker.RolePatient)
		createUser(t, s, u)

		sameEmail := User(t, bptracker.RoleProvider)
		sameEmail.EmailIndex = u.EmailIndex
		err := s.CreateUser(ctx(), sameEmail, Event("", "", "user.create", sameEmail.ID, Base))
		wantCode(t, "CreateUser with an email index in use", err, bptracker.ECONFLICT)
		_, err = s.FindUserByID(ctx(), sameEmail.ID)
		wantCode(t, "FindUserByID of the refused account", err, bptracker.ENOTFOUND)

		sameID := User(t, bptracker.RoleProvider)
		sameID.ID = u.ID
		err = s.CreateUser(ctx(), sameID, Event("", "", "user.create", sameID.ID, Base))
		wantCode(t, "CreateUser with an id in use", err, bptracker.ECONFLICT)
		_, err = s.FindUserByEmailIndex(ctx(), sameID.EmailIndex)
		wantCode(t, "FindUserByEmailIndex of the refused account", err, bptracker.ENOTFOUND)

		got, err := s.FindUserByEmailIndex(ctx(), u.EmailIndex)
		must(t, "FindUserByEmailIndex", err)
		equalUser(t, got, u)
	})

	t.Run("FindUser/ErrNotFound", func(t *testing.T) {
		s := h.Open(t)
		_, err := s.FindUserByID(ctx(), NewID())
		wantCode(t, "FindUserByID", err, bptracker.ENOTFOUND)
		_, err = s.FindUserByEmailIndex(ctx(), NewID())
		wantCode(t, "FindUserByEmailIndex", err, bptracker.ENOTFOUND)
	})

	t.Run("UpdateUser/OK", func(t *testing.T) {
		s := h.Open(t)
		u := User(t, bptracker.RolePatient)
		createUser(t, s, u)
		up := *u
		up.Version, up.EmailIndex, up.Sealed = 2, NewID(), randomBytes(t, 50)
		up.Status, up.MFAEnabled, up.TOTPLastStep, up.FailedAttempts = bptracker.UserDisabled, true, 59_000_123, 3
		up.LockedUntil, up.UpdatedAt, up.PasswordHash = At(15*time.Minute), At(time.Minute), "new-hash"
		ev := Event(NewID(), "", "user.update", u.ID, At(time.Minute))
		must(t, "UpdateUser", s.UpdateUser(ctx(), &up, ev))
		got, err := s.FindUserByID(ctx(), u.ID)
		must(t, "FindUserByID", err)
		equalUser(t, got, &up)
		got, err = s.FindUserByEmailIndex(ctx(), up.EmailIndex)
		must(t, "FindUserByEmailIndex (new)", err)
		equalUser(t, got, &up)
		_, err = s.FindUserByEmailIndex(ctx(), u.EmailIndex)
		wantCode(t, "FindUserByEmailIndex (old)", err, bptracker.ENOTFOUND)
		requireEvent(t, s, ev)

		// The old address is free again.
		other := User(t, bptracker.RoleCaregiver)
		other.EmailIndex = u.EmailIndex
		createUser(t, s, other)
	})

	t.Run("UpdateUser/ErrConflict", func(t *testing.T) {
		s := h.Open(t)
		u, v := User(t, bptracker.RolePatient), User(t, bptracker.RolePatient)
		createUser(t, s, u)
		createUser(t, s, v)
		for _, version := range []int{1, 3} {
			up := *u
			up.Version, up.FailedAttempts = version, 1
			err := s.UpdateUser(ctx(), &up, Event("", "", "user.update", u.ID, Base))
			wantCode(t, "UpdateUser with a wrong version", err, bptracker.ECONFLICT)
		}
		up := *u
		up.Version, up.EmailIndex = 2, v.EmailIndex
		err := s.UpdateUser(ctx(), &up, Event("", "", "user.update", u.ID, Base))
		wantCode(t, "UpdateUser to an email index in use", err, bptracker.ECONFLICT)
		for _, want := range []*bptracker.UserRecord{u, v} {
			got, err := s.FindUserByEmailIndex(ctx(), want.EmailIndex)
			must(t, "FindUserByEmailIndex", err)
			equalUser(t, got, want)
		}
	})

	t.Run("UpdateUser/Concurrent", func(t *testing.T) {
		s := h.Open(t)
		u := User(t, bptracker.RolePatient)
		createUser(t, s, u)
		errs := concurrently(4, func(i int) error {
			up := *u
			up.Version, up.FailedAttempts = 2, i+1
			return s.UpdateUser(ctx(), &up, Event("", "", "user.update", u.ID, Base))
		})
		if codes := countCodes(errs); codes[""] != 1 || codes[bptracker.ECONFLICT] != 3 {
			t.Fatalf("concurrent updates of one version: got %s, want one success and 3 conflicts", fmtCodes(codes))
		}
	})

	t.Run("UpdateUser/ErrNotFound", func(t *testing.T) {
		s := h.Open(t)
		u := User(t, bptracker.RolePatient)
		u.Version = 2
		err := s.UpdateUser(ctx(), u, Event("", "", "user.update", u.ID, Base))
		wantCode(t, "UpdateUser of an unknown account", err, bptracker.ENOTFOUND)
	})

	t.Run("FindUsers", func(t *testing.T) {
		s := h.Open(t)
		var patients []string
		for i := range 7 {
			u := User(t, bptracker.RolePatient)
			if i == 3 {
				u.Status = bptracker.UserDisabled
			}
			createUser(t, s, u)
			patients = append(patients, u.ID)
		}
		admin := User(t, bptracker.RoleAdmin)
		createUser(t, s, admin)

		list := func(f bptracker.UserFilter) []string {
			t.Helper()
			var out []string
			for range 100 {
				us, next, err := s.FindUsers(ctx(), f)
				must(t, "FindUsers", err)
				if f.Limit > 0 && len(us) > f.Limit {
					t.Fatalf("page of %d users, want at most %d", len(us), f.Limit)
				}
				out = append(out, ids(us, func(u *bptracker.UserRecord) string { return u.ID })...)
				if next == "" {
					break
				}
				f.Cursor = next
			}
			slices.Sort(out)
			return out
		}
		sorted := func(xs ...string) []string { xs = slices.Clone(xs); slices.Sort(xs); return xs }

		if got, want := list(bptracker.UserFilter{Role: bptracker.RolePatient, Limit: 3}), sorted(patients...); !slices.Equal(got, want) {
			t.Fatalf("patients: got %v, want %v", got, want)
		}
		if got, want := list(bptracker.UserFilter{Role: bptracker.RoleAdmin}), []string{admin.ID}; !slices.Equal(got, want) {
			t.Fatalf("admins: got %v, want %v", got, want)
		}
		if got, want := list(bptracker.UserFilter{Status: bptracker.UserDisabled}), []string{patients[3]}; !slices.Equal(got, want) {
			t.Fatalf("disabled: got %v, want %v", got, want)
		}
		if got, want := list(bptracker.UserFilter{Limit: 2}), sorted(append(slices.Clone(patients), admin.ID)...); !slices.Equal(got, want) {
			t.Fatalf("all: got %v, want %v", got, want)
		}
		_, _, err := s.FindUsers(ctx(), bptracker.UserFilter{Cursor: "not a cursor!"})
		wantCode(t, "FindUsers with a bad cursor", err, bptracker.EINVALID)
	})
}
