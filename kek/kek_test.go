package kek_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/tink-crypto/tink-go/v2/tink"

	"github.com/bptracker/bptracker/internal/awsfake"
	"github.com/bptracker/bptracker/internal/emulators"
	"github.com/bptracker/bptracker/kek"
)

// testAEAD checks the contract every key source keeps: a round trip with
// the same associated data, and refusal of other associated data, a
// tampered ciphertext and nonce reuse (two encryptions differ).
func testAEAD(t *testing.T, a tink.AEAD) {
	t.Helper()
	plaintext := []byte("a wrapped Tink keyset would go here")
	ad := []byte("user:0190f5a2-0000-7000-8000-000000000001")
	ct, err := a.Encrypt(plaintext, ad)
	if err != nil {
		t.Fatalf("Encrypt: %v", err)
	}
	if bytes.Contains(ct, plaintext) {
		t.Fatalf("ciphertext holds the plaintext")
	}
	got, err := a.Decrypt(ct, ad)
	if err != nil {
		t.Fatalf("Decrypt: %v", err)
	}
	if !bytes.Equal(got, plaintext) {
		t.Errorf("round trip: got %q, want %q", got, plaintext)
	}
	if _, err := a.Decrypt(ct, []byte("user:0190f5a2-0000-7000-8000-000000000002")); err == nil {
		t.Errorf("Decrypt with other associated data: got nil error, want failure")
	}
	if _, err := a.Decrypt(ct, nil); err == nil {
		t.Errorf("Decrypt without associated data: got nil error, want failure")
	}
	bad := bytes.Clone(ct)
	bad[len(bad)-1] ^= 1
	if _, err := a.Decrypt(bad, ad); err == nil {
		t.Errorf("Decrypt of tampered ciphertext: got nil error, want failure")
	}
	ct2, err := a.Encrypt(plaintext, ad)
	if err != nil {
		t.Fatalf("Encrypt: %v", err)
	}
	if bytes.Equal(ct, ct2) {
		t.Errorf("two encryptions gave the same ciphertext")
	}
	// Empty associated data is allowed, and distinct from any other.
	ct3, err := a.Encrypt(plaintext, nil)
	if err != nil {
		t.Fatalf("Encrypt without associated data: %v", err)
	}
	if got, err := a.Decrypt(ct3, nil); err != nil || !bytes.Equal(got, plaintext) {
		t.Errorf("round trip without associated data: got %q, %v", got, err)
	}
	if _, err := a.Decrypt(ct3, ad); err == nil {
		t.Errorf("Decrypt with associated data of a ciphertext made without: got nil error, want failure")
	}
}

func TestFile(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data", "keys")
		path := filepath.Join(dir, "kek.json")
		if err := kek.CreateFile(path); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := fi.Mode().Perm(), os.FileMode(0o600); got != want {
			t.Errorf("file mode: got %v, want %v", got, want)
		}
		di, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := di.Mode().Perm(), os.FileMode(0o700); got != want {
			t.Errorf("directory mode: got %v, want %v", got, want)
		}
		a, err := kek.LoadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		testAEAD(t, a)

		// A second load reads the same key.
		ct, err := a.Encrypt([]byte("x"), []byte("ad"))
		if err != nil {
			t.Fatal(err)
		}
		b, err := kek.LoadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := b.Decrypt(ct, []byte("ad")); err != nil || string(got) != "x" {
			t.Errorf("decrypt after reload: got %q, %v", got, err)
		}
	})
	t.Run("UnderUmask", func(t *testing.T) {
		// Modes are what CreateFile asks for whatever the umask, never more.
		path := filepath.Join(t.TempDir(), "new", "kek.json")
		if err := kek.CreateFile(path); err != nil {
			t.Fatal(err)
		}
		if _, err := kek.LoadFile(path); err != nil {
			t.Errorf("LoadFile of a new file: %v", err)
		}
	})
	t.Run("ErrExists", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "kek.json")
		if err := kek.CreateFile(path); err != nil {
			t.Fatal(err)
		}
		before, _ := os.ReadFile(path)
		err := kek.CreateFile(path)
		if err == nil || !strings.Contains(err.Error(), "already exists") {
			t.Errorf("CreateFile over a key: got %v, want an 'already exists' error", err)
		}
		after, _ := os.ReadFile(path)
		if !bytes.Equal(before, after) {
			t.Errorf("existing key file changed")
		}
	})
	t.Run("ErrPermissions", func(t *testing.T) {
		for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660, 0o602} {
			path := filepath.Join(t.TempDir(), "kek.json")
			if err := kek.CreateFile(path); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, mode); err != nil {
				t.Fatal(err)
			}
			_, err := kek.LoadFile(path)
			if err == nil {
				t.Errorf("mode %04o: got nil error, want refusal", mode)
				continue
			}
			if !strings.Contains(err.Error(), "chmod 600") {
				t.Errorf("mode %04o: message %q does not say how to fix it", mode, err)
			}
		}
	})
	t.Run("ErrNotExist", func(t *testing.T) {
		_, err := kek.LoadFile(filepath.Join(t.TempDir(), "missing.json"))
		if !os.IsNotExist(unwrapAll(err)) {
			t.Errorf("got %v, want a not-exist error", err)
		}
	})
	t.Run("ErrNotKeyset", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "kek.json")
		if err := os.WriteFile(path, []byte(`{"hello":"world"}`), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := kek.LoadFile(path); err == nil {
			t.Errorf("got nil error, want refusal of a file that is not a keyset")
		}
	})
	t.Run("ErrDirectory", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "d")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if _, err := kek.LoadFile(dir); err == nil {
			t.Errorf("got nil error, want refusal of a directory")
		}
	})
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}

func TestSSM(t *testing.T) {
	// There is no SSM emulator here: a protocol-level fake of the AmazonSSM
	// JSON 1.1 API stands in (see docs/testing.md).
	fake := awsfake.NewSSM(t)
	ctx := context.Background()
	key := make([]byte, 32)
	rand.Read(key)
	fake.Put("/bptracker/kek", "SecureString", base64.StdEncoding.EncodeToString(key))

	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		fake.Put("/bptracker/kek-enc", "SecureString", enc.EncodeToString(key))
		a, err := kek.NewSSM(ctx, emulators.AWS(), fake.URL, "/bptracker/kek-enc")
		if err != nil {
			t.Fatalf("key in another base64 alphabet: %v", err)
		}
		b, _ := kek.NewAESGCM(key)
		ct, _ := a.Encrypt([]byte("x"), nil)
		if _, err := b.Decrypt(ct, nil); err != nil {
			t.Errorf("key decoded differently: %v", err)
		}
	}

	t.Run("OK", func(t *testing.T) {
		a, err := kek.NewSSM(ctx, emulators.AWS(), fake.URL, "/bptracker/kek")
		if err != nil {
			t.Fatal(err)
		}
		testAEAD(t, a)
		// The same key from elsewhere decrypts: the parameter is the key.
		b, err := kek.NewAESGCM(key)
		if err != nil {
			t.Fatal(err)
		}
		ct, err := a.Encrypt([]byte("x"), []byte("ad"))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := b.Decrypt(ct, []byte("ad")); err != nil || string(got) != "x" {
			t.Errorf("decrypt with the same key: got %q, %v", got, err)
		}
		calls := fake.Calls()
		last := calls[len(calls)-1]
		if !last.Signed {
			t.Errorf("GetParameter not signed")
		}
		if !strings.Contains(string(last.Body), `"WithDecryption":true`) {
			t.Errorf("GetParameter body %s: want WithDecryption true", last.Body)
		}
	})

	secret := base64.StdEncoding.EncodeToString(key)
	tests := []struct {
		name, param, typ, value string
		want                    string
	}{
		{"ErrNotFound", "/bptracker/missing", "", "", "does not exist"},
		{"ErrShort", "/bptracker/short", "SecureString", base64.StdEncoding.EncodeToString(key[:16]), "16 bytes; want 32"},
		{"ErrLong", "/bptracker/long", "SecureString", base64.StdEncoding.EncodeToString(append(key, key...)), "64 bytes; want 32"},
		{"ErrNotBase64", "/bptracker/notb64", "SecureString", "!" + secret, "not base64"},
		{"ErrPlainString", "/bptracker/plain", "String", secret, "must be a SecureString"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.typ != "" {
				fake.Put(tt.param, tt.typ, tt.value)
			}
			_, err := kek.NewSSM(ctx, emulators.AWS(), fake.URL, tt.param)
			if err == nil {
				t.Fatalf("got nil error, want one containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.param) {
				t.Errorf("error %q: want it to contain %q and the parameter name", err, tt.want)
			}
			if strings.Contains(err.Error(), secret[:8]) {
				t.Errorf("error %q quotes the key", err)
			}
		})
	}
}

func TestKMS(t *testing.T) {
	p := emulators.StartLocalKMS(t)
	client := kms.New(kms.Options{
		Region:       emulators.Region,
		Credentials:  credentials.NewStaticCredentialsProvider(emulators.AccessKeyID, emulators.SecretAccessKey, ""),
		BaseEndpoint: aws.String(p.Endpoint),
	})
	ctx := context.Background()
	newKey := func(t *testing.T) string {
		t.Helper()
		out, err := client.CreateKey(ctx, &kms.CreateKeyInput{
			KeySpec:  kmstypes.KeySpecSymmetricDefault,
			KeyUsage: kmstypes.KeyUsageTypeEncryptDecrypt,
		})
		if err != nil {
			t.Fatalf("CreateKey: %v", err)
		}
		return *out.KeyMetadata.Arn
	}
	keyA, keyB := newKey(t), newKey(t)
	a := kek.NewKMS(emulators.AWS(), p.Endpoint, keyA)
	testAEAD(t, a)

	t.Run("ErrOtherKey", func(t *testing.T) {
		ct, err := a.Encrypt([]byte("x"), []byte("ad"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := kek.NewKMS(emulators.AWS(), p.Endpoint, keyB).Decrypt(ct, []byte("ad")); err == nil {
			t.Errorf("Decrypt with another key id: got nil error, want failure")
		}
	})
	t.Run("ErrUnknownKey", func(t *testing.T) {
		_, err := kek.NewKMS(emulators.AWS(), p.Endpoint, "arn:aws:kms:eu-west-2:111122223333:key/00000000-0000-0000-0000-000000000000").Encrypt([]byte("x"), nil)
		if err == nil {
			t.Errorf("Encrypt with an unknown key: got nil error, want failure")
		}
	})
	t.Run("Keyset", func(t *testing.T) {
		// A Tink AES-256-GCM keyset (what the keyring wraps) is ~90 bytes
		// in binary form; KMS takes up to 4096.
		pt := make([]byte, 4096)
		ct, err := a.Encrypt(pt, []byte("ad"))
		if err != nil {
			t.Fatalf("Encrypt 4096 bytes: %v", err)
		}
		t.Logf("4096-byte plaintext wraps to %d bytes", len(ct))
	})
}
