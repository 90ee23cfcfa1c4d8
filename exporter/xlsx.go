package exporter

import (
	"io"
	"sort"
	"time"

	"github.com/bptracker/bptracker"
	"github.com/xuri/excelize/v2"
)

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

// XLSX writes a workbook with a "Readings" sheet (a real date-time cell,
// numbers as numbers, free text neutralised) and a "Summary" sheet with
// the statistics of s.
func XLSX(w io.Writer, rs []bptracker.Reading, s bptracker.Summary) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "Readings"); err != nil {
		return xlsxErr(err)
	}
	if err := readingsSheet(f, rs); err != nil {
		return err
	}
	if err := summarySheet(f, s); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	if err := f.Write(w); err != nil {
		return xlsxErr(err)
	}
	return nil
}

func readingsSheet(f *excelize.File, rs []bptracker.Reading) error {
	dateFmt := "yyyy-mm-dd hh:mm:ss"
	dateStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt})
	if err != nil {
		return xlsxErr(err)
	}
	headStyle, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return xlsxErr(err)
	}
	sw, err := f.NewStreamWriter("Readings")
	if err != nil {
		return xlsxErr(err)
	}
	for _, cw := range []struct {
		col   int
		width float64
	}{{1, 20}, {2, 11}, {3, 9}, {4, 9}, {5, 7}, {6, 7}, {7, 10}, {8, 10}, {9, 40}, {10, 20}} {
		if err := sw.SetColWidth(cw.col, cw.col, cw.width); err != nil {
			return xlsxErr(err)
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return xlsxErr(err)
	}
	head := make([]any, len(Header))
	for i, h := range Header {
		head[i] = excelize.Cell{StyleID: headStyle, Value: h}
	}
	if err := sw.SetRow("A1", head); err != nil {
		return xlsxErr(err)
	}
	for i, r := range live(rs) {
		var pulse any
		if r.Pulse != nil {
			pulse = *r.Pulse
		}
		row := []any{
			excelize.Cell{StyleID: dateStyle, Value: serial(r.TakenAt)},
			offset(r.TakenAt),
			r.Systolic,
			r.Diastolic,
			pulse,
			string(r.Arm),
			string(r.Position),
			yesNo(r.IrregularHeartbeat),
			Neutralise(r.Note),
			tags(r.Tags),
		}
		cell, err := excelize.CoordinatesToCellName(1, i+2)
		if err != nil {
			return xlsxErr(err)
		}
		if err := sw.SetRow(cell, row); err != nil {
			return xlsxErr(err)
		}
	}
	if err := sw.Flush(); err != nil {
		return xlsxErr(err)
	}
	return nil
}

func summarySheet(f *excelize.File, s bptracker.Summary) error {
	const sheet = "Summary"
	if _, err := f.NewSheet(sheet); err != nil {
		return xlsxErr(err)
	}
	dec := "0.0"
	pct := "0.0%"
	dateFmt := "yyyy-mm-dd hh:mm"
	decStyle, err1 := f.NewStyle(&excelize.Style{CustomNumFmt: &dec})
	pctStyle, err2 := f.NewStyle(&excelize.Style{CustomNumFmt: &pct})
	dateStyle, err3 := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt})
	headStyle, err4 := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	for _, err := range []error{err1, err2, err3, err4} {
		if err != nil {
			return xlsxErr(err)
		}
	}
	type line struct {
		label string
		value any
		style int
	}
	lines := []line{{"Blood pressure summary", nil, headStyle}}
	if s.From != nil {
		lines = append(lines, line{"From", serial(*s.From), dateStyle})
	}
	if s.To != nil {
		lines = append(lines, line{"To", serial(*s.To), dateStyle})
	}
	lines = append(lines,
		line{"Guideline", GuidelineLabel(s.Guideline), 0},
		line{"Setting", s.Setting, 0},
		line{"Readings", s.Count, 0},
		line{"Sessions (readings taken together averaged)", s.SessionCount, 0},
		line{"Mean systolic (mmHg)", s.Systolic.Mean, decStyle},
		line{"SD systolic", s.Systolic.SD, decStyle},
		line{"Min systolic", s.Systolic.Min, 0},
		line{"Max systolic", s.Systolic.Max, 0},
		line{"Mean diastolic (mmHg)", s.Diastolic.Mean, decStyle},
		line{"SD diastolic", s.Diastolic.SD, decStyle},
		line{"Min diastolic", s.Diastolic.Min, 0},
		line{"Max diastolic", s.Diastolic.Max, 0},
	)
	if s.Pulse != nil {
		lines = append(lines, line{"Mean pulse (/min)", s.Pulse.Mean, decStyle}, line{"SD pulse", s.Pulse.SD, decStyle})
	}
	lines = append(lines,
		line{"Pulse pressure (mmHg)", s.PulsePressure, decStyle},
		line{"Mean arterial pressure (mmHg)", s.MeanArterialPressure, decStyle},
	)
	if s.Morning != nil {
		lines = append(lines, line{"Morning readings (04:00-11:59)", s.Morning.Count, 0},
			line{"Morning mean systolic", s.Morning.Systolic, decStyle}, line{"Morning mean diastolic", s.Morning.Diastolic, decStyle})
	}
	if s.Evening != nil {
		lines = append(lines, line{"Evening readings (18:00-23:59)", s.Evening.Count, 0},
			line{"Evening mean systolic", s.Evening.Systolic, decStyle}, line{"Evening mean diastolic", s.Evening.Diastolic, decStyle})
	}
	lines = append(lines,
		line{"Average category", s.AverageCategory.Label(), 0},
		line{"Mean at or above home threshold 135/85", yesNo(s.AboveHomeThreshold), 0},
		line{"Target systolic low (mmHg)", s.Target.SystolicLow, 0},
		line{"Target systolic high (mmHg)", s.Target.SystolicHigh, 0},
		line{"Time in target range (share of readings)", s.TimeInTarget, pctStyle},
		line{"Time in target range (share of time)", s.TimeInTargetByTime, pctStyle},
		line{"Severe readings", s.SevereCount, 0},
		line{"", nil, 0},
		line{"Category", "Readings", headStyle},
	)
	cats := make([]bptracker.Category, 0, len(s.Categories))
	for c := range s.Categories {
		cats = append(cats, c)
	}
	sort.Slice(cats, func(i, j int) bool { return cats[i].RankIn(s.Guideline) < cats[j].RankIn(s.Guideline) })
	for _, c := range cats {
		lines = append(lines, line{c.Label(), s.Categories[c], 0})
	}
	for i, l := range lines {
		a, _ := excelize.CoordinatesToCellName(1, i+1)
		b, _ := excelize.CoordinatesToCellName(2, i+1)
		if err := f.SetCellStr(sheet, a, l.label); err != nil {
			return xlsxErr(err)
		}
		if l.value != nil {
			if err := f.SetCellValue(sheet, b, l.value); err != nil {
				return xlsxErr(err)
			}
		}
		if l.style != 0 {
			cellStyle := b
			if l.style == headStyle {
				cellStyle = a
			}
			if err := f.SetCellStyle(sheet, cellStyle, b, l.style); err != nil {
				return xlsxErr(err)
			}
		}
	}
	if err := f.SetColWidth(sheet, "A", "A", 44); err != nil {
		return xlsxErr(err)
	}
	if err := f.SetColWidth(sheet, "B", "B", 30); err != nil {
		return xlsxErr(err)
	}
	return nil
}
