package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/bptracker/bptracker"
)

// testIsolation checks that one patient's id never reaches another
// patient's records.
func testIsolation(t *testing.T, h *harness) {
	s := h.Open(t)
	pa, pb := NewID(), NewID()
	var ra, rb []*bptracker.ReadingRecord
	for i := range 5 {
		ra = append(ra, Reading(t, pa, At(time.Duration(i)*time.Hour)))
		rb = append(rb, Reading(t, pb, At(time.Duration(i)*time.Hour)))
	}
	createReadings(t, s, ra...)
	createReadings(t, s, rb...)
	ga, gb := Grant(pa, NewID()), Grant(pb, NewID())
	createGrant(t, s, ga)
	createGrant(t, s, gb)

	t.Run("FindReadings", func(t *testing.T) {
		for _, tt := range []struct {
			patient string
			want    []*bptracker.ReadingRecord
		}{{pa, ra}, {pb, rb}} {
			got := allReadings(t, s, bptracker.ReadingFilter{PatientID: tt.patient, Limit: 2, WithDeleted: true})
			want := ids(tt.want, readingID)
			slices.Reverse(want)
			if g := ids(got, readingID); !slices.Equal(g, want) {
				t.Fatalf("readings of %s: got %v, want %v", tt.patient, g, want)
			}
		}
	})

	t.Run("Cursor", func(t *testing.T) {
		// A cursor from A's listing must not open B's partition to A's rows.
		_, next, err := s.FindReadings(ctx(), bptracker.ReadingFilter{PatientID: pa, Limit: 2})
		must(t, "FindReadings", err)
		got, _, err := s.FindReadings(ctx(), bptracker.ReadingFilter{PatientID: pb, Limit: 10, Cursor: next})
		if err != nil {
			wantCode(t, "FindReadings with another patient's cursor", err, bptracker.EINVALID)
			return
		}
		for _, r := range got {
			if r.PatientID != pb {
				t.Fatalf("FindReadings of %s with A's cursor: got reading %s of %s", pb, r.ID, r.PatientID)
			}
		}
	})

	t.Run("FindReadingByID", func(t *testing.T) {
		_, err := s.FindReadingByID(ctx(), pb, ra[0].ID)
		wantCode(t, "FindReadingByID(B, A's reading)", err, bptracker.ENOTFOUND)
		_, err = s.FindReadingHistory(ctx(), pb, ra[0].ID)
		wantCode(t, "FindReadingHistory(B, A's reading)", err, bptracker.ENOTFOUND)
	})

	t.Run("UpdateReading", func(t *testing.T) {
		up := *ra[1]
		up.PatientID, up.Version, up.Sealed = pb, 2, randomBytes(t, 64)
		err := s.UpdateReading(ctx(), &up, Event(pb, pb, "reading.update", up.ID, At(time.Hour)))
		wantCode(t, "UpdateReading of A's reading as B", err, bptracker.ENOTFOUND)
		got, err := s.FindReadingByID(ctx(), pa, ra[1].ID)
		must(t, "FindReadingByID", err)
		equalReading(t, got, ra[1])
		if rs := allReadings(t, s, bptracker.ReadingFilter{PatientID: pb, WithDeleted: true}); len(rs) != len(rb) {
			t.Fatalf("B's readings after the refused update: got %d, want %d", len(rs), len(rb))
		}
	})

	t.Run("Grants", func(t *testing.T) {
		_, err := s.FindGrantByID(ctx(), pb, ga.ID)
		wantCode(t, "FindGrantByID(B, A's grant)", err, bptracker.ENOTFOUND)
		if got, want := grantIDs(t, s, bptracker.GrantFilter{PatientID: pa}), []string{ga.ID}; !slices.Equal(got, want) {
			t.Fatalf("grants of A: got %v, want %v", got, want)
		}
		if got := grantIDs(t, s, bptracker.GrantFilter{PatientID: pb, GranteeID: ga.GranteeID}); len(got) != 0 {
			t.Fatalf("grants of B to A's grantee: got %v, want none", got)
		}
		moved := *ga
		moved.PatientID = pb
		err = s.UpdateGrant(ctx(), &moved, Event(pb, pb, "grant.revoke", ga.ID, Base))
		wantCode(t, "UpdateGrant of A's grant as B", err, bptracker.ENOTFOUND)
		got, err := s.FindGrantByID(ctx(), pa, ga.ID)
		must(t, "FindGrantByID", err)
		equalGrant(t, got, ga)
	})

	t.Run("Audit", func(t *testing.T) {
		evs := allEvents(t, s, bptracker.AuditFilter{PatientID: pa})
		if len(evs) < 2 {
			t.Fatalf("events of A: got %d, want at least 2", len(evs))
		}
		for _, e := range evs {
			if e.PatientID != pa {
				t.Fatalf("events of A: got event %s of patient %q", e.ID, e.PatientID)
			}
		}
	})
}
