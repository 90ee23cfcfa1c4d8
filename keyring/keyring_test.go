package keyring_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/keyring"
	"github.com/bptracker/bptracker/sqlite"
	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"
)

func newKEK(t *testing.T) tink.AEAD {
	t.Helper()
	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		t.Fatal(err)
	}
	a, err := aead.New(h)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func open(t *testing.T, kek tink.AEAD, db *sqlite.DB) *keyring.Keyring {
	t.Helper()
	k, err := keyring.New(context.Background(), kek, db, time.Minute, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpen(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	kek := newKEK(t)
	k := open(t, kek, db)
	ct, err := k.Seal(ctx, "alice", "reading", []byte("note: dizzy"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(ct, []byte("dizzy")) {
		t.Fatal("ciphertext holds the plaintext")
	}
	got, err := k.Open(ctx, "alice", "reading", ct)
	if err != nil || string(got) != "note: dizzy" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	// The associated data binds owner and field: a value moved to another
	// patient or field does not open, nor does a changed byte.
	if _, err := k.Seal(ctx, "bob", "reading", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Open(ctx, "bob", "reading", ct); err == nil {
		t.Error("alice's value opened as bob's")
	}
	if _, err := k.Open(ctx, "alice", "user", ct); err == nil {
		t.Error("a reading opened as another field")
	}
	bad := append([]byte(nil), ct...)
	bad[len(bad)-1] ^= 1
	if _, err := k.Open(ctx, "alice", "reading", bad); err == nil {
		t.Error("a tampered value opened")
	}
	// A second keyring over the same store and KEK (a restart) opens it; a
	// different KEK does not even start.
	if got, err := open(t, kek, db).Open(ctx, "alice", "reading", ct); err != nil || string(got) != "note: dizzy" {
		t.Fatalf("after restart: %q, %v", got, err)
	}
	if _, err := keyring.New(ctx, newKEK(t), db, time.Minute, time.Now); err == nil {
		t.Error("a keyring started with the wrong key-encryption key")
	}
	// The email index is stable, normalised and keyed.
	if a, b := k.EmailIndex("Alice@Example.org "), k.EmailIndex("alice@example.org"); a != b || len(a) != 64 {
		t.Errorf("EmailIndex not normalised: %q vs %q", a, b)
	}
	// Erasure destroys the key: the value is gone for good.
	if err := k.Destroy(ctx, "alice", &bptracker.AuditEvent{ID: "e", Time: time.Now(), Action: "account.erase", PatientID: "alice", Outcome: "success"}); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Open(ctx, "alice", "reading", ct); bptracker.ErrorCode(err) != bptracker.ENOTFOUND {
		t.Fatalf("after Destroy: %v, want not_found", err)
	}
	if _, err := open(t, kek, db).Open(ctx, "alice", "reading", ct); err == nil {
		t.Fatal("a restarted keyring opened an erased patient's data")
	}
}
