// Package backup reads and writes the single-machine backup file: a gzip'd
// tar holding bptracker.db (a consistent copy) and, when asked, keys.enc —
// the key file sealed with a passphrase (argon2id, AES-256-GCM).
package backup

import (
	"archive/tar"
	"compress/gzip"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
)

// Names inside the archive; nothing else is read from it.
const (
	dbName   = "bptracker.db"
	keysName = "keys.enc"
)

// Bounds on the key-derivation cost a backup file may ask for, so a
// damaged or hostile file cannot make a restore allocate without limit.
const (
	maxMemoryKiB = 1 << 20 // 1 GiB
	maxTime      = 16
)

// sealedKeys is keys.enc.
type sealedKeys struct {
	KDF        string `json:"kdf"`
	Memory     uint32 `json:"memory_kib"`
	Time       uint32 `json:"time"`
	Salt       []byte `json:"salt"`
	Nonce      []byte `json:"nonce"`
	Ciphertext []byte `json:"ciphertext"`
}

var additional = []byte("bptracker-backup-keys")

func aeadFor(pass string, sk *sealedKeys) (cipher.AEAD, error) {
	if sk.KDF != "argon2id" || sk.Memory < 8*1024 || sk.Memory > maxMemoryKiB || sk.Time < 1 || sk.Time > maxTime || len(sk.Salt) < 16 {
		return nil, errors.New("the sealed keys in the backup are damaged")
	}
	block, err := aes.NewCipher(argon2.IDKey([]byte(pass), sk.Salt, sk.Time, sk.Memory, 1, 32))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// Write writes a backup of the database file at dbPath to w; with a
// non-nil kek (the key file's bytes) it adds them sealed with pass.
func Write(w io.Writer, dbPath string, kek []byte, pass string) error {
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	add := func(name string, r io.Reader, size int64) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: size, ModTime: time.Now()}); err != nil {
			return err
		}
		_, err := io.Copy(tw, r)
		return err
	}
	db, err := os.Open(dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	st, err := db.Stat()
	if err != nil {
		return err
	}
	if err := add(dbName, db, st.Size()); err != nil {
		return err
	}
	if kek != nil {
		sk := sealedKeys{KDF: "argon2id", Memory: 64 * 1024, Time: 3, Salt: make([]byte, 16), Nonce: make([]byte, 12)}
		rand.Read(sk.Salt)
		rand.Read(sk.Nonce)
		a, err := aeadFor(pass, &sk)
		if err != nil {
			return err
		}
		sk.Ciphertext = a.Seal(nil, sk.Nonce, kek, additional)
		b, _ := json.Marshal(sk)
		if err := add(keysName, strings.NewReader(string(b)), int64(len(b))); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

// Restored says what a backup held.
type Restored struct {
	Keys bool // the key file was in it, and is now at keyPath
}

// Read restores a backup: the database to dbPath and, if the backup holds
// sealed keys, the key file to keyPath (passphrase is asked only then).
// Both files are created with mode 0600 and must not exist.
func Read(r io.Reader, dbPath, keyPath string, passphrase func() (string, error)) (*Restored, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, errors.New("this is not a BP Tracker backup (not gzip)")
	}
	tr := tar.NewReader(gz)
	res := &Restored{}
	gotDB := false
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("the backup is damaged: %w", err)
		}
		switch h.Name {
		case dbName:
			if gotDB {
				return nil, errors.New("the backup holds two databases")
			}
			if err := writeFile(dbPath, tr); err != nil {
				return nil, err
			}
			gotDB = true
		case keysName:
			var sk sealedKeys
			if err := json.NewDecoder(io.LimitReader(tr, 1<<16)).Decode(&sk); err != nil {
				return nil, errors.New("the sealed keys in the backup are damaged")
			}
			pass, err := passphrase()
			if err != nil {
				return nil, err
			}
			a, err := aeadFor(pass, &sk)
			if err != nil {
				return nil, err
			}
			if len(sk.Nonce) != a.NonceSize() {
				return nil, errors.New("the sealed keys in the backup are damaged")
			}
			kek, err := a.Open(nil, sk.Nonce, sk.Ciphertext, additional)
			if err != nil {
				return nil, errors.New("wrong passphrase, or the sealed keys in the backup are damaged")
			}
			if err := writeFile(keyPath, strings.NewReader(string(kek))); err != nil {
				return nil, err
			}
			res.Keys = true
		}
	}
	if !gotDB {
		return nil, errors.New("the backup holds no database")
	}
	return res, nil
}

func writeFile(path string, r io.Reader) error {
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(fh, r)
	if err == nil {
		err = fh.Sync()
	}
	return errors.Join(err, fh.Close())
}
