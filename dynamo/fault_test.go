package dynamo_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/dynamo"
	"github.com/bptracker/bptracker/internal/emulators"
)

// A change that fails after its event was written is followed by an event
// with outcome failure and the same resource id, and the trail verifies.
func TestFailedChangeIsAudited(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	p := newID()
	r := reading(t, p, capBase)
	must(t, db.CreateReadings(ctx, []*bptracker.ReadingRecord{r}, event(p, p, "reading.create", r.ID, capBase)))
	ev := event(p, p, "reading.create", r.ID, capBase.Add(time.Minute))
	err := db.CreateReadings(ctx, []*bptracker.ReadingRecord{r}, ev)
	if got, want := bptracker.ErrorCode(err), bptracker.ECONFLICT; got != want {
		t.Fatalf("CreateReadings of an existing id: got %q (%v), want %q", got, err, want)
	}
	evs, err := db.FindAuditChain(ctx, p, 0, 10)
	must(t, err)
	if got, want := len(evs), 3; got != want {
		t.Fatalf("events: got %d, want %d (create, attempt, follow-up)", got, want)
	}
	attempt, fu := evs[1], evs[2]
	if attempt.ID != ev.ID {
		t.Fatalf("second event: got %s, want the attempt %s", attempt.ID, ev.ID)
	}
	if fu.Outcome != bptracker.OutcomeFailure || fu.ResourceID != r.ID || !strings.Contains(fu.Detail, ev.ID) {
		t.Fatalf("follow-up: got outcome %q resource %q detail %q, want failure, %s and a reference to %s", fu.Outcome, fu.ResourceID, fu.Detail, r.ID, ev.ID)
	}
	if _, err := bptracker.VerifyAudit(ctx, db); err != nil {
		t.Fatalf("VerifyAudit: %v", err)
	}
}

// A cursor is bound to the listing it came from.
func TestCursorScope(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	p, doc := newID(), newID()
	for i := range 3 {
		must(t, db.AppendAudit(ctx, event(doc, p, "reading.read", "", capBase.Add(time.Duration(i)*time.Second))))
	}
	_, next, err := db.FindAuditEvents(ctx, bptracker.AuditFilter{PatientID: p, Limit: 1})
	must(t, err)
	if next == "" {
		t.Fatal("got no cursor, want one")
	}
	_, _, err = db.FindAuditEvents(ctx, bptracker.AuditFilter{ActorID: doc, Limit: 1, Cursor: next})
	if got, want := bptracker.ErrorCode(err), bptracker.EINVALID; got != want {
		t.Fatalf("a patient listing's cursor in an actor listing: got %q, want %q", got, want)
	}
	evs, _, err := db.FindAuditEvents(ctx, bptracker.AuditFilter{PatientID: p, Limit: 5, Cursor: next})
	must(t, err)
	if got, want := len(evs), 2; got != want {
		t.Fatalf("events after the cursor: got %d, want %d", got, want)
	}
}

// Throttling is retried with backoff by the client, not surfaced.
func TestThrottlingIsRetried(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		if calls.Add(1) <= 2 {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"slow down"}`)
			return
		}
		io.WriteString(w, `{"Item":{"pk":{"S":"K#o"},"sk":{"S":"K"},"w":{"B":"a2V5"}},"ConsumedCapacity":{"TableName":"t","CapacityUnits":1}}`)
	}))
	defer srv.Close()
	db, err := dynamo.Open(context.Background(), dynamo.Config{Table: "t", Endpoint: srv.URL, AWS: emulators.AWS()})
	must(t, err)
	key, err := db.FindDataKey(context.Background(), "o")
	must(t, err)
	if string(key) != "key" {
		t.Fatalf("key: got %q, want %q", key, "key")
	}
	if got, want := calls.Load(), int32(3); got != want {
		t.Fatalf("requests: got %d, want %d (two throttled, one served)", got, want)
	}
}
