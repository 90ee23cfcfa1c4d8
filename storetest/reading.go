package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/bptracker/bptracker"
)

func testReadings(t *testing.T, h *harness) {
	t.Run("CreateReadings/OK", func(t *testing.T) {
		s := h.Open(t)
		p := NewID()
		recs := []*bptracker.ReadingRecord{
			Reading(t, p, At(0)), Reading(t, p, At(time.Minute)), Reading(t, p, At(2*time.Minute)),
		}
		ev := createReadings(t, s, recs...)
		for _, want := range recs {
			got, err := s.FindReadingByID(ctx(), p, want.ID)
			must(t, "FindReadingByID", err)
			equalReading(t, got, want)
		}
		requireEvent(t, s, ev)
	})

	t.Run("CreateReadings/ErrConflict", func(t *testing.T) {
		s := h.Open(t)
		p := NewID()
		old := Reading(t, p, At(0))
		createReadings(t, s, old)

		// The same id again, even at another time, fails the whole batch.
		dup := *old
		dup.TakenAt, dup.Sealed = At(time.Hour), randomBytes(t, 64)
		fresh := Reading(t, p, At(2*time.Hour))
		err := s.CreateReadings(ctx(), []*bptracker.ReadingRecord{fresh, &dup}, Event(p, p, "reading.create", fresh.ID, At(3*time.Hour)))
		wantCode(t, "CreateReadings with an existing id", err, bptracker.ECONFLICT)

		_, err = s.FindReadingByID(ctx(), p, fresh.ID)
		wantCode(t, "FindReadingByID of the batch's new reading", err, bptracker.ENOTFOUND)
		got, err := s.FindReadingByID(ctx(), p, old.ID)
		must(t, "FindReadingByID", err)
		equalReading(t, got, old)
		if all := allReadings(t, s, bptracker.ReadingFilter{PatientID: p, WithDeleted: true}); len(all) != 1 {
			t.Fatalf("readings after a failed batch: got %d, want 1", len(all))
		}
		if _, err := bptracker.VerifyAudit(ctx(), s); err != nil {
			t.Fatalf("VerifyAudit: %v", err)
		}
	})

	t.Run("FindReadingByID/ErrNotFound", func(t *testing.T) {
		s := h.Open(t)
		p := NewID()
		r := Reading(t, p, At(0))
		createReadings(t, s, r)
		_, err := s.FindReadingByID(ctx(), p, NewID())
		wantCode(t, "FindReadingByID of an unknown id", err, bptracker.ENOTFOUND)
		_, err = s.FindReadingByID(ctx(), NewID(), r.ID)
		wantCode(t, "FindReadingByID with another patient", err, bptracker.ENOTFOUND)
	})

	t.Run("UpdateReading/OK", func(t *testing.T) {
		s := h.Open(t)
		p := NewID()
		v1 := Reading(t, p, At(0))
		createReadings(t, s, v1)

		v2 := *v1
		v2.Version, v2.TakenAt, v2.Sealed = 2, At(-time.Hour), randomBytes(t, 80)
		v2.UpdatedBy, v2.UpdatedAt = NewID(), At(time.Hour)
		ev2 := Event(v2.UpdatedBy, p, "reading.update", v1.ID, At(time.Hour))
		must(t, "UpdateReading", s.UpdateReading(ctx(), &v2, ev2))
		got, err := s.FindReadingByID(ctx(), p, v1.ID)
		must(t, "FindReadingByID", err)
		equalReading(t, got, &v2)
		requireEvent(t, s, ev2)

		// A tombstone is an update with Deleted set; the reading can still be
		// found by id, with its history.
		v3 := v2
		v3.Version, v3.Deleted, v3.UpdatedAt = 3, true, At(2*time.Hour)
		ev3 := Event(p, p, "reading.delete", v1.ID, At(2*time.Hour))
		must(t, "UpdateReading (delete)", s.UpdateReading(ctx(), &v3, ev3))
		got, err = s.FindReadingByID(ctx(), p, v1.ID)
		must(t, "FindReadingByID of a tombstone", err)
		equalReading(t, got, &v3)
		requireEvent(t, s, ev3)

		hist, err := s.FindReadingHistory(ctx(), p, v1.ID)
		must(t, "FindReadingHistory", err)
		if got, want := len(hist), 3; got != want {
			t.Fatalf("history length: got %d, want %d", got, want)
		}
		for i, want := range []*bptracker.ReadingRecord{v1, &v2, &v3} {
			equalReading(t, hist[i], want)
		}
	})

	t.Run("UpdateReading/ErrConflict", func(t *testing.T) {
		s := h.Open(t)
		p := NewID()
		v1 := Reading(t, p, At(0))
		createReadings(t, s, v1)
		for _, version := range []int{1, 3, 0} {
			up := *v1
			up.Version, up.Sealed, up.TakenAt = version, randomBytes(t, 64), At(time.Hour)
			err := s.UpdateReading(ctx(), &up, Event(p, p, "reading.update", v1.ID, At(time.Hour)))
			wantCode(t, "UpdateReading with a wrong version", err, bptracker.ECONFLICT)
		}
		got, err := s.FindReadingByID(ctx(), p, v1.ID)
		must(t, "FindReadingByID", err)
		equalReading(t, got, v1)
		hist, err := s.FindReadingHistory(ctx(), p, v1.ID)
		must(t, "FindReadingHistory", err)
		if got, want := len(hist), 1; got != want {
			t.Fatalf("history length after conflicts: got %d, want %d", got, want)
		}
		if _, err := bptracker.VerifyAudit(ctx(), s); err != nil {
			t.Fatalf("VerifyAudit: %v", err)
		}
	})

	t.Run("UpdateReading/ErrNotFound", func(t *testing.T) {
		s := h.Open(t)
		p := NewID()
		r := Reading(t, p, At(0))
		r.Version = 2
		err := s.UpdateReading(ctx(), r, Event(p, p, "reading.update", r.ID, At(time.Hour)))
		wantCode(t, "UpdateReading of an unknown reading", err, bptracker.ENOTFOUND)
	})

	t.Run("UpdateReading/Concurrent", func(t *testing.T) {
		s := h.Open(t)
		p := NewID()
		v1 := Reading(t, p, At(0))
		createReadings(t, s, v1)
		const n = 8
		versions := make([]*bptracker.ReadingRecord, n)
		for i := range versions {
			up := *v1
			up.Version, up.Sealed = 2, randomBytes(t, 64)
			up.TakenAt = At(time.Duration(i%2) * time.Minute) // some move, some stay
			versions[i] = &up
		}
		errs := concurrently(n, func(i int) error {
			return s.UpdateReading(ctx(), versions[i], Event(p, p, "reading.update", v1.ID, At(time.Hour)))
		})
		codes := countCodes(errs)
		if codes[""] != 1 || codes[bptracker.ECONFLICT] != n-1 {
			t.Fatalf("concurrent updates of one version: got %s, want one success and %d conflicts", fmtCodes(codes), n-1)
		}
		winner := versions[slices.IndexFunc(errs, func(err error) bool { return err == nil })]
		got, err := s.FindReadingByID(ctx(), p, v1.ID)
		must(t, "FindReadingByID", err)
		equalReading(t, got, winner)
		hist, err := s.FindReadingHistory(ctx(), p, v1.ID)
		must(t, "FindReadingHistory", err)
		if got, want := len(hist), 2; got != want {
			t.Fatalf("history length: got %d, want %d", got, want)
		}
		equalReading(t, hist[0], v1)
		equalReading(t, hist[1], winner)
		if all := allReadings(t, s, bptracker.ReadingFilter{PatientID: p, WithDeleted: true}); len(all) != 1 {
			t.Fatalf("readings after concurrent updates: got %d, want 1", len(all))
		}
		if _, err := bptracker.VerifyAudit(ctx(), s); err != nil {
			t.Fatalf("VerifyAudit: %v", err)
		}
	})

	t.Run("FindReadingHistory/ErrNotFound", func(t *testing.T) {
		s := h.Open(t)
		_, err := s.FindReadingHistory(ctx(), NewID(), NewID())
		wantCode(t, "FindReadingHistory of an unknown reading", err, bptracker.ENOTFOUND)
	})

	t.Run("FindReadings/Paging", func(t *testing.T) {
		s := h.Open(t)
		p := NewID()
		const n = 250
		want := map[string]bool{}
		var batch []*bptracker.ReadingRecord
		for i := range n {
			// Pairs share a time, so the order needs a tie-break too.
			r := Reading(t, p, At(time.Duration(i/2)*time.Minute))
			want[r.ID] = true
			batch = append(batch, r)
			if len(batch) == 50 {
				createReadings(t, s, batch...)
				batch = nil
			}
		}
		f := bptracker.ReadingFilter{PatientID: p, Limit: 100}
		var sizes []int
		seen := map[string]bool{}
		var prev *bptracker.ReadingRecord
		for page := 0; ; page++ {
			if page > 5 {
				t.Fatal("FindReadings: too many pages")
			}
			recs, next, err := s.FindReadings(ctx(), f)
			must(t, "FindReadings", err)
			sizes = append(sizes, len(recs))
			for _, r := range recs {
				if seen[r.ID] {
					t.Fatalf("reading %s returned twice", r.ID)
				}
				if !want[r.ID] {
					t.Fatalf("reading %s was never created", r.ID)
				}
				seen[r.ID] = true
				if prev != nil && r.TakenAt.After(prev.TakenAt) {
					t.Fatalf("order: %v after %v, want newest first", r.TakenAt, prev.TakenAt)
				}
				prev = r
			}
			if next == "" {
				break
			}
			f.Cursor = next
		}
		if got, want := sizes, []int{100, 100, 50}; !slices.Equal(got, want) {
			t.Fatalf("page sizes: got %v, want %v", got, want)
		}
		if got, want := len(seen), n; got != want {
			t.Fatalf("readings seen: got %d, want %d", got, want)
		}
	})

	t.Run("FindReadings/Range", func(t *testing.T) {
		s := h.Open(t)
		p := NewID()
		var recs []*bptracker.ReadingRecord
		for i := range 10 {
			recs = append(recs, Reading(t, p, At(time.Duration(i)*time.Hour)))
		}
		createReadings(t, s, recs...)
		tests := []struct {
			name     string
			from, to *time.Time
			want     []int // indexes into recs, newest first
		}{
			{"FromTo", ptr(At(2 * time.Hour)), ptr(At(5 * time.Hour)), []int{4, 3, 2}},
			{"From", ptr(At(7 * time.Hour)), nil, []int{9, 8, 7}},
			{"To", nil, ptr(At(2 * time.Hour)), []int{1, 0}},
			{"Empty", ptr(At(20 * time.Hour)), nil, nil},
			{"All", nil, nil, []int{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got := allReadings(t, s, bptracker.ReadingFilter{PatientID: p, From: tt.from, To: tt.to, Limit: 2})
				var want []string
				for _, i := range tt.want {
					want = append(want, recs[i].ID)
				}
				if g := ids(got, readingID); !slices.Equal(g, want) {
					t.Fatalf("got %v, want %v", g, want)
				}
			})
		}
	})

	t.Run("FindReadings/Deleted", func(t *testing.T) {
		s := h.Open(t)
		p := NewID()
		keep, del := Reading(t, p, At(0)), Reading(t, p, At(time.Hour))
		createReadings(t, s, keep, del)
		tomb := *del
		tomb.Version, tomb.Deleted = 2, true
		must(t, "UpdateReading", s.UpdateReading(ctx(), &tomb, Event(p, p, "reading.delete", del.ID, At(2*time.Hour))))
		if got, want := ids(allReadings(t, s, bptracker.ReadingFilter{PatientID: p}), readingID), []string{keep.ID}; !slices.Equal(got, want) {
			t.Fatalf("without deleted: got %v, want %v", got, want)
		}
		all := allReadings(t, s, bptracker.ReadingFilter{PatientID: p, WithDeleted: true})
		if got, want := ids(all, readingID), []string{del.ID, keep.ID}; !slices.Equal(got, want) {
			t.Fatalf("with deleted: got %v, want %v", got, want)
		}
		if !all[0].Deleted {
			t.Fatalf("tombstone %s: got Deleted false, want true", del.ID)
		}
	})

	t.Run("FindReadings/BadCursor", func(t *testing.T) {
		s := h.Open(t)
		for _, c := range []string{"not a cursor!", "AAAA", "eyJ4Ijoi"} {
			_, _, err := s.FindReadings(ctx(), bptracker.ReadingFilter{PatientID: NewID(), Cursor: c})
			wantCode(t, "FindReadings with cursor "+c, err, bptracker.EINVALID)
		}
	})

	t.Run("FindReadings/Empty", func(t *testing.T) {
		s := h.Open(t)
		recs, next, err := s.FindReadings(ctx(), bptracker.ReadingFilter{PatientID: NewID(), Limit: 10})
		must(t, "FindReadings", err)
		if len(recs) != 0 || next != "" {
			t.Fatalf("got %d readings and cursor %q, want none", len(recs), next)
		}
	})
}
