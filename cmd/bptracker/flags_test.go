package main

import (
	"io"
	"testing"
)

// TestParseFile: the file may come before, after or between the flags,
// boolean flags take no value, and only one file is taken.
func TestParseFile(t *testing.T) {
	for _, tt := range []struct {
		args          []string
		file, patient string
		dry           bool
		bad           bool
	}{
		{args: []string{"--patient", "p@example.org", "a.csv"}, file: "a.csv", patient: "p@example.org"},
		{args: []string{"a.csv", "--patient", "p@example.org", "--dry-run"}, file: "a.csv", patient: "p@example.org", dry: true},
		{args: []string{"--dry-run", "a.csv", "--patient=p@example.org"}, file: "a.csv", patient: "p@example.org", dry: true},
		{args: []string{"--patient", "p@example.org"}, patient: "p@example.org"},
		{args: []string{"a.csv", "b.csv"}, bad: true},
		{args: []string{"a.csv", "--patient"}, bad: true},
	} {
		f := newFlags("import", func(string) string { return "" }, io.Discard)
		var patient string
		var dry bool
		f.StringVar(&patient, "patient", "", "")
		f.BoolVar(&dry, "dry-run", false, "")
		file, err := f.parseFile(tt.args)
		if tt.bad {
			if err == nil {
				t.Errorf("%q: no error", tt.args)
			}
			continue
		}
		if err != nil || file != tt.file || patient != tt.patient || dry != tt.dry {
			t.Errorf("%q: got file %q patient %q dry %v err %v", tt.args, file, patient, dry, err)
		}
	}
}
