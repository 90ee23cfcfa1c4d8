package exporter_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/exporter"
	"github.com/xuri/excelize/v2"
)

// openXLSX opens an export with excelize, an independent reader.
func openXLSX(tb testing.TB, data []byte) *excelize.File {
	tb.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	return f
}

// cellLook is what a cell shows and how.
type cellLook struct {
	shown  string // as formatted by its number format
	number bool   // a numeric cell, not text
	format string // custom number format, "" for General
	bold   bool
}

func lookOf(tb testing.TB, f *excelize.File, sheet, ref string) cellLook {
	tb.Helper()
	var l cellLook
	var err error
	if l.shown, err = f.GetCellValue(sheet, ref); err != nil {
		tb.Fatal(err)
	}
	typ, err := f.GetCellType(sheet, ref)
	if err != nil {
		tb.Fatal(err)
	}
	raw, _ := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
	l.number = (typ == excelize.CellTypeUnset || typ == excelize.CellTypeNumber) && raw != ""
	id, err := f.GetCellStyle(sheet, ref)
	if err != nil {
		tb.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		tb.Fatal(err)
	}
	if st.CustomNumFmt != nil {
		l.format = *st.CustomNumFmt
	}
	l.bold = st.Font != nil && st.Font.Bold
	return l
}

// TestXLSX opens the export with excelize: the sheets, their order, the
// frozen header, the column widths, and every kind of cell with its type,
// number format and weight, as the export has always had them.
func TestXLSX(t *testing.T) {
	rs, from, to := month(t)
	rs[1].Pulse = nil
	rs[2].Deleted = true
	sum := bptracker.Summarize(rs, bptracker.SummaryOptions{From: &from, To: &to})
	var buf bytes.Buffer
	if err := exporter.XLSX(&buf, rs, sum); err != nil {
		t.Fatal(err)
	}
	f := openXLSX(t, buf.Bytes())
	if got, want := strings.Join(f.GetSheetList(), ","), "Readings,Summary"; got != want {
		t.Errorf("sheets: got %q, want %q", got, want)
	}
	if got, want := f.GetActiveSheetIndex(), 0; got != want {
		t.Errorf("active sheet: got %d, want %d", got, want)
	}
	panes, err := f.GetPanes("Readings")
	if err != nil {
		t.Fatal(err)
	}
	if !panes.Freeze || panes.YSplit != 1 || panes.XSplit != 0 || panes.TopLeftCell != "A2" || panes.ActivePane != "bottomLeft" {
		t.Errorf("Readings panes: got %+v, want the first row frozen", panes)
	}
	if panes, _ := f.GetPanes("Summary"); panes.Freeze {
		t.Errorf("Summary panes: got %+v, want none", panes)
	}
	for _, tc := range []struct {
		sheet  string
		widths []float64
	}{
		{"Readings", []float64{20, 11, 9, 9, 7, 7, 10, 10, 40, 20}},
		{"Summary", []float64{44, 30}},
	} {
		for i, want := range tc.widths {
			col, _ := excelize.ColumnNumberToName(i + 1)
			if got, err := f.GetColWidth(tc.sheet, col); err != nil || got != want {
				t.Errorf("%s column %s width: got %v (%v), want %v", tc.sheet, col, got, err, want)
			}
		}
	}

	text := cellLook{}
	readings := map[string]cellLook{
		"A2": {shown: "2026-01-01 07:00:00", number: true, format: "yyyy-mm-dd hh:mm:ss"},
		"B2": {shown: "+01:00"},
		"C2": {shown: "118", number: true},
		"D2": {shown: "74", number: true},
		"E2": {shown: "60", number: true},
		"F2": {shown: "left"},
		"G2": {shown: "sitting"},
		"H2": {shown: "no"},
		"I2": {shown: "'=cmd|' /C calc'!A0"},
		"J2": text,
		"A3": {shown: "2026-01-01 21:00:00", number: true, format: "yyyy-mm-dd hh:mm:ss"},
		"E3": text,                                                                        // no pulse
		"A4": {shown: "2026-01-02 21:00:00", number: true, format: "yyyy-mm-dd hh:mm:ss"}, // the deleted one is left out
	}
	for i, h := range exporter.Header {
		col, _ := excelize.ColumnNumberToName(i + 1)
		readings[col+"1"] = cellLook{shown: h, bold: true}
	}
	for ref, want := range readings {
		if got := lookOf(t, f, "Readings", ref); got != want {
			t.Errorf("Readings %s: got %+v, want %+v", ref, got, want)
		}
	}
	rows, err := f.GetRows("Readings")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(rows), 1+len(rs)-1; got != want {
		t.Errorf("Readings rows: got %d, want %d", got, want)
	}
	// Text cells that look like formulas are neutralised and hold no formula.
	for i, row := range rows[1:] {
		if len(row) > 8 && row[8] != "" && strings.ContainsRune("=+-@\t\r", rune(row[8][0])) {
			t.Errorf("row %d note starts with a formula character: %q", i+2, row[8])
		}
		if fm, _ := f.GetCellFormula("Readings", "I"+strconv.Itoa(i+2)); fm != "" {
			t.Errorf("row %d holds a formula", i+2)
		}
	}
	// The date cell's value is the wall-clock time, a little past the second.
	raw, _ := f.GetCellValue("Readings", "A2", excelize.Options{RawCellValue: true})
	v, err := strconv.ParseFloat(raw, 64)
	wall := time.Date(2026, 1, 1, 7, 0, 0, 0, time.UTC).Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)).Hours() / 24
	if err != nil || v < wall || v > wall+1e-8 {
		t.Errorf("A2 serial: got %q, want just past %v", raw, wall)
	}

	// The Summary sheet, found by label: column B holds the values.
	srows, err := f.GetRows("Summary")
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]int{}
	for i, r := range srows {
		if len(r) > 0 {
			if _, dup := labels[r[0]]; !dup {
				labels[r[0]] = i + 1
			}
		}
	}
	one := func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
	for _, tc := range []struct {
		label     string
		boldLabel bool
		value     cellLook
	}{
		{"Blood pressure summary", true, cellLook{bold: true}},
		{"From", false, cellLook{shown: "2026-01-01 00:00", number: true, format: "yyyy-mm-dd hh:mm"}},
		{"To", false, cellLook{shown: "2026-01-31 00:00", number: true, format: "yyyy-mm-dd hh:mm"}},
		{"Guideline", false, cellLook{shown: "ACC/AHA 2017 (reaffirmed 2025)"}},
		{"Setting", false, cellLook{shown: "home"}},
		{"Readings", false, cellLook{shown: strconv.Itoa(sum.Count), number: true}},
		{"Mean systolic (mmHg)", false, cellLook{shown: one(sum.Systolic.Mean), number: true, format: "0.0"}},
		{"SD diastolic", false, cellLook{shown: one(sum.Diastolic.SD), number: true, format: "0.0"}},
		{"Min systolic", false, cellLook{shown: strconv.Itoa(sum.Systolic.Min), number: true}},
		{"Mean pulse (/min)", false, cellLook{shown: one(sum.Pulse.Mean), number: true, format: "0.0"}},
		{"Mean arterial pressure (mmHg)", false, cellLook{shown: one(sum.MeanArterialPressure), number: true, format: "0.0"}},
		{"Morning mean systolic", false, cellLook{shown: one(sum.Morning.Systolic), number: true, format: "0.0"}},
		{"Average category", false, cellLook{shown: sum.AverageCategory.Label()}},
		{"Mean at or above home threshold 135/85", false, cellLook{shown: "no"}},
		{"Time in target range (share of readings)", false, cellLook{shown: one(sum.TimeInTarget*100) + "%", number: true, format: "0.0%"}},
		{"Time in target range (share of time)", false, cellLook{shown: one(sum.TimeInTargetByTime*100) + "%", number: true, format: "0.0%"}},
		{"Severe readings", false, cellLook{shown: "0", number: true}},
		{"Category", true, cellLook{shown: "Readings", bold: true}},
		{"Normal", false, cellLook{shown: strconv.Itoa(sum.Categories[bptracker.CategoryNormal]), number: true}},
	} {
		n, ok := labels[tc.label]
		if !ok {
			t.Errorf("Summary has no %q line", tc.label)
			continue
		}
		if got, want := lookOf(t, f, "Summary", "A"+strconv.Itoa(n)), (cellLook{shown: tc.label, bold: tc.boldLabel}); got != want {
			t.Errorf("Summary A%d: got %+v, want %+v", n, got, want)
		}
		if got := lookOf(t, f, "Summary", "B"+strconv.Itoa(n)); got != tc.value {
			t.Errorf("Summary B%d (%s): got %+v, want %+v", n, tc.label, got, tc.value)
		}
	}
	if got, want := labels["Category"], labels["Severe readings"]+2; got != want {
		t.Errorf("Category heading in row %d, want %d (after an empty row)", got, want)
	}
}

// TestXLSXText writes awkward text: XML's special characters, leading
// spaces, line breaks, characters XML cannot hold and Excel's _xHHHH_
// escape written literally.
func TestXLSXText(t *testing.T) {
	base := time.Date(2026, 1, 31, 8, 15, 0, 0, time.UTC)
	for i, tc := range []struct{ note, want string }{
		{`<b>&amp; "quoted" 'single'`, `<b>&amp; "quoted" 'single'`},
		{"  spaced  ", "  spaced  "},
		{"line\nbreak\r\nand CR", "line\nbreak\r\nand CR"},
		{"bell\a, nul\x00, U+FFFE\uFFFE and \xff gone", "bell, nul, U+FFFE and  gone"},
		{"literal _x0041_ and _x005F_ stay", "literal _x0041_ and _x005F_ stay"},
		{"emoji 🩺 and ü", "emoji 🩺 and ü"},
	} {
		rs := []bptracker.Reading{{TakenAt: base, Systolic: 120, Diastolic: 80, Note: tc.note}}
		var buf bytes.Buffer
		if err := exporter.XLSX(&buf, rs, bptracker.Summarize(rs, bptracker.SummaryOptions{})); err != nil {
			t.Fatal(err)
		}
		got, err := openXLSX(t, buf.Bytes()).GetCellValue("Readings", "I2")
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("note %d: got %q, want %q", i, got, tc.want)
		}
	}
}

// TestXLSXPackage checks the container: the parts a spreadsheet needs,
// compressed.
func TestXLSXPackage(t *testing.T) {
	rs, _, _ := month(t)
	var buf bytes.Buffer
	if err := exporter.XLSX(&buf, rs, bptracker.Summarize(rs, bptracker.SummaryOptions{})); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if f.Method != zip.Deflate {
			t.Errorf("%s is stored, want it deflated", f.Name)
		}
	}
	if got, want := strings.Join(names, " "), "[Content_Types].xml _rels/.rels xl/workbook.xml xl/_rels/workbook.xml.rels xl/styles.xml xl/worksheets/sheet1.xml xl/worksheets/sheet2.xml"; got != want {
		t.Errorf("parts: got %s, want %s", got, want)
	}
}

type failingWriter struct{ after int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.after -= len(p); w.after < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

// TestXLSXWriteError: a failing writer is an internal error, wherever it
// fails.
func TestXLSXWriteError(t *testing.T) {
	rs, _, _ := month(t)
	sum := bptracker.Summarize(rs, bptracker.SummaryOptions{})
	for _, after := range []int{0, 100, 3000, 6000} {
		err := exporter.XLSX(&failingWriter{after: after}, rs, sum)
		if got, want := bptracker.ErrorCode(err), bptracker.EINTERNAL; got != want {
			t.Errorf("failing after %d bytes: code %q (%v), want %q", after, got, err, want)
		}
	}
}
