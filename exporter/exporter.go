// Package exporter writes a patient's readings in the forms people take
// them away in: CSV, XLSX (readings and summary sheets with real dates and
// numbers), a PDF report for the doctor, a FHIR R4 Bundle, JSON, and one
// zip archive with all of them and the rest of the patient's data. It works
// on domain values the caller has already loaded and authorised; it writes
// to an io.Writer and touches nothing else.
package exporter

import (
	"encoding/json"
	"io"
	"strings"
	"time"

	"github.com/bptracker/bptracker"
)

// Header is the column row of the CSV export and of the XLSX readings
// sheet. The importer reads these names back.
var Header = []string{"Date and time", "UTC offset", "Systolic", "Diastolic", "Pulse", "Arm", "Position", "Irregular heartbeat", "Note", "Tags"}

// DateTimeLayout is how the CSV export writes a reading's local date and
// time (its UTC offset is the next column).
const DateTimeLayout = "2006-01-02 15:04:05"

// Neutralise makes a text cell safe to open in a spreadsheet: text that
// starts with =, +, -, @, a tab or a carriage return (after any
// apostrophes) would be read as a formula (CSV injection), so it gets a
// leading apostrophe. The importer removes exactly one such apostrophe, so
// the text round-trips.
func Neutralise(s string) string {
	t := strings.TrimLeft(s, "'")
	if t != "" && strings.ContainsRune("=+-@\t\r", rune(t[0])) {
		return "'" + s
	}
	return s
}

// offset formats a time's UTC offset as +hh:mm.
func offset(t time.Time) string { return t.Format("-07:00") }

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// live returns the readings that are not deleted.
func live(rs []bptracker.Reading) []bptracker.Reading {
	out := make([]bptracker.Reading, 0, len(rs))
	for _, r := range rs {
		if !r.Deleted {
			out = append(out, r)
		}
	}
	return out
}

// JSON writes the readings as a JSON array of the domain's reading objects
// (the importer reads it back).
func JSON(w io.Writer, rs []bptracker.Reading) error {
	return writeJSON(w, live(rs))
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return bptracker.Errorf(bptracker.EINTERNAL, "export: encode JSON: %v", err)
	}
	return nil
}

// GuidelineLabel names a guideline for people.
func GuidelineLabel(g bptracker.Guideline) string {
	switch g {
	case bptracker.GuidelineESH:
		return "ESH 2023"
	default:
		return "ACC/AHA 2017 (reaffirmed 2025)"
	}
}
