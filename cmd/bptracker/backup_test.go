package main_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBackupRestore takes a backup while the server runs and writes, puts it
// into an empty directory, and finds every reading there.
func TestBackupRestore(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if out, err := bpt(t, pw+"\n", "user", "add", "--data", data, "--email", "rita@example.org"); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	srv := startServer(t, data)
	c, _, secret := enrolled(t, srv.url, "rita@example.org")
	for i := range 40 {
		c.expect(201, "POST", "/api/v1/patients/me/readings", map[string]any{
			"taken_at": time.Now().Add(-time.Duration(i) * time.Hour).Format(time.RFC3339), "systolic": 120 + i%10, "diastolic": 80, "note": fmt.Sprintf("n%d", i)})
	}
	// Writes keep going while the backup runs.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 20 {
			c.do("POST", "/api/v1/patients/me/readings", map[string]any{"taken_at": time.Now().Add(-time.Duration(100+i) * time.Hour).Format(time.RFC3339), "systolic": 130, "diastolic": 85})
		}
	}()
	pass := "a long backup passphrase"
	withKeys := filepath.Join(dir, "with-keys.tar.gz")
	if out, err := bpt(t, pass+"\n", "backup", "--data", data, "--out", withKeys, "--include-keys"); err != nil {
		t.Fatalf("backup: %v %s", err, out)
	}
	<-done
	noKeys := filepath.Join(dir, "no-keys.tar.gz")
	if out, err := bpt(t, "", "backup", "--data", data, "--out", noKeys); err != nil || !strings.Contains(out, "keep a copy of") {
		t.Fatalf("backup without keys: %v %s", err, out)
	}
	srv.stop()

	// A wrong passphrase restores nothing usable and says so.
	if out, err := bpt(t, "not the passphrase\n", "restore", "--data", filepath.Join(dir, "bad"), "--in", withKeys); err == nil || !strings.Contains(out, "passphrase") {
		t.Fatalf("restore with a wrong passphrase: %v %s", err, out)
	}
	// Restoring into a directory that is not empty is refused.
	if out, err := bpt(t, pass+"\n", "restore", "--data", data, "--in", withKeys); err == nil || !strings.Contains(out, "not empty") {
		t.Fatalf("restore over live data: %v %s", err, out)
	}
	restored := filepath.Join(dir, "restored")
	if out, err := bpt(t, pass+"\n", "restore", "--data", restored, "--in", withKeys); err != nil || !strings.Contains(out, "audit events verified") {
		t.Fatalf("restore: %v %s", err, out)
	}
	srv = startServer(t, restored)
	c = newClient(t, srv.url)
	c.signIn("rita@example.org", pw, code(t, secret, time.Now().Add(30*time.Second)))
	var page struct {
		Readings []struct{ Note string } `json:"readings"`
	}
	c.expect(200, "GET", "/api/v1/patients/me/readings?limit=1000", nil).json(t, &page)
	if len(page.Readings) < 40 || len(page.Readings) > 60 {
		t.Fatalf("restored %d readings, want the 40 written before the backup (and up to 20 written during it)", len(page.Readings))
	}
	notes := map[string]bool{}
	for _, r := range page.Readings {
		notes[r.Note] = true
	}
	for i := range 40 {
		if !notes[fmt.Sprintf("n%d", i)] {
			t.Fatalf("reading n%d is missing after restore", i)
		}
	}
	srv.stop()

	// The backup without keys restores, and the server refuses to start
	// until the key file is back.
	bare := filepath.Join(dir, "bare")
	if out, err := bpt(t, "", "restore", "--data", bare, "--in", noKeys); err != nil || !strings.Contains(out, "holds no keys") {
		t.Fatalf("restore without keys: %v %s", err, out)
	}
	if out, err := bpt(t, "", "serve", "--addr", "127.0.0.1:0", "--data", bare); err == nil || !strings.Contains(out, "key file") {
		t.Fatalf("serve without the key file: %v %s", err, out)
	}
}
