package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/bptracker/bptracker"
)

func appendEvent(t testing.TB, s bptracker.Store, ev *bptracker.AuditEvent) *bptracker.AuditEvent {
	t.Helper()
	must(t, "AppendAudit", s.AppendAudit(ctx(), ev))
	return ev
}

// allEvents pages through FindAuditEvents.
func allEvents(t testing.TB, s bptracker.Store, f bptracker.AuditFilter) []*bptracker.AuditEvent {
	t.Helper()
	var out []*bptracker.AuditEvent
	for range 1000 {
		evs, next, err := s.FindAuditEvents(ctx(), f)
		must(t, "FindAuditEvents", err)
		if f.Limit > 0 && len(evs) > f.Limit {
			t.Fatalf("FindAuditEvents: page of %d, want at most %d", len(evs), f.Limit)
		}
		out = append(out, evs...)
		if next == "" {
			return out
		}
		f.Cursor = next
	}
	t.Fatal("FindAuditEvents: the cursor never ends")
	return nil
}

func testAudit(t *testing.T, h *harness) {
	t.Run("AppendAudit/OK", func(t *testing.T) {
		s := h.Open(t)
		p := NewID()
		var evs []*bptracker.AuditEvent
		for i := range 3 {
			ev := appendEvent(t, s, Event(p, p, "reading.read", NewID(), At(time.Duration(i)*time.Second)))
			if got, want := ev.Seq, int64(i+1); got != want {
				t.Fatalf("Seq after AppendAudit: got %d, want %d", got, want)
			}
			if ev.Chain != p {
				t.Fatalf("Chain: got %q, want %q", ev.Chain, p)
			}
			evs = append(evs, ev)
		}
		sys := appendEvent(t, s, Event(NewID(), "", "user.signin", NewID(), Base))
		if got, want := sys.Chain, bptracker.SystemChain; got != want {
			t.Fatalf("Chain of an event with no patient: got %q, want %q", got, want)
		}
		got := chainEvents(t, s, p)
		if g, w := ids(got, eventID), ids(evs, eventID); !slices.Equal(g, w) {
			t.Fatalf("FindAuditChain: got %v, want %v", g, w)
		}
		for i, e := range got {
			if e.Seq != int64(i+1) || e.Hash != evs[i].Hash || e.PrevHash != evs[i].PrevHash {
				t.Fatalf("event %d: got seq %d hash %s prev %s, want seq %d hash %s prev %s",
					i, e.Seq, e.Hash, e.PrevHash, i+1, evs[i].Hash, evs[i].PrevHash)
			}
			g, w := *e, *evs[i]
			if !g.Time.Equal(w.Time) {
				t.Fatalf("event %d Time: got %v, want %v", i, g.Time, w.Time)
			}
			g.Time, w.Time = time.Time{}, time.Time{}
			if g != w {
				t.Fatalf("event %d: got %+v, want %+v", i, g, w)
			}
		}
		if got[1].PrevHash != got[0].Hash || got[0].PrevHash != "" {
			t.Fatal("the chain's events do not link")
		}
		n, err := bptracker.VerifyAudit(ctx(), s)
		must(t, "VerifyAudit", err)
		if got, want := n, int64(4); got != want {
			t.Fatalf("VerifyAudit: got %d events, want %d", got, want)
		}
		chains, err := s.AuditChains(ctx())
		must(t, "AuditChains", err)
		slices.Sort(chains)
		want := []string{p, bptracker.SystemChain}
		slices.Sort(want)
		if !slices.Equal(chains, want) {
			t.Fatalf("AuditChains: got %v, want %v", chains, want)
		}
	})

	t.Run("FindAuditChain", func(t *testing.T) {
		s := h.Open(t)
		p := NewID()
		for i := range 5 {
			appendEvent(t, s, Event(p, p, "reading.read", "", At(time.Duration(i)*time.Second)))
		}
		evs, err := s.FindAuditChain(ctx(), p, 2, 2)
		must(t, "FindAuditChain", err)
		if got, want := ids(evs, func(e *bptracker.AuditEvent) string { return fmt.Sprint(e.Seq) }), []string{"3", "4"}; !slices.Equal(got, want) {
			t.Fatalf("seqs after 2, limit 2: got %v, want %v", got, want)
		}
		evs, err = s.FindAuditChain(ctx(), NewID(), 0, 10)
		must(t, "FindAuditChain of an unknown chain", err)
		if len(evs) != 0 {
			t.Fatalf("events of an unknown chain: got %d, want 0", len(evs))
		}
	})

	t.Run("VerifyAudit/Empty", func(t *testing.T) {
		s := h.Open(t)
		n, err := bptracker.VerifyAudit(ctx(), s)
		must(t, "VerifyAudit", err)
		if n != 0 {
			t.Fatalf("VerifyAudit of an empty store: got %d events, want 0", n)
		}
	})

	t.Run("AppendAudit/ConcurrentOneChain", func(t *testing.T) {
		s := h.Open(t)
		p := NewID()
		const writers, each = 8, 10
		errs := concurrently(writers, func(i int) error {
			for j := range each {
				if err := s.AppendAudit(ctx(), Event(p, p, "reading.read", "", At(time.Duration(i*each+j)*time.Millisecond))); err != nil {
					return err
				}
			}
			return nil
		})
		for _, err := range errs {
			must(t, "AppendAudit", err)
		}
		evs := chainEvents(t, s, p)
		if got, want := len(evs), writers*each; got != want {
			t.Fatalf("events in the chain: got %d, want %d", got, want)
		}
		for i, e := range evs {
			if got, want := e.Seq, int64(i+1); got != want {
				t.Fatalf("seq: got %d, want %d", got, want)
			}
		}
		n, err := bptracker.VerifyAudit(ctx(), s)
		must(t, "VerifyAudit", err)
		if got, want := n, int64(writers*each); got != want {
			t.Fatalf("VerifyAudit: got %d events, want %d", got, want)
		}
	})

	t.Run("AppendAudit/ConcurrentChains", func(t *testing.T) {
		s := h.Open(t)
		patients := []string{NewID(), NewID(), NewID(), ""}
		const writers, each = 8, 6
		errs := concurrently(writers, func(i int) error {
			for j := range each {
				p := patients[(i+j)%len(patients)]
				if err := s.AppendAudit(ctx(), Event(NewID(), p, "reading.read", "", At(time.Duration(j)*time.Second))); err != nil {
					return err
				}
			}
			return nil
		})
		for _, err := range errs {
			must(t, "AppendAudit", err)
		}
		n, err := bptracker.VerifyAudit(ctx(), s)
		must(t, "VerifyAudit", err)
		if got, want := n, int64(writers*each); got != want {
			t.Fatalf("VerifyAudit: got %d events, want %d", got, want)
		}
		chains, err := s.AuditChains(ctx())
		must(t, "AuditChains", err)
		if got, want := len(chains), len(patients); got != want {
			t.Fatalf("AuditChains: got %v, want %d chains", chains, want)
		}
	})

	t.Run("FindAuditEvents", func(t *testing.T) {
		s := h.Open(t)
		pa, pb := NewID(), NewID()
		doc, admin := NewID(), NewID()
		// Twelve events a minute apart, newest last: who did what to whom.
		type spec struct{ actor, patient, action string }
		specs := []spec{
			{pa, pa, "reading.create"}, {doc, pa, "reading.read"}, {pb, pb, "reading.create"},
			{admin, "", "user.disable"}, {doc, pb, "reading.read"}, {pa, pa, "reading.read"},
			{admin, pb, "breakglass.open"}, {doc, pa, "reading.read"}, {pb, pb, "grant.create"},
			{admin, "", "user.invite"}, {pa, pa, "reading.update"}, {doc, pb, "reading.read"},
		}
		var evs []*bptracker.AuditEvent
		for i, sp := range specs {
			evs = append(evs, appendEvent(t, s, Event(sp.actor, sp.patient, sp.action, NewID(), At(time.Duration(i)*time.Minute))))
		}
		// want lists the matching events newest first.
		want := func(match func(i int, sp spec) bool) []string {
			var out []string
			for i := len(specs) - 1; i >= 0; i-- {
				if match(i, specs[i]) {
					out = append(out, evs[i].ID)
				}
			}
			return out
		}
		tests := []struct {
			name   string
			filter bptracker.AuditFilter
			want   []string
		}{
			{"All", bptracker.AuditFilter{Limit: 5}, want(func(int, spec) bool { return true })},
			{"Actor", bptracker.AuditFilter{ActorID: doc, Limit: 3}, want(func(_ int, sp spec) bool { return sp.actor == doc })},
			{"ActorSelf", bptracker.AuditFilter{ActorID: pa, Limit: 2}, want(func(_ int, sp spec) bool { return sp.actor == pa })},
			{"ActorAdmin", bptracker.AuditFilter{ActorID: admin}, want(func(_ int, sp spec) bool { return sp.actor == admin })},
			{"Patient", bptracker.AuditFilter{PatientID: pb, Limit: 2}, want(func(_ int, sp spec) bool { return sp.patient == pb })},
			{"Action", bptracker.AuditFilter{Action: "reading.read", Limit: 4}, want(func(_ int, sp spec) bool { return sp.action == "reading.read" })},
			{"ActorPatient", bptracker.AuditFilter{ActorID: doc, PatientID: pa}, want(func(_ int, sp spec) bool { return sp.actor == doc && sp.patient == pa })},
			{"PatientAction", bptracker.AuditFilter{PatientID: pa, Action: "reading.read"}, want(func(_ int, sp spec) bool { return sp.patient == pa && sp.action == "reading.read" })},
			{"Time", bptracker.AuditFilter{From: ptr(At(3 * time.Minute)), To: ptr(At(7 * time.Minute)), Limit: 3}, want(func(i int, _ spec) bool { return i >= 3 && i < 7 })},
			{"ActorTime", bptracker.AuditFilter{ActorID: doc, From: ptr(At(4 * time.Minute))}, want(func(i int, sp spec) bool { return sp.actor == doc && i >= 4 })},
			{"PatientTime", bptracker.AuditFilter{PatientID: pa, To: ptr(At(5 * time.Minute))}, want(func(i int, sp spec) bool { return sp.patient == pa && i < 5 })},
			{"None", bptracker.AuditFilter{ActorID: NewID()}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got := ids(allEvents(t, s, tt.filter), eventID)
				if !slices.Equal(got, tt.want) {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
			})
		}
		t.Run("BadCursor", func(t *testing.T) {
			_, _, err := s.FindAuditEvents(ctx(), bptracker.AuditFilter{Cursor: "not a cursor!"})
			wantCode(t, "FindAuditEvents with a bad cursor", err, bptracker.EINVALID)
		})
	})
}
