package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/sqlite"
	"github.com/bptracker/bptracker/storetest"
)

// MustOpenDB opens a fresh database in a temporary directory.
func MustOpenDB(tb testing.TB) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(filepath.Join(tb.TempDir(), "bptracker.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// Concurrent writers share commits, and each keeps its own outcome: a
// conflicting insert fails alone while the rest of its batch commits.
func TestGroupCommit(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	base := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	errs := make([]error, 200)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("r%03d", i%150) // 50 duplicates
			rec := &bptracker.ReadingRecord{ID: id, PatientID: "p1", TakenAt: base.Add(time.Duration(i) * time.Minute), Version: 1, Sealed: []byte("x"), UpdatedBy: "p1", UpdatedAt: base}
			ev := &bptracker.AuditEvent{ID: fmt.Sprintf("e%03d", i), Time: base, Action: "reading.create", PatientID: "p1", ResourceID: id, Outcome: bptracker.OutcomeSuccess}
			errs[i] = db.CreateReadings(ctx, []*bptracker.ReadingRecord{rec}, ev)
		}()
	}
	wg.Wait()
	var ok, conflict int
	for _, err := range errs {
		switch bptracker.ErrorCode(err) {
		case "":
			ok++
		case bptracker.ECONFLICT:
			conflict++
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if got, want := ok, 150; got != want {
		t.Fatalf("committed = %d, want %d", got, want)
	}
	if got, want := conflict, 50; got != want {
		t.Fatalf("conflicts = %d, want %d", got, want)
	}
	n, err := bptracker.VerifyAudit(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := n, int64(150); got != want {
		t.Fatalf("audit events = %d, want %d (a failed change must leave no event)", got, want)
	}
}

func TestAuditAppendOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bptracker.db")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	ev := &bptracker.AuditEvent{ID: "e1", Time: time.Now(), Action: "session.signin", Outcome: bptracker.OutcomeSuccess}
	if err := db.AppendAudit(ctx, ev); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, q := range []string{"UPDATE audit SET action = 'x'", "DELETE FROM audit"} {
		if _, err := raw.Exec(q); err == nil {
			t.Fatalf("%s succeeded, want the trigger to refuse it", q)
		}
	}
}

func TestConformance(t *testing.T) {
	storetest.RunConformance(t, func(t *testing.T) bptracker.Store { return MustOpenDB(t) })
}

// FuzzCursor: a cursor from outside never panics and is refused as invalid
// unless it decodes.
func FuzzCursor(f *testing.F) {
	db := MustOpenDB(f)
	for _, s := range []string{"", "MTIzOmFiYw", "%%%", "MTIz", "OmFiYw"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, c string) {
		_, _, err := db.FindReadings(context.Background(), bptracker.ReadingFilter{PatientID: "p", Cursor: c})
		if code := bptracker.ErrorCode(err); code != "" && code != bptracker.EINVALID {
			t.Fatalf("cursor %q: %v", c, err)
		}
		_, _, err = db.FindAuditEvents(context.Background(), bptracker.AuditFilter{Cursor: c})
		if code := bptracker.ErrorCode(err); code != "" && code != bptracker.EINVALID {
			t.Fatalf("audit cursor %q: %v", c, err)
		}
	})
}

// TestMigrationKeepsReadings: a database made by the first migration alone,
// with a reading in it, opens with every later migration applied and the
// reading intact.
func TestMigrationKeepsReadings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	first, err := os.ReadFile("migrations/0001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{string(first),
		"CREATE TABLE schema_migrations (name TEXT PRIMARY KEY)",
		"INSERT INTO schema_migrations VALUES ('migrations/0001_init.sql')",
		"INSERT INTO readings VALUES ('p1', 'r1', 1767600000000000000, 2, 0, x'0102', 'p1', 1767600000000000000)",
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r, err := db.FindReadingByID(context.Background(), "p1", "r1")
	if err != nil {
		t.Fatal(err)
	}
	if r.Version != 2 || string(r.Sealed) != "\x01\x02" || r.TakenAt.UnixNano() != 1767600000000000000 {
		t.Fatalf("reading after migration = %+v", r)
	}
}
