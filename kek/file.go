package kek

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/insecurecleartextkeyset"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// CreateFile writes a new Tink AES-256-GCM keyset to path, creating the
// file with mode 0600 and any missing directory with mode 0700. It refuses
// to replace an existing file: losing the key loses every patient's data.
func CreateFile(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("kek: create key directory: %w", err)
	}
	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		return fmt.Errorf("kek: new keyset: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("kek: key file %s already exists; refusing to replace it", path)
	} else if err != nil {
		return fmt.Errorf("kek: create key file: %w", err)
	}
	// The key file is the root of trust on one machine: it is stored in
	// clear, protected by its file mode (and by backups kept apart).
	if err := insecurecleartextkeyset.Write(h, keyset.NewJSONWriter(f)); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("kek: write key file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("kek: write key file: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return fmt.Errorf("kek: write key file: %w", err)
	}
	return nil
}

// LoadFile reads the keyset at path. It refuses a file that group or others
// may read or write, as ssh does with private keys.
func LoadFile(path string) (tink.AEAD, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("kek: open key file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("kek: key file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("kek: key file %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("kek: key file %s has mode %04o: group and others must have no access; run chmod 600 %s", path, perm, path)
	}
	h, err := insecurecleartextkeyset.Read(keyset.NewJSONReader(f))
	if err != nil {
		return nil, fmt.Errorf("kek: key file %s is not a Tink keyset: %w", path, err)
	}
	a, err := aead.New(h)
	if err != nil {
		return nil, fmt.Errorf("kek: key file %s does not hold an AEAD key: %w", path, err)
	}
	return a, nil
}
