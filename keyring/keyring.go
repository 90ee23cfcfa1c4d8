// Package keyring owns field encryption: one data key per user (a Tink
// AES-256-GCM keyset), wrapped by the key-encryption key and kept in the
// store, and the keyed hash accounts are found by. Each ciphertext's
// associated data binds it to its owner and field, so a sealed value copied
// to another patient or field does not open.
package keyring

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/bptracker/bptracker"
	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// indexOwner is the key-store slot of the email-index key, wrapped by the
// KEK like any data key. Erasing users never touches it.
const indexOwner = "_index"

// Keyring seals and opens fields with per-owner data keys.
type Keyring struct {
	kek   tink.AEAD
	store bptracker.KeyStore
	index []byte
	ttl   time.Duration
	now   func() time.Time

	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	a  tink.AEAD
	at time.Time
}

// New loads (or on first use creates) the index key and returns a keyring.
// Unwrapped data keys stay in memory for ttl, so a KMS-backed KEK is not
// called on every request.
func New(ctx context.Context, kek tink.AEAD, store bptracker.KeyStore, ttl time.Duration, now func() time.Time) (*Keyring, error) {
	k := &Keyring{kek: kek, store: store, ttl: ttl, now: now, cache: map[string]cached{}}
	ad := []byte("bptracker/index-key")
	wrapped, err := store.FindDataKey(ctx, indexOwner)
	if bptracker.ErrorCode(err) == bptracker.ENOTFOUND {
		if err := createIndexKey(ctx, kek, store, ad); err != nil {
			return nil, err
		}
		wrapped, err = store.FindDataKey(ctx, indexOwner)
	}
	if err != nil {
		return nil, err
	}
	if k.index, err = kek.Decrypt(wrapped, ad); err != nil {
		return nil, fmt.Errorf("unwrap index key (is this the key file this data was created with?): %w", err)
	}
	return k, nil
}

func createIndexKey(ctx context.Context, kek tink.AEAD, store bptracker.KeyStore, ad []byte) error {
	key := make([]byte, 32)
	rand.Read(key)
	ct, err := kek.Encrypt(key, ad)
	if err != nil {
		return fmt.Errorf("wrap index key: %w", err)
	}
	// Two first starts may race: the store keeps one, and both use it.
	if err := store.CreateDataKey(ctx, indexOwner, ct); err != nil && bptracker.ErrorCode(err) != bptracker.ECONFLICT {
		return err
	}
	return nil
}

// EmailIndex is the keyed hash of the normalised address that accounts are
// found by, so the store never holds an email in clear.
func (k *Keyring) EmailIndex(email string) string {
	m := hmac.New(sha256.New, k.index)
	m.Write([]byte(NormalizeEmail(email)))
	return hex.EncodeToString(m.Sum(nil))
}

// NormalizeEmail trims and lower-cases an address.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

func associated(owner, field string) []byte { return []byte("bptracker/" + owner + "/" + field) }

// Seal encrypts plaintext for owner's field, creating owner's key if needed.
func (k *Keyring) Seal(ctx context.Context, owner, field string, plaintext []byte) ([]byte, error) {
	a, err := k.dataKey(ctx, owner, true)
	if err != nil {
		return nil, err
	}
	return a.Encrypt(plaintext, associated(owner, field))
}

// Open decrypts a value sealed for owner's field. A destroyed key answers
// ENOTFOUND: the data is gone.
func (k *Keyring) Open(ctx context.Context, owner, field string, ciphertext []byte) ([]byte, error) {
	a, err := k.dataKey(ctx, owner, false)
	if err != nil {
		return nil, err
	}
	pt, err := a.Decrypt(ciphertext, associated(owner, field))
	if err != nil {
		return nil, fmt.Errorf("open %s of %s: %w", field, owner, err)
	}
	return pt, nil
}

// SealJSON seals the JSON encoding of v.
func (k *Keyring) SealJSON(ctx context.Context, owner, field string, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return k.Seal(ctx, owner, field, b)
}

// OpenJSON opens a value sealed by SealJSON into v.
func (k *Keyring) OpenJSON(ctx context.Context, owner, field string, ciphertext []byte, v any) error {
	b, err := k.Open(ctx, owner, field, ciphertext)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// Destroy deletes owner's data key (crypto-shredding) and writes ev with it.
func (k *Keyring) Destroy(ctx context.Context, owner string, ev *bptracker.AuditEvent) error {
	k.mu.Lock()
	delete(k.cache, owner)
	k.mu.Unlock()
	return k.store.DeleteDataKey(ctx, owner, ev)
}

func (k *Keyring) dataKey(ctx context.Context, owner string, create bool) (tink.AEAD, error) {
	if owner == "" || owner == indexOwner {
		return nil, fmt.Errorf("keyring: invalid owner %q", owner)
	}
	now := k.now()
	k.mu.Lock()
	c, ok := k.cache[owner]
	k.mu.Unlock()
	if ok && now.Sub(c.at) < k.ttl {
		return c.a, nil
	}
	ad := associated(owner, "data-key")
	wrapped, err := k.store.FindDataKey(ctx, owner)
	if bptracker.ErrorCode(err) == bptracker.ENOTFOUND && create {
		if err := k.createDataKey(ctx, owner, ad); err != nil {
			return nil, err
		}
		wrapped, err = k.store.FindDataKey(ctx, owner)
	}
	if bptracker.ErrorCode(err) == bptracker.ENOTFOUND {
		return nil, bptracker.Errorf(bptracker.ENOTFOUND, "the data of this account was erased")
	} else if err != nil {
		return nil, err
	}
	h, err := keyset.ReadWithAssociatedData(keyset.NewBinaryReader(bytes.NewReader(wrapped)), k.kek, ad)
	if err != nil {
		return nil, fmt.Errorf("unwrap data key of %s: %w", owner, err)
	}
	a, err := aead.New(h)
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	k.cache[owner] = cached{a: a, at: now}
	k.mu.Unlock()
	return a, nil
}

func (k *Keyring) createDataKey(ctx context.Context, owner string, ad []byte) error {
	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := h.WriteWithAssociatedData(keyset.NewBinaryWriter(&buf), k.kek, ad); err != nil {
		return fmt.Errorf("wrap data key: %w", err)
	}
	// Two first writes may race: the store keeps one, and both use it.
	if err := k.store.CreateDataKey(ctx, owner, buf.Bytes()); err != nil && bptracker.ErrorCode(err) != bptracker.ECONFLICT {
		return err
	}
	return nil
}
