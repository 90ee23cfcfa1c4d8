package importer_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/exporter"
	"github.com/bptracker/bptracker/importer"
)

func intp(v int) *int { return &v }

// history is a few readings that use every field an export carries,
// including text that looks like a formula.
func history(tb testing.TB) []bptracker.Reading {
	tb.Helper()
	cet := time.FixedZone("", 3600)
	est := time.FixedZone("", -5*3600)
	return []bptracker.Reading{
		{ID: "r1", TakenAt: time.Date(2026, 1, 31, 8, 15, 0, 0, cet), Systolic: 128, Diastolic: 82, Pulse: intp(64),
			Arm: bptracker.ArmLeft, Position: bptracker.PositionSitting, Note: "after coffee, \"strong\"", Tags: []string{"morning", "coffee"}},
		{ID: "r2", TakenAt: time.Date(2026, 1, 31, 20, 5, 30, 0, est), Systolic: 141, Diastolic: 91,
			Arm: bptracker.ArmRight, Position: bptracker.PositionLying, IrregularHeartbeat: true, Note: "=HYPERLINK(\"http://x\")"},
		{ID: "r3", TakenAt: time.Date(2026, 2, 1, 7, 0, 0, 0, time.UTC), Systolic: 119, Diastolic: 79, Pulse: intp(58),
			Position: bptracker.PositionStanding, Note: "-dizzy", Tags: []string{"@home"}},
		{ID: "r4", TakenAt: time.Date(2026, 2, 1, 7, 1, 0, 0, time.UTC), Systolic: 117, Diastolic: 77, Deleted: true},
	}
}

// liveBriefs is what an export of rs must give back on import.
func liveBriefs(rs []bptracker.Reading, withAll bool) []string {
	var out []string
	for _, r := range rs {
		if r.Deleted {
			continue
		}
		if !withAll { // FHIR carries neither tags nor the irregular flag
			r.Tags, r.IrregularHeartbeat = nil, false
		}
		out = append(out, brief(r))
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	rs := history(t)
	sum := bptracker.Summarize(rs, bptracker.SummaryOptions{})
	for _, tc := range []struct {
		name   string
		format string
		write  func(*bytes.Buffer) error
		all    bool
	}{
		{"csv", importer.FormatCSV, func(b *bytes.Buffer) error { return exporter.CSV(b, rs) }, true},
		{"xlsx", importer.FormatXLSX, func(b *bytes.Buffer) error { return exporter.XLSX(b, rs, sum) }, true},
		{"json", importer.FormatJSON, func(b *bytes.Buffer) error { return exporter.JSON(b, rs) }, true},
		{"fhir", importer.FormatFHIR, func(b *bytes.Buffer) error { return exporter.FHIR(b, "p1", "Ada", rs) }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tc.write(&buf); err != nil {
				t.Fatal(err)
			}
			// A different zone must not matter: every export states offsets.
			res, err := importer.Parse(buf.Bytes(), importer.Options{Now: now, Location: paris})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := res.Format, tc.format; got != want {
				t.Errorf("detected format: got %q, want %q", got, want)
			}
			if len(res.Rejected) > 0 {
				t.Errorf("rejected: %+v", res.Rejected)
			}
			equalLists(t, briefs(res.Readings), liveBriefs(rs, tc.all))
			for i, r := range res.Readings {
				_, got := r.TakenAt.Zone()
				_, want := rs[i].TakenAt.Zone()
				if got != want {
					t.Errorf("reading %d: offset got %d, want %d", i, got, want)
				}
			}
		})
	}
}

func exportedXLSX(tb testing.TB) []byte {
	tb.Helper()
	rs := history(tb)
	var buf bytes.Buffer
	if err := exporter.XLSX(&buf, rs, bptracker.Summarize(rs, bptracker.SummaryOptions{})); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}
