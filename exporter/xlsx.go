package exporter

import (
	"archive/zip"
	"bufio"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bptracker/bptracker"
)

// The workbook is written by the few lines below (archive/zip and plain
// text) rather than by an XLSX library. excelize, which we used before,
// deep-copies its structures with reflection (github.com/tiendc/go-deepcopy
// calls reflect.Value.Method with a computed index), and that one call
// makes the Go linker keep every exported method of every type in the
// binary; it also brought golang.org/x/text's encodings. Without it here
// and in the importer, the Lambda binary went from 24.5 MB to 12.8 MB.
// Our export is two small sheets with five cell styles, a frozen header
// and column widths, and SpreadsheetML for that is a handful of fixed
// parts. The tests open every export with excelize, and with LibreOffice,
// as independent readers.

// Excel's (and Calc's) serial dates count days from 1899-12-30.
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// serial returns the spreadsheet serial number of t's wall-clock time:
// spreadsheets have no time zones, so the cell shows the time the patient
// saw, and the UTC offset goes in its own column.
func serial(t time.Time) float64 {
	wall := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
	// Most seconds have no exact binary fraction of a day, and Calc
	// truncates when it formats one (20:05:30 would show as 20:05:29), so
	// the value is nudged a tenth of a millisecond past the second.
	return (wall.Sub(excelEpoch).Seconds() + 1e-4) / 86400
}

func xlsxErr(err error) error {
	return bptracker.Errorf(bptracker.EINTERNAL, "export: write XLSX: %v", err)
}

// Cell styles: their indexes in the cellXfs of xlStyles.
const (
	styleNone     = iota
	styleDateTime // yyyy-mm-dd hh:mm:ss
	styleBold
	styleDecimal    // 0.0
	stylePercent    // 0.0%
	styleDateMinute // yyyy-mm-dd hh:mm
)

// XLSX writes a workbook with a "Readings" sheet (a real date-time cell,
// numbers as numbers, free text neutralised) and a "Summary" sheet with
// the statistics of s. The parts are streamed to w as they are written.
func XLSX(w io.Writer, rs []bptracker.Reading, s bptracker.Summary) error {
	zw := zip.NewWriter(w)
	for _, p := range []struct{ name, body string }{
		{"[Content_Types].xml", xlContentTypes},
		{"_rels/.rels", xlRootRels},
		{"xl/workbook.xml", xlWorkbook},
		{"xl/_rels/workbook.xml.rels", xlWorkbookRels},
		{"xl/styles.xml", xlStyles},
	} {
		pw, err := zw.Create(p.name)
		if err != nil {
			return xlsxErr(err)
		}
		if _, err := io.WriteString(pw, p.body); err != nil {
			return xlsxErr(err)
		}
	}
	if err := writeSheet(zw, "xl/worksheets/sheet1.xml", func(sw *sheetWriter) { readingsSheet(sw, live(rs)) }); err != nil {
		return err
	}
	if err := writeSheet(zw, "xl/worksheets/sheet2.xml", func(sw *sheetWriter) { summarySheet(sw, s) }); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return xlsxErr(err)
	}
	return nil
}

func writeSheet(zw *zip.Writer, name string, fill func(*sheetWriter)) error {
	pw, err := zw.Create(name)
	if err != nil {
		return xlsxErr(err)
	}
	sw := &sheetWriter{w: bufio.NewWriter(pw)}
	fill(sw)
	// bufio.Writer keeps its first error, so checking once here is enough.
	if err := sw.w.Flush(); err != nil {
		return xlsxErr(err)
	}
	return nil
}

func readingsSheet(sw *sheetWriter, rs []bptracker.Reading) {
	// The header row is frozen: it stays in view while the readings scroll.
	sw.start("A1:"+cellRef(len(Header)-1, len(rs)+1),
		`<sheetView tabSelected="1" workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView>`,
		[]float64{20, 11, 9, 9, 7, 7, 10, 10, 40, 20})
	sw.nextRow()
	for _, h := range Header {
		sw.text(h, styleBold)
	}
	for _, r := range rs {
		sw.nextRow()
		sw.number(serial(r.TakenAt), styleDateTime)
		sw.text(offset(r.TakenAt), styleNone)
		sw.number(float64(r.Systolic), styleNone)
		sw.number(float64(r.Diastolic), styleNone)
		if r.Pulse != nil {
			sw.number(float64(*r.Pulse), styleNone)
		} else {
			sw.skip()
		}
		sw.text(string(r.Arm), styleNone)
		sw.text(string(r.Position), styleNone)
		sw.text(yesNo(r.IrregularHeartbeat), styleNone)
		sw.text(Neutralise(r.Note), styleNone)
		sw.text(tags(r.Tags), styleNone)
	}
	sw.end()
}

func summarySheet(sw *sheetWriter, s bptracker.Summary) {
	type line struct {
		label string
		value any // nil, int, float64 or string
		style int // of the value; styleBold makes the label bold too
	}
	lines := []line{{"Blood pressure summary", nil, styleBold}}
	if s.From != nil {
		lines = append(lines, line{"From", serial(*s.From), styleDateMinute})
	}
	if s.To != nil {
		lines = append(lines, line{"To", serial(*s.To), styleDateMinute})
	}
	lines = append(lines,
		line{"Guideline", GuidelineLabel(s.Guideline), 0},
		line{"Setting", s.Setting, 0},
		line{"Readings", s.Count, 0},
		line{"Sessions (readings taken together averaged)", s.SessionCount, 0},
		line{"Mean systolic (mmHg)", s.Systolic.Mean, styleDecimal},
		line{"SD systolic", s.Systolic.SD, styleDecimal},
		line{"Min systolic", s.Systolic.Min, 0},
		line{"Max systolic", s.Systolic.Max, 0},
		line{"Mean diastolic (mmHg)", s.Diastolic.Mean, styleDecimal},
		line{"SD diastolic", s.Diastolic.SD, styleDecimal},
		line{"Min diastolic", s.Diastolic.Min, 0},
		line{"Max diastolic", s.Diastolic.Max, 0},
	)
	if s.Pulse != nil {
		lines = append(lines, line{"Mean pulse (/min)", s.Pulse.Mean, styleDecimal}, line{"SD pulse", s.Pulse.SD, styleDecimal})
	}
	lines = append(lines,
		line{"Pulse pressure (mmHg)", s.PulsePressure, styleDecimal},
		line{"Mean arterial pressure (mmHg)", s.MeanArterialPressure, styleDecimal},
	)
	if s.Morning != nil {
		lines = append(lines, line{"Morning readings (04:00-11:59)", s.Morning.Count, 0},
			line{"Morning mean systolic", s.Morning.Systolic, styleDecimal}, line{"Morning mean diastolic", s.Morning.Diastolic, styleDecimal})
	}
	if s.Evening != nil {
		lines = append(lines, line{"Evening readings (18:00-23:59)", s.Evening.Count, 0},
			line{"Evening mean systolic", s.Evening.Systolic, styleDecimal}, line{"Evening mean diastolic", s.Evening.Diastolic, styleDecimal})
	}
	lines = append(lines,
		line{"Average category", s.AverageCategory.Label(), 0},
		line{"Mean at or above home threshold 135/85", yesNo(s.AboveHomeThreshold), 0},
		line{"Target systolic low (mmHg)", s.Target.SystolicLow, 0},
		line{"Target systolic high (mmHg)", s.Target.SystolicHigh, 0},
		line{"Time in target range (share of readings)", s.TimeInTarget, stylePercent},
		line{"Time in target range (share of time)", s.TimeInTargetByTime, stylePercent},
		line{"Severe readings", s.SevereCount, 0},
		line{"", nil, 0},
		line{"Category", "Readings", styleBold},
	)
	cats := make([]bptracker.Category, 0, len(s.Categories))
	for c := range s.Categories {
		cats = append(cats, c)
	}
	sort.Slice(cats, func(i, j int) bool { return cats[i].RankIn(s.Guideline) < cats[j].RankIn(s.Guideline) })
	for _, c := range cats {
		lines = append(lines, line{c.Label(), s.Categories[c], 0})
	}

	sw.start("A1:B"+strconv.Itoa(len(lines)), `<sheetView workbookViewId="0"/>`, []float64{44, 30})
	for _, l := range lines {
		sw.nextRow()
		labelStyle := styleNone
		if l.style == styleBold {
			labelStyle = styleBold
		}
		sw.text(l.label, labelStyle)
		switch v := l.value.(type) {
		case nil:
			if l.style != styleNone {
				sw.empty(l.style) // the heading's bold runs across both columns
			}
		case int:
			sw.number(float64(v), l.style)
		case float64:
			sw.number(v, l.style)
		case string:
			sw.text(v, l.style)
		}
	}
	sw.end()
}

// sheetWriter writes one worksheet part row by row.
type sheetWriter struct {
	w   *bufio.Writer
	row int // current row, 1-based
	col int // next column, 0-based
}

// start writes the worksheet up to its first row: the used range, the
// sheet view and the column widths (in characters).
func (sw *sheetWriter) start(dimension, view string, widths []float64) {
	sw.w.WriteString(xlHeader + `<worksheet xmlns="` + nsMain + `"><dimension ref="` + dimension + `"/><sheetViews>` + view +
		`</sheetViews><sheetFormatPr defaultRowHeight="15"/><cols>`)
	for i, w := range widths {
		n := strconv.Itoa(i + 1)
		sw.w.WriteString(`<col min="` + n + `" max="` + n + `" width="` + strconv.FormatFloat(w, 'f', -1, 64) + `" customWidth="1"/>`)
	}
	sw.w.WriteString(`</cols><sheetData>`)
}

func (sw *sheetWriter) nextRow() {
	if sw.row > 0 {
		sw.w.WriteString(`</row>`)
	}
	sw.row++
	sw.col = 0
	sw.w.WriteString(`<row r="` + strconv.Itoa(sw.row) + `">`)
}

func (sw *sheetWriter) end() {
	if sw.row > 0 {
		sw.w.WriteString(`</row>`)
	}
	sw.w.WriteString(`</sheetData></worksheet>`)
}

// skip leaves the next cell out: an absent value, not an empty text.
func (sw *sheetWriter) skip() { sw.col++ }

// open writes a cell's start tag up to its value.
func (sw *sheetWriter) open(style int, typ string) {
	sw.w.WriteString(`<c r="` + cellRef(sw.col, sw.row) + `"`)
	if style != styleNone {
		sw.w.WriteString(` s="` + strconv.Itoa(style) + `"`)
	}
	if typ != "" {
		sw.w.WriteString(` t="` + typ + `"`)
	}
	sw.w.WriteString(`>`)
	sw.col++
}

// empty writes a cell with a style and no value.
func (sw *sheetWriter) empty(style int) {
	sw.open(style, "")
	sw.w.WriteString(`</c>`)
}

// number writes a numeric cell, to Excel's 15 significant digits. NaN and
// infinities, which a cell cannot hold, are written as text.
func (sw *sheetWriter) number(v float64, style int) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		sw.text(strconv.FormatFloat(v, 'g', -1, 64), style)
		return
	}
	sw.open(style, "")
	sw.w.WriteString(`<v>` + strconv.FormatFloat(v, 'g', 15, 64) + `</v></c>`)
}

// text writes an inline string cell; an empty text leaves the cell out.
func (sw *sheetWriter) text(s string, style int) {
	if s == "" {
		if style != styleNone {
			sw.empty(style)
		} else {
			sw.skip()
		}
		return
	}
	sw.open(style, "inlineStr")
	sw.w.WriteString(`<is><t`)
	if strings.ContainsRune(" \t\n\r", rune(s[0])) || strings.ContainsRune(" \t\n\r", rune(s[len(s)-1])) {
		sw.w.WriteString(` xml:space="preserve"`)
	}
	sw.w.WriteString(`>`)
	writeXMLText(sw.w, s)
	sw.w.WriteString(`</t></is></c>`)
}

// cellRef returns the A1 reference of a 0-based column and 1-based row;
// our sheets have at most 26 columns.
func cellRef(col, row int) string {
	return string(rune('A'+col)) + strconv.Itoa(row)
}

// writeXMLText writes s as XML character data. Characters XML 1.0 cannot
// hold (most control characters, invalid UTF-8) are dropped; a carriage
// return is written as a reference so XML's line-end handling keeps it;
// and "_x" followed by four hex digits and "_", which Excel reads as an
// escaped character, gets its underscore escaped as _x005F_.
func writeXMLText(w *bufio.Writer, s string) {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
		case r == '&':
			w.WriteString("&amp;")
		case r == '<':
			w.WriteString("&lt;")
		case r == '>':
			w.WriteString("&gt;")
		case r == '\r':
			w.WriteString("&#xD;")
		case r == '_' && isExcelEscape(s[i:]):
			w.WriteString("_x005F_")
		case r == '\t' || r == '\n' || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000:
			w.WriteString(s[i : i+n])
		}
		i += n
	}
}

// isExcelEscape says whether s starts with _xHHHH_.
func isExcelEscape(s string) bool {
	if len(s) < 7 || s[0] != '_' || s[1] != 'x' || s[6] != '_' {
		return false
	}
	for _, c := range s[2:6] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// The fixed parts of the package: the smallest SpreadsheetML that Excel,
// LibreOffice and excelize open without complaint.
const (
	xlHeader = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
	nsMain   = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
	nsRels   = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

	xlContentTypes = xlHeader + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
		`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
		`<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
		`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
		`</Types>`

	xlRootRels = xlHeader + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="` + nsRels + `/officeDocument" Target="xl/workbook.xml"/>` +
		`</Relationships>`

	// Readings is the active tab (activeTab 0).
	xlWorkbook = xlHeader + `<workbook xmlns="` + nsMain + `" xmlns:r="` + nsRels + `">` +
		`<bookViews><workbookView activeTab="0"/></bookViews>` +
		`<sheets><sheet name="Readings" sheetId="1" r:id="rId1"/><sheet name="Summary" sheetId="2" r:id="rId2"/></sheets>` +
		`</workbook>`

	xlWorkbookRels = xlHeader + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="` + nsRels + `/worksheet" Target="worksheets/sheet1.xml"/>` +
		`<Relationship Id="rId2" Type="` + nsRels + `/worksheet" Target="worksheets/sheet2.xml"/>` +
		`<Relationship Id="rId3" Type="` + nsRels + `/styles" Target="styles.xml"/>` +
		`</Relationships>`

	// The cellXfs are in the order of the style constants. Custom number
	// formats take ids from 164: the lower ones are built in.
	xlStyles = xlHeader + `<styleSheet xmlns="` + nsMain + `">` +
		`<numFmts count="4"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/><numFmt numFmtId="165" formatCode="0.0"/>` +
		`<numFmt numFmtId="166" formatCode="0.0%"/><numFmt numFmtId="167" formatCode="yyyy-mm-dd hh:mm"/></numFmts>` +
		`<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>` +
		`<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>` +
		`<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
		`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
		`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
		`<cellXfs count="6">` +
		`<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
		`<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
		`<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>` +
		`<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
		`<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
		`<xf numFmtId="167" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
		`</cellXfs>` +
		`<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>` +
		`</styleSheet>`
)
