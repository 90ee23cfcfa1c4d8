package importer_test

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/importer"
)

// zipOf builds a zip with the given files, in name order for mimetype
// first when present.
func zipOf(tb testing.TB, files map[string]string) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	write := func(name, body string) {
		w, err := zw.Create(name)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := io.WriteString(w, body); err != nil {
			tb.Fatal(err)
		}
	}
	if m, ok := files["mimetype"]; ok {
		write("mimetype", m)
	}
	for name, body := range files {
		if name != "mimetype" {
			write(name, body)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

const odsHead = `<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3"><office:body><office:spreadsheet><table:table table:name="Sheet1">`
const odsTail = `</table:table></office:spreadsheet></office:body></office:document-content>`

func odsOf(tb testing.TB, content string) []byte {
	tb.Helper()
	return zipOf(tb, map[string]string{"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": content})
}

func strCell(s string) string {
	return `<table:table-cell office:value-type="string"><text:p>` + s + `</text:p></table:table-cell>`
}

func odsHeaderRow() string {
	return `<table:table-row>` + strCell("Date") + strCell("Sys") + strCell("Dia") + `</table:table-row>`
}

func odsReadingRow() string {
	return `<table:table-row><table:table-cell office:value-type="date" office:date-value="2026-01-31T08:15:00"/>` +
		`<table:table-cell office:value-type="float" office:value="120"/><table:table-cell office:value-type="float" office:value="80"/></table:table-row>`
}

// TestODSHandMade reads a small ODS written by hand, including the repeat
// attributes LibreOffice uses to style whole rows and columns.
func TestODSHandMade(t *testing.T) {
	content := odsHead + `<table:table-column table:number-columns-repeated="1024"/>` + odsHeaderRow() +
		`<table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>` +
		`<table:table-row><table:table-cell office:value-type="date" office:date-value="2026-01-31T08:15:00"/>` +
		`<table:table-cell office:value-type="float" office:value="120"/><table:table-cell table:number-columns-repeated="1"><text:p>80</text:p></table:table-cell>` +
		`<table:table-cell table:number-columns-repeated="16000"/></table:table-row>` + odsTail
	res, err := importer.Parse(odsOf(t, content), importer.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	equalLists(t, briefs(res.Readings), []string{"2026-01-31T08:15:00Z 120/80"})
	if got, want := res.Format, importer.FormatODS; got != want {
		t.Errorf("format: got %q, want %q", got, want)
	}
}

func TestHostile(t *testing.T) {
	zeros := strings.Repeat("0", 60<<20)
	billionLaughs := `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table>` +
		odsHeaderRow() + `<table:table-row><table:table-cell><text:p>&lol9;</text:p></table:table-cell></table:table-row>` + odsTail

	xlsx := exportedXLSX(t)
	xlsxLaughs := replaceInZip(t, xlsx, "xl/workbook.xml", func(s string) string {
		return strings.Replace(s, "?>", "?><!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]>", 1)
	})

	manyRows := odsHead + odsHeaderRow() + `<table:table-row table:number-rows-repeated="30000">` +
		`<table:table-cell office:value-type="date" office:date-value="2026-01-31T08:15:00"/>` +
		`<table:table-cell office:value-type="float" office:value="120"/><table:table-cell office:value-type="float" office:value="80"/></table:table-row>` + odsTail

	for _, tc := range []struct {
		name string
		in   []byte
		code string
		msg  string
	}{
		{"zip bomb: 60 MiB inside an ODS", zipOf(t, map[string]string{"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": zeros}), bptracker.ETOOLARGE, "zip bomb"},
		{"zip bomb: 60 MiB inside an XLSX", zipOf(t, map[string]string{"[Content_Types].xml": "<x/>", "xl/workbook.xml": "<x/>", "xl/worksheets/sheet1.xml": zeros}), bptracker.ETOOLARGE, "zip bomb"},
		{"zip bomb: ratio", zipOf(t, map[string]string{"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": zeros[:8<<20]}), bptracker.ETOOLARGE, "compressed more than 100 times"},
		{"billion laughs in ODS", odsOf(t, billionLaughs), bptracker.EINVALID, "DOCTYPE"},
		{"entity declaration in XLSX", xlsxLaughs, bptracker.EINVALID, "DOCTYPE"},
		{"truncated XLSX", xlsx[:len(xlsx)/2], bptracker.EINVALID, "damaged or truncated"},
		{"truncated ODS", odsOf(t, odsHead+odsHeaderRow()+odsReadingRow())[:300], bptracker.EINVALID, ""},
		{"ODS content not XML", odsOf(t, odsHead+"<table:table-row>&nope;"), bptracker.EINVALID, "not well-formed"},
		{"ODS rows past the limit", odsOf(t, manyRows), bptracker.ETOOLARGE, "more than 20000 rows"},
		{"ODS without content.xml", zipOf(t, map[string]string{"mimetype": "application/vnd.oasis.opendocument.spreadsheet"}), bptracker.EINVALID, "no content.xml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := importer.Parse(tc.in, importer.Options{Now: now})
			if got := bptracker.ErrorCode(err); got != tc.code {
				t.Fatalf("code: got %q, want %q (err %v, result %+v)", got, tc.code, err, res)
			}
			if got := bptracker.ErrorMessage(err); !strings.Contains(got, tc.msg) {
				t.Errorf("message: got %q, want it to contain %q", got, tc.msg)
			}
		})
	}
}

// replaceInZip rewrites one part of a zip.
func replaceInZip(tb testing.TB, data []byte, name string, edit func(string) string) []byte {
	tb.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	found := false
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			tb.Fatal(err)
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			tb.Fatal(err)
		}
		if f.Name == name {
			body = []byte(edit(string(body)))
			found = true
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			tb.Fatal(err)
		}
		w.Write(body)
	}
	if !found {
		tb.Fatalf("no part %s", name)
	}
	zw.Close()
	return buf.Bytes()
}
