// Package storetest is the conformance suite every bptracker.Store backend
// must pass, in the style of go-cloud's drivertest: the semantics written in
// the doc comments of the root package's store interfaces, checked black-box.
// A backend's test calls RunConformance with a function that opens a fresh,
// empty store.
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bptracker/bptracker"
)

// Base is the fixed clock of the suite: every time is built from it.
var Base = time.Date(2026, 1, 15, 8, 0, 0, 0, time.UTC)

// RunConformance runs the whole suite. open must return a fresh, empty
// store for each call; the suite closes it.
func RunConformance(t *testing.T, open func(t *testing.T) bptracker.Store) {
	h := &harness{open: open}
	groups := []struct {
		name string
		fn   func(*testing.T, *harness)
	}{
		{"Readings", testReadings},
		{"Users", testUsers},
		{"Sessions", testSessions},
		{"Audit", testAudit},
		{"Grants", testGrants},
		{"Invitations", testInvitations},
		{"BreakGlass", testBreakGlass},
		{"DataKeys", testDataKeys},
		{"Jobs", testJobs},
		{"Isolation", testIsolation},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) { g.fn(t, h) })
	}
}

type harness struct {
	open func(t *testing.T) bptracker.Store
}

// Open returns a fresh store, closed when the test ends.
func (h *harness) Open(t *testing.T) bptracker.Store {
	t.Helper()
	s := h.open(t)
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// NewID returns a fresh time-ordered id.
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// At returns the suite's base time plus d.
func At(d time.Duration) time.Time { return Base.Add(d) }

func ptr[T any](v T) *T { return &v }

func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// Event returns an audit event about patientID ("" for none) acted on by actor.
func Event(actorID, patientID, action, resourceID string, at time.Time) *bptracker.AuditEvent {
	return &bptracker.AuditEvent{
		Chain:      bptracker.ChainFor(patientID),
		ID:         NewID(),
		Time:       at,
		ActorID:    actorID,
		ActorRole:  bptracker.RolePatient,
		Action:     action,
		PatientID:  patientID,
		ResourceID: resourceID,
		Outcome:    bptracker.OutcomeSuccess,
		SourceIP:   "192.0.2.1",
		UserAgent:  "storetest",
		RequestID:  NewID(),
	}
}

// Reading returns a new version-1 reading of patientID taken at takenAt.
func Reading(t testing.TB, patientID string, takenAt time.Time) *bptracker.ReadingRecord {
	return &bptracker.ReadingRecord{
		ID:        NewID(),
		PatientID: patientID,
		TakenAt:   takenAt,
		Version:   1,
		Sealed:    randomBytes(t, 64),
		UpdatedBy: patientID,
		UpdatedAt: takenAt,
	}
}

func wantCode(t testing.TB, what string, err error, code string) {
	t.Helper()
	if got := bptracker.ErrorCode(err); got != code {
		t.Fatalf("%s: got code %q (err %v), want %q", what, got, err, code)
	}
}

func must(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func ctx() context.Context { return context.Background() }

// createReadings stores recs with one event and returns the event.
func createReadings(t testing.TB, s bptracker.Store, recs ...*bptracker.ReadingRecord) *bptracker.AuditEvent {
	t.Helper()
	ev := Event(recs[0].PatientID, recs[0].PatientID, "reading.create", recs[0].ID, recs[0].UpdatedAt)
	must(t, "CreateReadings", s.CreateReadings(ctx(), recs, ev))
	return ev
}

func equalReading(t testing.TB, got, want *bptracker.ReadingRecord) {
	t.Helper()
	switch {
	case got == nil:
		t.Fatalf("reading %s: got nil", want.ID)
	case got.ID != want.ID || got.PatientID != want.PatientID:
		t.Fatalf("reading: got id %s patient %s, want id %s patient %s", got.ID, got.PatientID, want.ID, want.PatientID)
	case !got.TakenAt.Equal(want.TakenAt):
		t.Fatalf("reading %s TakenAt: got %v, want %v", want.ID, got.TakenAt, want.TakenAt)
	case got.Version != want.Version:
		t.Fatalf("reading %s Version: got %d, want %d", want.ID, got.Version, want.Version)
	case got.Deleted != want.Deleted:
		t.Fatalf("reading %s Deleted: got %v, want %v", want.ID, got.Deleted, want.Deleted)
	case !bytes.Equal(got.Sealed, want.Sealed):
		t.Fatalf("reading %s Sealed: got %x, want %x", want.ID, got.Sealed, want.Sealed)
	case got.UpdatedBy != want.UpdatedBy:
		t.Fatalf("reading %s UpdatedBy: got %q, want %q", want.ID, got.UpdatedBy, want.UpdatedBy)
	case !got.UpdatedAt.Equal(want.UpdatedAt):
		t.Fatalf("reading %s UpdatedAt: got %v, want %v", want.ID, got.UpdatedAt, want.UpdatedAt)
	}
}

// chainEvents returns every event of a chain in sequence order.
func chainEvents(t testing.TB, s bptracker.Store, chain string) []*bptracker.AuditEvent {
	t.Helper()
	var all []*bptracker.AuditEvent
	var after int64
	for {
		evs, err := s.FindAuditChain(ctx(), chain, after, 100)
		must(t, "FindAuditChain", err)
		all = append(all, evs...)
		if len(evs) < 100 {
			return all
		}
		after = evs[len(evs)-1].Seq
	}
}

// requireEvent checks that ev was stored, sealed, in the chain of its
// patient, with the fields the caller gave it, and that the trail verifies.
func requireEvent(t testing.TB, s bptracker.Store, ev *bptracker.AuditEvent) {
	t.Helper()
	chain := bptracker.ChainFor(ev.PatientID)
	for _, e := range chainEvents(t, s, chain) {
		if e.ID != ev.ID {
			continue
		}
		if e.Action != ev.Action || e.ActorID != ev.ActorID || e.ResourceID != ev.ResourceID || e.PatientID != ev.PatientID || e.Outcome != ev.Outcome {
			t.Fatalf("event %s: got %s/%s/%s/%s/%s, want %s/%s/%s/%s/%s", ev.ID,
				e.Action, e.ActorID, e.ResourceID, e.PatientID, e.Outcome,
				ev.Action, ev.ActorID, ev.ResourceID, ev.PatientID, ev.Outcome)
		}
		if !e.Time.Equal(ev.Time) {
			t.Fatalf("event %s Time: got %v, want %v", ev.ID, e.Time, ev.Time)
		}
		if e.Seq < 1 || e.Hash == "" || e.Hash != e.ComputeHash() {
			t.Fatalf("event %s: got seq %d hash %q, want a sealed event", ev.ID, e.Seq, e.Hash)
		}
		if _, err := bptracker.VerifyAudit(ctx(), s); err != nil {
			t.Fatalf("VerifyAudit: %v", err)
		}
		return
	}
	t.Fatalf("event %s (%s) was not stored in chain %s", ev.ID, ev.Action, chain)
}

// allReadings pages through FindReadings and returns every record.
func allReadings(t testing.TB, s bptracker.Store, f bptracker.ReadingFilter) []*bptracker.ReadingRecord {
	t.Helper()
	var all []*bptracker.ReadingRecord
	for range 1000 {
		page, next, err := s.FindReadings(ctx(), f)
		must(t, "FindReadings", err)
		all = append(all, page...)
		if next == "" {
			return all
		}
		f.Cursor = next
	}
	t.Fatal("FindReadings: the cursor never ends")
	return nil
}

func ids[T any](xs []T, id func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = id(x)
	}
	return out
}

func readingID(r *bptracker.ReadingRecord) string { return r.ID }
func eventID(e *bptracker.AuditEvent) string      { return e.ID }

// concurrently runs fn(i) for i in [0, n) at once and returns the errors.
func concurrently(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// countCodes tallies the error codes ("" for success).
func countCodes(errs []error) map[string]int {
	m := map[string]int{}
	for _, err := range errs {
		m[bptracker.ErrorCode(err)]++
	}
	return m
}

func fmtCodes(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b bytes.Buffer
	for _, k := range keys {
		fmt.Fprintf(&b, "%q:%d ", k, m[k])
	}
	return b.String()
}
