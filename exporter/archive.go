package exporter

import (
	"archive/zip"
	"bytes"
	"io"
	"time"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/fhir"
)

// FHIR writes a FHIR R4 `collection` Bundle: a Patient with the name only
// and an Observation per reading (and per pulse), as DESIGN.md maps them.
func FHIR(w io.Writer, patientID, patientName string, rs []bptracker.Reading) error {
	return writeFHIR(w, patientID, patientName, rs, fhir.BundleOptions{})
}

func writeFHIR(w io.Writer, patientID, patientName string, rs []bptracker.Reading, opt fhir.BundleOptions) error {
	b, err := fhir.NewBundle(fhir.PatientInfo{ID: patientID, Name: patientName}, rs, opt)
	if err != nil {
		return err
	}
	return writeJSON(w, b)
}

// ArchiveInput is everything "download all my data" holds, loaded and
// authorised by the caller.
type ArchiveInput struct {
	PatientID   string
	PatientName string
	// Profile is the patient's account as the API shows it to them (no
	// secrets); nil leaves profile.json out.
	Profile   any
	Guideline bptracker.Guideline
	// Readings are every reading; Summary is over all of them.
	Readings  []bptracker.Reading
	Summary   bptracker.Summary
	Grants    []bptracker.Grant
	AccessLog []bptracker.AuditEvent
	Generated time.Time
}

const archiveReadme = `BP Tracker: all your data

readings.csv        every reading, one a row (opens in Excel and LibreOffice Calc)
readings.xlsx       the same as a workbook, with a Summary sheet
readings.json       the same as JSON, every field
readings.fhir.json  the same as a FHIR R4 Bundle (for health record systems),
                    with the average over the whole period
report.pdf          the report for your doctor, over all readings
summary.json        the statistics of all readings
grants.json         who you gave access to your record, and when
access-log.json     every access to your record (the audit trail)
profile.json        your account (no passwords or keys)

Any of the readings files can be imported again.
`

// Archive writes one zip with every reading in every export format, the
// PDF report, the summary, the grants and the access log.
func Archive(w io.Writer, a ArchiveInput) error {
	zw := zip.NewWriter(w)
	mod := a.Generated
	if mod.IsZero() {
		mod = time.Now()
	}
	add := func(name string, write func(io.Writer) error) error {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: mod})
		if err != nil {
			return bptracker.Errorf(bptracker.EINTERNAL, "export: archive %s: %v", name, err)
		}
		return write(fw)
	}
	from, to := period(a.Readings, a.Summary)
	var avgs []fhir.Average
	if a.Summary.Count > 0 {
		avgs = append(avgs, fhir.Average{From: from, To: to, Systolic: a.Summary.Systolic.Mean, Diastolic: a.Summary.Diastolic.Mean})
	}
	files := []struct {
		name  string
		write func(io.Writer) error
	}{
		{"README.txt", func(w io.Writer) error { _, err := io.WriteString(w, archiveReadme); return err }},
		{"readings.csv", func(w io.Writer) error { return CSV(w, a.Readings) }},
		{"readings.xlsx", func(w io.Writer) error { return XLSX(w, a.Readings, a.Summary) }},
		{"readings.json", func(w io.Writer) error { return JSON(w, a.Readings) }},
		{"readings.fhir.json", func(w io.Writer) error {
			return writeFHIR(w, a.PatientID, a.PatientName, a.Readings, fhir.BundleOptions{Timestamp: a.Generated, Averages: avgs})
		}},
		{"report.pdf", func(w io.Writer) error {
			return PDF(w, Report{PatientName: a.PatientName, From: from, To: to, Guideline: a.Guideline,
				Summary: a.Summary, Readings: a.Readings, Generated: a.Generated})
		}},
		{"summary.json", func(w io.Writer) error { return writeJSON(w, a.Summary) }},
		{"grants.json", func(w io.Writer) error { return writeJSON(w, nonNil(a.Grants)) }},
		{"access-log.json", func(w io.Writer) error { return writeJSON(w, nonNil(a.AccessLog)) }},
	}
	if a.Profile != nil {
		files = append(files, struct {
			name  string
			write func(io.Writer) error
		}{"profile.json", func(w io.Writer) error { return writeJSON(w, a.Profile) }})
	}
	for _, f := range files {
		if err := add(f.name, f.write); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return bptracker.Errorf(bptracker.EINTERNAL, "export: archive: %v", err)
	}
	return nil
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

// period is the summary's window, or the span of the readings.
func period(rs []bptracker.Reading, s bptracker.Summary) (from, to time.Time) {
	if s.From != nil {
		from = *s.From
	}
	if s.To != nil {
		to = *s.To
	}
	for _, r := range rs {
		if r.Deleted {
			continue
		}
		if s.From == nil && (from.IsZero() || r.TakenAt.Before(from)) {
			from = r.TakenAt
		}
		if s.To == nil && (to.IsZero() || r.TakenAt.After(to)) {
			to = r.TakenAt
		}
	}
	return from, to
}

// Bytes runs an export into memory, for callers that need a length first.
func Bytes(write func(io.Writer) error) ([]byte, error) {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
