package service_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/keyring"
	"github.com/bptracker/bptracker/service"
	"github.com/bptracker/bptracker/sqlite"
	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/keyset"
)

// recordingIDP is an external identity provider (like Cognito) that keeps
// the accounts it holds; sign-in is not needed by these tests.
type recordingIDP struct {
	bptracker.IdentityProvider // nil: any other call panics
	accounts                   []string
	deleteErr                  error
}

func (p *recordingIDP) CreateAccount(ctx context.Context, userID, email, pw string) (string, error) {
	p.accounts = append(p.accounts, userID)
	return "sub-" + userID, nil
}

func (p *recordingIDP) DeleteAccount(ctx context.Context, userID string) error {
	if p.deleteErr != nil {
		return p.deleteErr
	}
	p.accounts = slices.DeleteFunc(p.accounts, func(id string) bool { return id == userID })
	return nil
}

func (p *recordingIDP) SignOut(ctx context.Context, tokens string) error { return nil }

func newServiceWithIDP(t *testing.T, idp bptracker.IdentityProvider) *service.Service {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	h, _ := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	kek, _ := aead.New(h)
	keys, err := keyring.New(context.Background(), kek, db, time.Minute, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	return service.New(db, keys, idp, service.DefaultConfig())
}

func TestIdentityProviderAccountsFollowUsers(t *testing.T) {
	ctx := context.Background()
	idp := &recordingIDP{}
	s := newServiceWithIDP(t, idp)
	admin := &service.Actor{User: &bptracker.User{ID: "admin", Role: bptracker.RoleAdmin}}

	u, err := s.CreateUser(ctx, admin, service.Request{}, service.NewUser{Email: "p@example.org", Role: bptracker.RolePatient})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(idp.accounts, []string{u.ID}) {
		t.Fatalf("provider accounts %v, want [%s]", idp.accounts, u.ID)
	}

	t.Run("RefusedCreateLeavesNoAccount", func(t *testing.T) {
		_, err := s.CreateUser(ctx, admin, service.Request{}, service.NewUser{Email: "P@example.org", Role: bptracker.RolePatient})
		if bptracker.ErrorCode(err) != bptracker.ECONFLICT {
			t.Fatalf("second account with the same email: %v, want a conflict", err)
		}
		if !slices.Equal(idp.accounts, []string{u.ID}) {
			t.Errorf("provider accounts %v after a refused create, want only [%s]", idp.accounts, u.ID)
		}
	})

	erase := service.UserChange{Action: "erase", Reason: "patient asked"}
	t.Run("EraseStopsWhenTheProviderFails", func(t *testing.T) {
		idp.deleteErr = errors.New("provider down")
		defer func() { idp.deleteErr = nil }()
		if _, err := s.ChangeUser(ctx, admin, u.ID, erase); err == nil {
			t.Fatal("erasure reported success with the provider's account left")
		}
		if _, err := s.ChangeUser(ctx, admin, u.ID, service.UserChange{Action: "reset_link"}); err != nil {
			t.Errorf("the user is not intact after the failed erasure (a reset link fails: %v)", err)
		}
	})
	t.Run("EraseDeletesTheAccount", func(t *testing.T) {
		if _, err := s.ChangeUser(ctx, admin, u.ID, erase); err != nil {
			t.Fatal(err)
		}
		if len(idp.accounts) != 0 {
			t.Errorf("provider accounts %v after erasure, want none", idp.accounts)
		}
	})
}
