package main_test

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/bptracker/bptracker/exporter"
)

// post sends a raw body (an import file) and returns the response.
func (c *client) post(path, contentType string, body []byte) *response {
	c.t.Helper()
	return c.doWith("POST", path, map[string]string{"Content-Type": contentType}, body)
}

// TestImportExport drives the portability endpoints and CLI through the
// real binary: dry run, all-or-nothing, valid rows, duplicates, every export
// format, the archive, and the CLI's import and export.
func TestImportExport(t *testing.T) {
	data := t.TempDir()
	if out, err := bpt(t, pw+"\n", "user", "add", "--data", data, "--email", "ivy@example.org", "--name", "Ivy Import", "--time-zone", "Europe/Paris"); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	csv := []byte("Date;Time;SYS (mmHg);DIA (mmHg);Pulse;Notes\n" +
		"2026-01-05;07:30;128;82;64;after walk\n" +
		"2026-01-05;21:10;135;88;70;\n" +
		"2026-01-06;07:45;400;82;64;typo\n")
	srv := startServer(t, data)
	c, _, _ := enrolled(t, srv.url, "ivy@example.org")

	var res struct {
		WouldImport int `json:"would_import"`
		Imported    int `json:"imported"`
		Duplicates  int `json:"duplicates"`
		Rejected    []struct {
			Row    int    `json:"row"`
			Reason string `json:"reason"`
		} `json:"rejected"`
	}
	r := c.post("/api/v1/patients/me/imports?dry_run=true", "text/csv", csv)
	if r.status != 200 {
		t.Fatalf("dry run: %d %s", r.status, r.body)
	}
	r.json(t, &res)
	if res.WouldImport != 2 || len(res.Rejected) != 1 || res.Rejected[0].Row != 4 || strings.Contains(res.Rejected[0].Reason, "400") {
		t.Fatalf("dry run = %+v, want 2 readings and row 4 rejected without its value", res)
	}
	// The web app gzips text files (Lambda takes 6 MB of request).
	gz := gzipOf(csv)
	r = c.doWith("POST", "/api/v1/patients/me/imports?dry_run=true", map[string]string{"Content-Type": "text/csv", "Content-Encoding": "gzip"}, gz)
	if r.json(t, &res); r.status != 200 || res.WouldImport != 2 {
		t.Fatalf("gzip'd dry run: %d %s, want the same 2 readings", r.status, r.body)
	}
	for _, tt := range []struct {
		encoding string
		body     []byte
		status   int
		message  string
	}{
		{"gzip", csv, 400, "not valid gzip"},
		{"gzip", gz[:len(gz)/2], 400, "not valid gzip"},
		{"br", csv, 400, "Content-Encoding is not supported"},
		{"gzip", gzipOf(bytes.Repeat([]byte("2026-01-05;07:30;128;82;64;\n"), 400_000)), 413, "larger than 10 MB once uncompressed"},
	} {
		r := c.doWith("POST", "/api/v1/patients/me/imports?dry_run=true", map[string]string{"Content-Type": "text/csv", "Content-Encoding": tt.encoding}, tt.body)
		if r.status != tt.status || !strings.Contains(string(r.body), tt.message) {
			t.Errorf("Content-Encoding %s, %d bytes: %d %s, want %d and %q", tt.encoding, len(tt.body), r.status, r.body, tt.status, tt.message)
		}
	}
	// All or nothing: a rejected row stops the whole import.
	if r := c.post("/api/v1/patients/me/imports", "text/csv", csv); r.status != 400 {
		t.Fatalf("import with a bad row: %d %s", r.status, r.body)
	}
	var page struct {
		Readings []struct {
			Note    string `json:"note"`
			TakenAt string `json:"taken_at"`
		} `json:"readings"`
	}
	c.expect(200, "GET", "/api/v1/patients/me/readings", nil).json(t, &page)
	if len(page.Readings) != 0 {
		t.Fatalf("a refused import stored %d readings", len(page.Readings))
	}
	r = c.post("/api/v1/patients/me/imports?valid_rows=true", "text/csv", csv)
	if r.status != 201 {
		t.Fatalf("import valid rows: %d %s", r.status, r.body)
	}
	c.expect(200, "GET", "/api/v1/patients/me/readings", nil).json(t, &page)
	if len(page.Readings) != 2 || !strings.HasSuffix(page.Readings[1].TakenAt, "+01:00") {
		t.Fatalf("readings after import = %+v, want 2 in the patient's zone (+01:00)", page.Readings)
	}
	// Each export format, and the exported CSV imports back as duplicates.
	for format, ctype := range map[string]string{"csv": "text/csv", "xlsx": "application/vnd.openxmlformats", "pdf": "application/pdf", "fhir": "application/fhir+json", "json": "application/json"} {
		r := c.expect(200, "GET", "/api/v1/patients/me/export?format="+format, nil)
		if !strings.HasPrefix(r.header.Get("Content-Type"), ctype) || len(r.body) == 0 || !strings.Contains(r.header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("export %s: %s, %d bytes", format, r.header.Get("Content-Type"), len(r.body))
		}
		if format == "pdf" {
			continue
		}
		back := c.post("/api/v1/patients/me/imports?dry_run=true&format="+format, "application/octet-stream", r.body)
		back.json(t, &res)
		if back.status != 200 || res.WouldImport != 0 || res.Duplicates != 2 {
			t.Fatalf("re-import of the %s export: %d %+v, want 2 duplicates and nothing new", format, back.status, res)
		}
	}
	c.expect(400, "GET", "/api/v1/patients/me/export?format=docx", nil)
	r = c.expect(200, "GET", "/api/v1/patients/me/archive", nil)
	zr, err := zip.NewReader(bytes.NewReader(r.body), int64(len(r.body)))
	if err != nil {
		t.Fatalf("archive: %v", err)
	}
	names := map[string]bool{}
	for _, f := range zr.File {
		names[f.Name] = true
	}
	for _, want := range []string{"grants.json", "access-log.json", "summary.json"} {
		if !names[want] {
			t.Errorf("archive lacks %s (has %v)", want, names)
		}
	}
	srv.stop()

	// The CLI: import a file for a patient, then export the PDF.
	file := filepath.Join(t.TempDir(), "more.csv")
	if err := os.WriteFile(file, []byte("Date,Time,Sys,Dia\n07/01/2026,08:00,121,79\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := bpt(t, "", "import", "--data", data, "--patient", "ivy@example.org", file); err == nil || !strings.Contains(out, "date_order") {
		t.Fatalf("ambiguous dates without --date-order: %v %s", err, out)
	}
	if out, err := bpt(t, "", "import", "--data", data, "--patient", "ivy@example.org", "--date-order", "dmy", file); err != nil || !strings.Contains(out, "imported 1 readings") {
		t.Fatalf("cli import: %v %s", err, out)
	}
	pdf := filepath.Join(t.TempDir(), "report.pdf")
	if out, err := bpt(t, "", "export", "--data", data, "--patient", "ivy@example.org", "--format", "pdf", "--out", pdf); err != nil {
		t.Fatalf("cli export: %v %s", err, out)
	}
	if b, _ := os.ReadFile(pdf); !bytes.HasPrefix(b, []byte("%PDF")) {
		t.Fatal("the exported file is not a PDF")
	}
	// A failed export leaves the file it would have replaced, and nothing
	// else, in the directory.
	if out, err := bpt(t, "", "export", "--data", data, "--patient", "ivy@example.org", "--format", "docx", "--out", pdf); err == nil {
		t.Fatalf("export as docx: %s, want an error", out)
	}
	if b, _ := os.ReadFile(pdf); !bytes.HasPrefix(b, []byte("%PDF")) {
		t.Fatal("a failed export replaced the file")
	}
	if left, _ := os.ReadDir(filepath.Dir(pdf)); len(left) != 1 {
		t.Fatalf("after a failed export the directory holds %d files, want the one", len(left))
	}
	// A pipe (as /dev/stdout may be) is written as it is, not replaced by
	// a file. A FIFO of the test's own stands in: a faulty binary must not
	// be able to replace a device of the machine.
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	rd, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0) // so the export's open does not wait
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	if out, err := bpt(t, "", "export", "--data", data, "--patient", "ivy@example.org", "--format", "csv", "--out", fifo); err != nil {
		t.Fatalf("export to a pipe: %v %s", err, out)
	}
	buf := make([]byte, 64<<10)
	n, _ := rd.Read(buf)
	if !strings.Contains(string(buf[:n]), strings.Join(exporter.Header, ",")) {
		t.Fatalf("the pipe got %q, want the CSV", buf[:n])
	}
	// A symbolic link to a file: the file is replaced, the link stays.
	target := filepath.Join(t.TempDir(), "target.csv")
	link := filepath.Join(t.TempDir(), "link.csv")
	if err := os.WriteFile(target, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if out, err := bpt(t, "", "export", "--data", data, "--patient", "ivy@example.org", "--format", "csv", "--out", link); err != nil {
		t.Fatalf("export through a link: %v %s", err, out)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v %v", fi, err)
	}
	if b, _ := os.ReadFile(target); !strings.Contains(string(b), strings.Join(exporter.Header, ",")) {
		t.Fatalf("the link's target holds %q, want the CSV", b)
	}
}

func gzipOf(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}
