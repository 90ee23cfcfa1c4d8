package importer_test

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/bptracker/bptracker/importer"
)

// soffice converts files with LibreOffice itself (Debian
// libreoffice-calc-nogui): `soffice --headless --convert-to target`. It
// skips the test when soffice is missing, unless BPT_REQUIRE_EMULATORS=1.
// Each call has its own HOME and user profile, so concurrent runs do not
// fight over a lock.
func soffice(tb testing.TB, outDir, target string, files ...string) {
	tb.Helper()
	sofficeWith(tb, outDir, target, "", files...)
}

// sofficeWith is soffice with an import filter (--infilter), e.g. to have
// CSV times detected as time cells.
func sofficeWith(tb testing.TB, outDir, target, infilter string, files ...string) {
	tb.Helper()
	bin, err := exec.LookPath("soffice")
	if err != nil {
		if os.Getenv("BPT_REQUIRE_EMULATORS") == "1" {
			tb.Fatal("soffice not found: install the Debian package libreoffice-calc-nogui")
		}
		tb.Skip("soffice not found (Debian libreoffice-calc-nogui); set BPT_REQUIRE_EMULATORS=1 to fail instead")
	}
	home := tb.TempDir()
	args := []string{"-env:UserInstallation=file://" + filepath.ToSlash(filepath.Join(home, "profile")),
		"--headless", "--norestore", "--convert-to", target, "--outdir", outDir}
	if infilter != "" {
		args = append(args, "--infilter="+infilter)
	}
	args = append(args, files...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "HOME="+home)
	out, err := cmd.CombinedOutput()
	if err != nil {
		tb.Fatalf("soffice %s: %v\n%s", target, err, out)
	}
}

func readFile(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("LibreOffice wrote no %s: %v", filepath.Base(path), err)
	}
	return b
}

// TestLibreOfficeFixtures imports XLSX and ODS files that LibreOffice Calc
// made from a typical hand-kept sheet: dates and times become real date and
// time cells there, not text.
func TestLibreOfficeFixtures(t *testing.T) {
	dir := t.TempDir()
	sheet := "Date,Time,SYS (mmHg),DIA (mmHg),Pulse,Notes\n" +
		"2026-01-31,08:15,128,82,64,after coffee\n" +
		"2026-01-31,20:05,131,84,,\n" +
		"2026-02-01,07:00:30,119,79,58,\"walk, then rest\"\n"
	src := filepath.Join(dir, "history.csv")
	if err := os.WriteFile(src, []byte(sheet), 0o600); err != nil {
		t.Fatal(err)
	}
	// Comma, double quote, UTF-8, from line 1, en-US, "detect special
	// numbers" on: times become time cells, as in a sheet typed by hand.
	const csvFilter = "Text - txt - csv (StarCalc):44,34,76,1,,1033,false,true"
	sofficeWith(t, dir, "xlsx", csvFilter, src)
	sofficeWith(t, dir, "ods", csvFilter, src)
	want := []string{
		"2026-01-31T08:15:00+01:00 128/82 p64 after coffee",
		"2026-01-31T20:05:00+01:00 131/84",
		"2026-02-01T07:00:30+01:00 119/79 p58 walk, then rest",
	}
	for _, tc := range []struct{ file, format string }{{"history.xlsx", importer.FormatXLSX}, {"history.ods", importer.FormatODS}} {
		t.Run(tc.format, func(t *testing.T) {
			data := readFile(t, filepath.Join(dir, tc.file))
			res, err := importer.Parse(data, importer.Options{Now: now, Location: paris})
			if err != nil {
				t.Fatal(err)
			}
			if res.Format != tc.format {
				t.Errorf("format: got %q, want %q", res.Format, tc.format)
			}
			if len(res.Rejected) > 0 {
				t.Errorf("rejected: %+v", res.Rejected)
			}
			equalLists(t, briefs(res.Readings), want)
		})
	}
	// The ODS really holds typed cells, so the test above exercised the
	// date and time paths rather than text.
	content := odsContent(t, readFile(t, filepath.Join(dir, "history.ods")))
	for _, typ := range []string{`office:value-type="date"`, `office:value-type="time"`, `office:value-type="float"`} {
		if !strings.Contains(content, typ) {
			t.Errorf("LibreOffice's ODS has no %s cell", typ)
		}
	}
}

// TestLibreOfficeReadsExportedXLSX converts our XLSX export with
// LibreOffice to CSV and to ODS: the values must be intact, the date cell a
// real date and the pressures real numbers.
func TestLibreOfficeReadsExportedXLSX(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "export.xlsx")
	if err := os.WriteFile(src, exportedXLSX(t), 0o600); err != nil {
		t.Fatal(err)
	}
	soffice(t, dir, `csv:Text - txt - csv (StarCalc):44,34,76,1`, src)
	soffice(t, dir, "ods", src)

	csvData := readFile(t, filepath.Join(dir, "export.csv"))
	for _, s := range []string{`2026-01-31 08:15:00,"+01:00",128,82,64,"left","sitting","no"`, `'=HYPERLINK`} {
		if !bytes.Contains(csvData, []byte(s)) {
			t.Errorf("LibreOffice's CSV lacks %q:\n%s", s, csvData)
		}
	}
	res, err := importer.Parse(csvData, importer.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rejected) > 0 {
		t.Errorf("rejected: %+v", res.Rejected)
	}
	equalLists(t, briefs(res.Readings), liveBriefs(history(t), true))

	content := odsContent(t, readFile(t, filepath.Join(dir, "export.ods")))
	for _, re := range []string{
		`office:value-type="date" office:date-value="2026-01-31T08:15:00"`,
		`office:value-type="float" office:value="128"`,
		`office:value-type="float" office:value="82"`,
	} {
		if !regexp.MustCompile(regexp.QuoteMeta(re)).MatchString(content) {
			t.Errorf("LibreOffice did not read a typed cell %s from the export", re)
		}
	}
	if !strings.Contains(content, `table:name="Summary"`) {
		t.Error("LibreOffice found no Summary sheet")
	}
}

func odsContent(tb testing.TB, data []byte) string {
	tb.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		tb.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == "content.xml" {
			rc, err := f.Open()
			if err != nil {
				tb.Fatal(err)
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err != nil {
				tb.Fatal(err)
			}
			return string(b)
		}
	}
	tb.Fatal("no content.xml")
	return ""
}
