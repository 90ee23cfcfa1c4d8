package importer_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/importer"
	"github.com/xuri/excelize/v2"
)

const (
	nsSheet = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	nsRel   = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
)

// xlsxOf builds a workbook by hand: sst holds the <si> items of the shared
// string table (no table when ""), and each sheet the inside of its
// <sheetData>. Sheets are named Sheet1, Sheet2 … in order.
func xlsxOf(tb testing.TB, sst string, sheets ...string) []byte {
	tb.Helper()
	files := map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>`,
		"_rels/.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="` + nsRel + `/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
	}
	var list, rels strings.Builder
	for i, s := range sheets {
		n := strconv.Itoa(i + 1)
		list.WriteString(`<sheet name="Sheet` + n + `" sheetId="` + n + `" r:id="rId` + n + `"/>`)
		rels.WriteString(`<Relationship Id="rId` + n + `" Type="` + nsRel + `/worksheet" Target="worksheets/sheet` + n + `.xml"/>`)
		files["xl/worksheets/sheet"+n+".xml"] = `<?xml version="1.0" encoding="UTF-8"?><worksheet ` + nsSheet + `><sheetData>` + s + `</sheetData></worksheet>`
	}
	if sst != "" {
		rels.WriteString(`<Relationship Id="rIdS" Type="` + nsRel + `/sharedStrings" Target="sharedStrings.xml"/>`)
		files["xl/sharedStrings.xml"] = `<?xml version="1.0" encoding="UTF-8"?><sst ` + nsSheet + `>` + sst + `</sst>`
	}
	files["xl/workbook.xml"] = `<?xml version="1.0" encoding="UTF-8"?><workbook ` + nsSheet + ` xmlns:r="` + nsRel + `"><workbookPr/><sheets>` + list.String() + `</sheets></workbook>`
	files["xl/_rels/workbook.xml.rels"] = `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` + rels.String() + `</Relationships>`
	return zipOf(tb, files)
}

// is is an inline string cell.
func is(ref, s string) string {
	return `<c r="` + ref + `" t="inlineStr"><is><t>` + s + `</t></is></c>`
}

// num is a number cell.
func num(ref, v string) string { return `<c r="` + ref + `"><v>` + v + `</v></c>` }

// xlsxHeader is a header row of inline strings in row 1.
var xlsxHeader = `<row r="1">` + is("A1", "Date") + is("B1", "Sys") + is("C1", "Dia") + `</row>`

// 46053.34375 is 2026-01-31 08:15 in the 1900 date system.
const reading0815 = "2026-01-31T08:15:00Z 128/82"

// TestParseXLSXHandMade reads workbooks written by hand, each using one
// part of SpreadsheetML that LibreOffice and our export do not.
func TestParseXLSXHandMade(t *testing.T) {
	date1904 := func(v string) []byte {
		return replaceInZip(t, xlsxOf(t, "", xlsxHeader+`<row r="2">`+num("A2", "44591.34375")+num("B2", "128")+num("C2", "82")+`</row>`),
			"xl/workbook.xml", func(s string) string { return strings.Replace(s, "<workbookPr/>", `<workbookPr date1904="`+v+`"/>`, 1) })
	}
	for _, tc := range []struct {
		name     string
		in       []byte
		want     []string
		rejected []importer.Rejection
		// excelizeDiffers skips the comparison with excelize.
		excelizeDiffers bool
	}{
		{
			name: "shared strings with rich text runs and phonetic guides",
			in: xlsxOf(t, `<si><t>Date</t></si><si><r><rPr><b/></rPr><t>Sy</t></r><r><t>s</t></r><rPh sb="0" eb="2"><t>シス</t></rPh></si>`+
				`<si><t>Dia</t></si><si><t>Note</t></si><si><r><t xml:space="preserve">after </t></r><r><rPr><i/></rPr><t>coffee</t></r></si>`+
				`<si><t>a_x005F_x0041_b</t></si>`,
				`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v> 3 </v></c></row>`+
					`<row r="2">`+num("A2", "46053.34375")+num("B2", "128")+num("C2", "82")+`<c r="D2" t="s"><v>4</v></c></row>`+
					`<row r="3">`+num("A3", "46053.5")+num("B3", "120")+num("C3", "80")+`<c r="D3" t="s"><v>5</v></c></row>`),
			want: []string{reading0815 + " after coffee", "2026-01-31T12:00:00Z 120/80 a_x0041_b"},
		},
		{
			name: "inline strings, one in runs, and a date as text",
			in: xlsxOf(t, "", `<row r="1">`+is("A1", "Date")+`<c r="B1" t="inlineStr"><is><r><t>Sy</t></r><r><t>s</t></r></is></c>`+is("C1", "Dia")+`</row>`+
				`<row r="2">`+is("A2", "2026-01-31 08:15")+is("B2", "128")+is("C2", "82")+`</row>`),
			want: []string{reading0815},
		},
		{
			name: "cells and rows without references follow the previous one",
			in: xlsxOf(t, "", `<row><c t="inlineStr"><is><t>Date</t></is></c><c t="inlineStr"><is><t>Sys</t></is></c><c t="inlineStr"><is><t>Dia</t></is></c></row>`+
				`<row><c><v>46053.34375</v></c><c><v>128</v></c><c><v>82</v></c></row>`+
				`<row r="5">`+num("A5", "46053.5")+`<c><v>120</v></c>`+num("C5", "80")+`</row>`+
				`<row>`+num("A6", "46053.75")+`<c r="B6" t="inlineStr"><is><t>high</t></is></c>`+num("C6", "80")+`</row>`),
			want:     []string{reading0815, "2026-01-31T12:00:00Z 120/80"},
			rejected: []importer.Rejection{{Row: 6, Reason: "systolic is not a number"}},
		},
		{
			name: "gaps between columns and empty cells",
			in: xlsxOf(t, "", `<row r="1">`+is("A1", "Date")+is("C1", "Sys")+`<c r="D1"/>`+is("E1", "Dia")+`</row>`+
				`<row r="3"><c r="B3" t="inlineStr"><is><t></t></is></c></row>`+
				`<row r="4">`+num("A4", "46053.34375")+`<c r="B4"/>`+num("C4", "128")+num("E4", "82")+`</row>`),
			want: []string{reading0815},
		},
		{
			// excelize keeps all 16,384 columns; we stop at 1,024, so the
			// note in column 1,025 is not read.
			name: "a column past the limit is dropped",
			in: xlsxOf(t, "", `<row r="1">`+is("A1", "Date")+is("B1", "Sys")+is("C1", "Dia")+is("AMK1", "Note")+`</row>`+
				`<row r="2">`+num("A2", "46053.34375")+num("B2", "128")+num("C2", "82")+is("AMK2", "far out")+`</row>`),
			want:            []string{reading0815},
			excelizeDiffers: true,
		},
		{
			name: "boolean, error, formula string and ISO date cells",
			in: xlsxOf(t, "", `<row r="1">`+is("A1", "Date")+is("B1", "Sys")+is("C1", "Dia")+is("D1", "Irregular")+is("E1", "Pulse")+`</row>`+
				`<row r="2"><c r="A2" t="d"><v>2026-01-31T08:15:00</v></c><c r="B2" t="str"><f>100+28</f><v>128</v></c>`+num("C2", "82")+`<c r="D2" t="b"><v>1</v></c></row>`+
				`<row r="3">`+num("A3", "46053.5")+num("B3", "120")+num("C3", "80")+`<c r="D3" t="b"><v>0</v></c><c r="E3" t="e"><v>#N/A</v></c></row>`),
			want:     []string{reading0815 + " irr"},
			rejected: []importer.Rejection{{Row: 3, Reason: "pulse is not a number"}},
		},
		{name: "1904 date system", in: date1904("1"), want: []string{reading0815}},
		{name: "1904 date system written true", in: date1904("true"), want: []string{reading0815}},
		{
			name: "absolute relationship targets",
			in: replaceInZip(t, xlsxOf(t, `<si><t>Date</t></si>`, `<row r="1"><c r="A1" t="s"><v>0</v></c>`+is("B1", "Sys")+is("C1", "Dia")+`</row>`+
				`<row r="2">`+num("A2", "46053.34375")+num("B2", "128")+num("C2", "82")+`</row>`),
				"xl/_rels/workbook.xml.rels", func(s string) string {
					return strings.ReplaceAll(s, `Target="`, `Target="/xl/`)
				}),
			want: []string{reading0815},
		},
		{
			name: "header on the second sheet",
			in: xlsxOf(t, "", `<row r="1">`+is("A1", "My blood pressure")+`</row>`,
				`<row r="2">`+is("A2", "Readings since January")+`</row>`+
					strings.ReplaceAll(xlsxHeader, `1"`, `4"`)+
					`<row r="5">`+num("A5", "46053.34375")+num("B5", "128")+num("C5", "82")+`</row>`+
					`<row r="7">`+num("A7", "46053.5")+num("B7", "12O")+num("C7", "80")+`</row>`),
			want:     []string{reading0815},
			rejected: []importer.Rejection{{Row: 7, Reason: "systolic is not a number"}},
		},
		{
			// The workbook lists the sheets in another order than their
			// parts: the first sheet in the workbook's order with a header
			// is read.
			name: "sheets in the workbook's order",
			in: replaceInZip(t, xlsxOf(t, "",
				xlsxHeader+`<row r="2">`+num("A2", "46053.5")+num("B2", "120")+num("C2", "80")+`</row>`,
				xlsxHeader+`<row r="2">`+num("A2", "46053.34375")+num("B2", "128")+num("C2", "82")+`</row>`),
				"xl/workbook.xml", func(s string) string {
					return strings.Replace(s, `<sheets>`, `<sheets><sheet name="First" sheetId="3" r:id="rId2"/>`, 1)
				}),
			want: []string{reading0815},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := importer.Parse(tc.in, importer.Options{Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := res.Format, importer.FormatXLSX; got != want {
				t.Errorf("format: got %q, want %q", got, want)
			}
			equalLists(t, briefs(res.Readings), tc.want)
			if got, want := fmt.Sprint(res.Rejected), fmt.Sprint(tc.rejected); got != want {
				t.Errorf("rejected: got %s, want %s", got, want)
			}
			if !tc.excelizeDiffers {
				matchesExcelize(t, tc.in)
			}
		})
	}
}

// TestParseXLSXRefused is what the XLSX reader refuses, and how it says
// so.
func TestParseXLSXRefused(t *testing.T) {
	doctype := func(part string) []byte {
		return replaceInZip(t, xlsxOf(t, `<si><t>Date</t></si>`, xlsxHeader), part, func(s string) string {
			return strings.Replace(s, "?>", `?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>`, 1)
		})
	}
	var wide strings.Builder
	wide.WriteString(xlsxHeader)
	for n := 2; n < 2+importer.MaxRows; n++ {
		wide.WriteString(`<row r="` + strconv.Itoa(n) + `"><c r="AMJ` + strconv.Itoa(n) + `"><v>1</v></c></row>`)
	}
	for _, tc := range []struct {
		name string
		in   []byte
		code string
		msg  string
	}{
		{"shared string index out of range", xlsxOf(t, `<si><t>Date</t></si>`, `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>7</v></c></row>`),
			bptracker.EINVALID, "row 1 of the XLSX file refers to a shared string that does not exist"},
		{"shared string index not a number", xlsxOf(t, `<si><t>Date</t></si>`, `<row r="1"><c r="A1" t="s"><v>x</v></c></row>`),
			bptracker.EINVALID, "shared string that does not exist"},
		{"DOCTYPE in a sheet", doctype("xl/worksheets/sheet1.xml"), bptracker.EINVALID, "DOCTYPE"},
		{"DOCTYPE in the shared strings", doctype("xl/sharedStrings.xml"), bptracker.EINVALID, "DOCTYPE"},
		{"row past the sheet's limit", xlsxOf(t, "", `<row r="1048577">`+is("A1048577", "Date")+`</row>`), bptracker.EINVALID, "more than 1048576 rows"},
		{"invalid row number", xlsxOf(t, "", xlsxHeader+`<row r="two"/>`), bptracker.EINVALID, "row 2 of the XLSX file has an invalid row number"},
		{"invalid cell reference", xlsxOf(t, "", `<row r="3"><c r="3A"><v>1</v></c></row>`), bptracker.EINVALID, "row 3 of the XLSX file has an invalid cell reference"},
		{"sheet not well-formed", xlsxOf(t, "", xlsxHeader+`<row r="2"><c>`), bptracker.EINVALID, "not well-formed"},
		{"sheet part missing", replaceInZip(t, xlsxOf(t, "", xlsxHeader), "xl/_rels/workbook.xml.rels", func(s string) string {
			return strings.Replace(s, "sheet1.xml", "sheet9.xml", 1)
		}), bptracker.EINVALID, "a part is missing"},
		{"no workbook relationships", zipOf(t, map[string]string{"xl/workbook.xml": "<workbook/>"}), bptracker.EINVALID, "no xl/_rels/workbook.xml.rels"},
		{"cells far out in many rows", xlsxOf(t, "", wide.String()), bptracker.ETOOLARGE, "more than 1000000 cells"},
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

// TestXLSXMatchesExcelize reads our export and LibreOffice's XLSX with
// both our reader and excelize: every sheet's rows must be the same.
func TestXLSXMatchesExcelize(t *testing.T) {
	matchesExcelize(t, exportedXLSX(t))
	dir := t.TempDir()
	src := filepath.Join(dir, "export.xlsx")
	if err := os.WriteFile(src, exportedXLSX(t), 0o600); err != nil {
		t.Fatal(err)
	}
	// LibreOffice rewrites our export in its own style: shared strings,
	// its own styles and a workbook of its own.
	soffice(t, filepath.Join(dir, "lo"), `xlsx:Calc MS Excel 2007 XML`, src)
	matchesExcelize(t, readFile(t, filepath.Join(dir, "lo", "export.xlsx")))
}

// matchesExcelize checks that our reader sees every sheet of data as
// excelize (RawCellValue) does: the same non-empty rows, numbered alike,
// with the same cells.
func matchesExcelize(tb testing.TB, data []byte) {
	tb.Helper()
	got, err := importer.XLSXSheets(data)
	if err != nil {
		tb.Fatal(err)
	}
	want, err := excelizeSheets(data)
	if err != nil {
		tb.Fatalf("excelize: %v", err)
	}
	if g, w := renderSheets(got), renderSheets(want); g != w {
		tb.Errorf("sheets:\n ours     %s\n excelize %s", g, w)
	}
}

// excelizeSheets reads every sheet as the importer did with excelize.
func excelizeSheets(data []byte) ([][]importer.SheetRow, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out [][]importer.SheetRow
	for _, sheet := range f.GetSheetList() {
		it, err := f.Rows(sheet)
		if err != nil {
			return nil, err
		}
		var rows []importer.SheetRow
		for n := 1; it.Next(); n++ {
			cells, err := it.Columns(excelize.Options{RawCellValue: true})
			if err != nil {
				return nil, fmt.Errorf("row %d: %w", n, err)
			}
			if strings.TrimSpace(strings.Join(cells, "")) != "" {
				rows = append(rows, importer.SheetRow{N: n, Cells: cells})
			}
		}
		if err := it.Error(); err != nil {
			return nil, err
		}
		it.Close()
		out = append(out, rows)
	}
	return out, nil
}

func renderSheets(sheets [][]importer.SheetRow) string {
	var b strings.Builder
	for i, rows := range sheets {
		fmt.Fprintf(&b, "sheet %d:", i+1)
		for _, r := range rows {
			fmt.Fprintf(&b, " %d%q", r.N, r.Cells)
		}
		b.WriteString("; ")
	}
	return b.String()
}

var badStyle = regexp.MustCompile(`\ss\s*=\s*("[^"]*[^0-9"][^"]*"|'[^']*[^0-9'][^']*'|""|'')`)

// rowOpen finds the start tag of a row; rowNumber its r attribute.
var (
	rowOpen   = regexp.MustCompile(`<row\b[^>]*>`)
	rowNumber = regexp.MustCompile(`\sr\s*=\s*["']\s*(\d+)`)
)

// rowsBackwards says whether a row's number does not come after the one
// before it. Rows must ascend; given rows that go back, we number the row
// after the last one and excelize gives it the last one's number, so the
// two are not compared.
func rowsBackwards(sheet string) bool {
	last := 0
	for _, tag := range rowOpen.FindAllString(sheet, -1) {
		m := rowNumber.FindStringSubmatch(tag)
		if m == nil {
			last++
			continue
		}
		n, _ := strconv.Atoi(m[1])
		if n <= last {
			return true
		}
		last = n
	}
	return false
}

// FuzzParseXLSXSheet fuzzes the XML of a sheet and of the shared strings
// rather than the zip around them, which a mutation nearly always breaks.
func FuzzParseXLSXSheet(f *testing.F) {
	f.Add(`<si><t>Date</t></si><si><r><t>Sy</t></r><r><t>s</t></r><rPh><t>x</t></rPh></si>`,
		`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>`+is("C1", "Dia")+`</row>`+
			`<row>`+num("A2", "46053.34375")+`<c><v>128</v></c><c r="C2" t="str"><f>1</f><v>82</v></c><c t="b"><v>1</v></c></row>`)
	f.Add("", xlsxHeader+`<row r="3"><c r="A3" t="d"><v>2026-01-31T08:15:00</v></c>`+is("B3", "1_x0032_8")+num("E3", "82")+`</row>`)
	f.Fuzz(func(t *testing.T, sst, sheet string) {
		data := xlsxOf(t, sst, sheet)
		fuzzParse(t, data, importer.FormatXLSX)
		// excelize drops a cell whose style is not a number; we never
		// look at styles.
		if !badStyle.MatchString(sheet) && !rowsBackwards(sheet) {
			matchesExcelizeIfRead(t, data)
		}
	})
}

// matchesExcelizeIfRead is matchesExcelize for files both readers
// accept: excelize refuses some that we read (a row numbered r="") and
// reads some we refuse (malformed XML). Files with cells past column
// 1,024, which we drop, are not compared either.
func matchesExcelizeIfRead(t *testing.T, data []byte) {
	got, err := importer.XLSXSheets(data)
	if err != nil {
		return
	}
	want, err := excelizeSheets(data)
	if err != nil {
		return
	}
	for _, rows := range want {
		for _, r := range rows {
			if len(r.Cells) > 1024 {
				return
			}
		}
	}
	if g, w := renderSheets(got), renderSheets(want); g != w {
		t.Errorf("sheets:\n ours     %s\n excelize %s", g, w)
	}
}
