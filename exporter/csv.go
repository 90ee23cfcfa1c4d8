package exporter

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/bptracker/bptracker"
)

// CSV writes the readings that are not deleted, one a row under Header.
// Numbers are written as numbers; every free-text cell is neutralised
// against formula injection.
func CSV(w io.Writer, rs []bptracker.Reading) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(Header); err != nil {
		return bptracker.Errorf(bptracker.EINTERNAL, "export: write CSV: %v", err)
	}
	rec := make([]string, len(Header))
	for _, r := range live(rs) {
		pulse := ""
		if r.Pulse != nil {
			pulse = strconv.Itoa(*r.Pulse)
		}
		rec[0] = r.TakenAt.Format(DateTimeLayout)
		rec[1] = offset(r.TakenAt)
		rec[2] = strconv.Itoa(r.Systolic)
		rec[3] = strconv.Itoa(r.Diastolic)
		rec[4] = pulse
		rec[5] = string(r.Arm)
		rec[6] = string(r.Position)
		rec[7] = yesNo(r.IrregularHeartbeat)
		rec[8] = Neutralise(r.Note)
		rec[9] = tags(r.Tags)
		if err := cw.Write(rec); err != nil {
			return bptracker.Errorf(bptracker.EINTERNAL, "export: write CSV: %v", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return bptracker.Errorf(bptracker.EINTERNAL, "export: write CSV: %v", err)
	}
	return nil
}

// tags joins tags with ", ", each neutralised; the importer splits on
// commas.
func tags(ts []string) string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = Neutralise(t)
	}
	return strings.Join(out, ", ")
}
