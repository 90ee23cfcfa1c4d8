package backup_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/bptracker/bptracker/backup"
)

func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "src.db")
	os.WriteFile(db, []byte("sqlite bytes"), 0o600)
	var buf bytes.Buffer
	if err := backup.Write(&buf, db, []byte(`{"kek":1}`), "a long passphrase"); err != nil {
		t.Fatal(err)
	}
	pass := func() (string, error) { return "a long passphrase", nil }
	out := filepath.Join(dir, "out")
	os.Mkdir(out, 0o700)
	res, err := backup.Read(bytes.NewReader(buf.Bytes()), filepath.Join(out, "db"), filepath.Join(out, "kek"), pass)
	if err != nil || !res.Keys {
		t.Fatalf("Read = %+v, %v", res, err)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "kek")); string(b) != `{"kek":1}` {
		t.Fatalf("key file = %q", b)
	}
	if st, _ := os.Stat(filepath.Join(out, "kek")); st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v", st.Mode().Perm())
	}
	wrong := func() (string, error) { return "another passphrase", nil }
	if _, err := backup.Read(bytes.NewReader(buf.Bytes()), filepath.Join(dir, "db2"), filepath.Join(dir, "kek2"), wrong); err == nil {
		t.Fatal("a wrong passphrase restored the keys")
	}
}

// FuzzRead: a damaged or hostile backup file never panics, and writes
// nothing but the two named files.
func FuzzRead(f *testing.F) {
	dir := f.TempDir()
	db := filepath.Join(dir, "src.db")
	os.WriteFile(db, []byte("sqlite bytes"), 0o600)
	var buf bytes.Buffer
	backup.Write(&buf, db, []byte("k"), "a long passphrase")
	f.Add(buf.Bytes())
	f.Add([]byte("not gzip"))
	f.Fuzz(func(t *testing.T, data []byte) {
		out := t.TempDir()
		backup.Read(bytes.NewReader(data), filepath.Join(out, "db"), filepath.Join(out, "kek"), func() (string, error) { return "x", nil })
		entries, _ := os.ReadDir(out)
		for _, e := range entries {
			if e.Name() != "db" && e.Name() != "kek" {
				t.Fatalf("restore wrote %s", e.Name())
			}
		}
	})
}
