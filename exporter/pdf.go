package exporter

import (
	"fmt"
	"io"
	"math"
	"sort"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"github.com/bptracker/bptracker"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// Report is what the PDF for the doctor shows. Summary is computed by the
// caller (bptracker.Summarize over the same readings and period).
type Report struct {
	PatientName string
	From, To    time.Time // To exclusive, like bptracker.ReadingFilter
	Guideline   bptracker.Guideline
	Summary     bptracker.Summary
	Readings    []bptracker.Reading
	Generated   time.Time
}

const (
	pageW, pageH   = 210.0, 297.0 // A4, mm
	marginL        = 15.0
	marginTop      = 12.0
	marginBottom   = 14.0
	contentW       = pageW - 2*marginL
	tableRowH      = 3.9
	tableFontSize  = 7.5
	tableHeadH     = 5.0
	tableBottomLim = pageH - marginBottom - 6
)

// PeriodText formats a report period for people: To is exclusive, so a
// period ending at midnight ends the day before.
func PeriodText(from, to time.Time) string {
	end := to
	if !to.IsZero() && to.Hour() == 0 && to.Minute() == 0 && to.Second() == 0 && to.Nanosecond() == 0 {
		end = to.Add(-time.Nanosecond)
	}
	switch {
	case from.IsZero() && to.IsZero():
		return "all readings"
	case from.IsZero():
		return "until " + end.Format("2006-01-02")
	case to.IsZero():
		return "from " + from.Format("2006-01-02")
	}
	return from.Format("2006-01-02") + " to " + end.Format("2006-01-02")
}

// PairText formats a mean pressure as the report prints it, e.g. "132/84".
func PairText(sys, dia float64) string {
	return fmt.Sprintf("%.0f/%.0f", sys, dia)
}

// font is the family the report is set in: the Go fonts, embedded.
const font = "Go"

// PDF writes the report for the doctor: patient, period, guideline,
// averages (all, morning, evening), time in target range, category
// distribution and a trend chart on the first page, and the readings table
// after it (30 days of two readings a day fit on a second page).
func PDF(w io.Writer, rep Report) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(marginL, marginTop, marginL)
	pdf.SetAutoPageBreak(false, marginBottom)
	pdf.SetCompression(true)
	if !rep.Generated.IsZero() {
		pdf.SetCreationDate(rep.Generated)
		pdf.SetModificationDate(rep.Generated)
	}
	pdf.SetTitle("Blood pressure report", true)
	pdf.SetProducer("BP Tracker", true)
	pdf.AliasNbPages("{nb}")
	// The Go fonts (regular and bold) are embedded, subset to the glyphs
	// used: names and notes in Polish, Turkish, Greek or Russian print as
	// written, where the PDF core fonts knew only Windows-1252. (They have
	// no CJK glyphs.)
	pdf.AddUTF8FontFromBytes(font, "", goregular.TTF)
	pdf.AddUTF8FontFromBytes(font, "B", gobold.TTF)
	if err := pdf.Error(); err != nil {
		return bptracker.Errorf(bptracker.EINTERNAL, "export: PDF fonts: %v", err)
	}
	pdf.SetFooterFunc(func() {
		pdf.SetXY(marginL, pageH-marginBottom+2)
		pdf.SetFont(font, "", 7)
		pdf.SetTextColor(110, 110, 110)
		pdf.CellFormat(contentW, 4, fmt.Sprintf("Blood pressure report · %s · page %d of {nb}", PeriodText(rep.From, rep.To), pdf.PageNo()), "", 0, "C", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})

	rs := live(rep.Readings)
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].TakenAt.Before(rs[j].TakenAt) })
	s := rep.Summary
	g := rep.Guideline
	if !g.Valid() {
		g = bptracker.GuidelineACCAHA
	}

	pdf.AddPage()
	pdf.SetFont(font, "B", 16)
	pdf.CellFormat(contentW, 8, "Blood pressure report", "", 1, "L", false, 0, "")
	pdf.Ln(1)
	kv := func(k, v string) {
		pdf.SetFont(font, "B", 9.5)
		pdf.CellFormat(28, 5, k, "", 0, "L", false, 0, "")
		pdf.SetFont(font, "", 9.5)
		pdf.CellFormat(contentW-28, 5, v, "", 1, "L", false, 0, "")
	}
	kv("Patient", rep.PatientName)
	kv("Period", PeriodText(rep.From, rep.To))
	kv("Guideline", GuidelineLabel(g)+"; home readings, threshold 135/85 mmHg")
	if !rep.Generated.IsZero() {
		kv("Generated", rep.Generated.Format("2006-01-02 15:04 -07:00"))
	}

	section := func(title string) {
		pdf.Ln(2.5)
		pdf.SetFont(font, "B", 11)
		pdf.CellFormat(contentW, 6, title, "B", 1, "L", false, 0, "")
		pdf.Ln(1)
	}

	section("Averages")
	if s.Count == 0 {
		pdf.SetFont(font, "", 9.5)
		pdf.CellFormat(contentW, 5, "No readings in this period.", "", 1, "L", false, 0, "")
	} else {
		cols := []float64{62, 28, 40, 50}
		row := func(bold bool, cells ...string) {
			style := ""
			if bold {
				style = "B"
			}
			pdf.SetFont(font, style, 9.5)
			for i, c := range cells {
				align := "L"
				if i > 0 {
					align = "R"
				}
				pdf.CellFormat(cols[i], 5, c, "", 0, align, false, 0, "")
			}
			pdf.Ln(5)
		}
		row(true, "", "readings", "mean mmHg", "SD mmHg")
		row(false, "All", fmt.Sprint(s.Count), PairText(s.Systolic.Mean, s.Diastolic.Mean),
			fmt.Sprintf("%.1f/%.1f", s.Systolic.SD, s.Diastolic.SD))
		if s.Morning != nil {
			row(false, "Morning (04:00-11:59)", fmt.Sprint(s.Morning.Count), PairText(s.Morning.Systolic, s.Morning.Diastolic), "")
		} else {
			row(false, "Morning (04:00-11:59)", "0", "-", "")
		}
		if s.Evening != nil {
			row(false, "Evening (18:00-23:59)", fmt.Sprint(s.Evening.Count), PairText(s.Evening.Systolic, s.Evening.Diastolic), "")
		} else {
			row(false, "Evening (18:00-23:59)", "0", "-", "")
		}
		if s.Pulse != nil {
			row(false, "Pulse (/min)", fmt.Sprint(s.Pulse.Count), fmt.Sprintf("%.0f", s.Pulse.Mean), fmt.Sprintf("%.1f", s.Pulse.SD))
		}
		pdf.SetFont(font, "", 9)
		above := "below"
		if s.AboveHomeThreshold {
			above = "at or above"
		}
		pdf.MultiCell(contentW, 4.5, fmt.Sprintf("Average category: %s. The mean is %s the home threshold of 135/85 mmHg. "+
			"Pulse pressure %.0f mmHg, mean arterial pressure %.0f mmHg, range %d-%d / %d-%d mmHg. "+
			"Readings taken together in one session are averaged first (%d sessions).",
			s.AverageCategory.Label(), above, s.PulsePressure, s.MeanArterialPressure,
			s.Systolic.Min, s.Systolic.Max, s.Diastolic.Min, s.Diastolic.Max, s.SessionCount), "", "L", false)

		section("Time in target range")
		pdf.SetFont(font, "", 9.5)
		pdf.MultiCell(contentW, 5, fmt.Sprintf("Systolic target %d-%d mmHg: %.0f%% of readings, %.0f%% of the time (linear interpolation between readings).",
			s.Target.SystolicLow, s.Target.SystolicHigh, 100*s.TimeInTarget, 100*s.TimeInTargetByTime), "", "L", false)
		if s.SevereCount > 0 {
			pdf.SetFont(font, "B", 9.5)
			pdf.MultiCell(contentW, 5, fmt.Sprintf("%d reading(s) in the severe range (above 180 systolic and/or 120 diastolic).", s.SevereCount), "", "L", false)
		}

		section("Category distribution")
		categoryTable(pdf, s, g)
	}

	section("Trend")
	trendChart(pdf, rs, rep, s)

	readingsTable(pdf, rs, g)

	if err := pdf.Output(w); err != nil {
		return bptracker.Errorf(bptracker.EINTERNAL, "export: write PDF: %v", err)
	}
	return nil
}

func categoryTable(pdf *fpdf.Fpdf, s bptracker.Summary, g bptracker.Guideline) {
	cats := make([]bptracker.Category, 0, len(s.Categories))
	for c := range s.Categories {
		cats = append(cats, c)
	}
	sort.Slice(cats, func(i, j int) bool { return cats[i].RankIn(g) < cats[j].RankIn(g) })
	total := 0
	for _, n := range s.Categories {
		total += n
	}
	pdf.SetFont(font, "", 9)
	for _, c := range cats {
		n := s.Categories[c]
		share := 0.0
		if total > 0 {
			share = float64(n) / float64(total)
		}
		pdf.CellFormat(62, 4.8, c.Label(), "", 0, "L", false, 0, "")
		pdf.CellFormat(14, 4.8, fmt.Sprint(n), "", 0, "R", false, 0, "")
		pdf.CellFormat(16, 4.8, fmt.Sprintf("%.0f%%", 100*share), "", 0, "R", false, 0, "")
		x, y := pdf.GetXY()
		pdf.SetFillColor(120, 140, 190)
		if share > 0 {
			pdf.Rect(x+4, y+1, 80*share, 2.8, "F")
		}
		pdf.Ln(4.8)
	}
}

// trendChart draws systolic and diastolic over time with fpdf lines: the
// target range shaded, a grid every 20 mmHg and the home threshold dashed.
func trendChart(pdf *fpdf.Fpdf, rs []bptracker.Reading, rep Report, s bptracker.Summary) {
	const h = 62.0
	x0, y0 := marginL+10, pdf.GetY()+2
	w := contentW - 12
	if len(rs) == 0 {
		pdf.SetFont(font, "", 9.5)
		pdf.CellFormat(contentW, 5, "No readings to chart.", "", 1, "L", false, 0, "")
		return
	}
	from, to := rep.From, rep.To
	if from.IsZero() || rs[0].TakenAt.Before(from) {
		from = rs[0].TakenAt
	}
	if to.IsZero() || to.Before(rs[len(rs)-1].TakenAt) {
		to = rs[len(rs)-1].TakenAt
	}
	span := to.Sub(from).Seconds()
	if span <= 0 {
		span = 1
	}
	lo, hi := 200.0, 0.0
	for _, r := range rs {
		lo = math.Min(lo, float64(r.Diastolic))
		hi = math.Max(hi, float64(r.Systolic))
	}
	lo = math.Max(0, math.Floor((lo-10)/20)*20)
	hi = max(hi, float64(s.Target.SystolicHigh), bptracker.HomeThresholdSystolic)
	hi = math.Ceil((hi+10)/20) * 20
	xOf := func(t time.Time) float64 { return x0 + w*t.Sub(from).Seconds()/span }
	yOf := func(v float64) float64 { return y0 + h - h*(v-lo)/(hi-lo) }

	// Target band.
	if s.Target.SystolicHigh > s.Target.SystolicLow {
		pdf.SetFillColor(222, 240, 222)
		top, bot := yOf(math.Min(hi, float64(s.Target.SystolicHigh))), yOf(math.Max(lo, float64(s.Target.SystolicLow)))
		pdf.Rect(x0, top, w, bot-top, "F")
	}
	// Grid and axis labels.
	pdf.SetFont(font, "", 7)
	pdf.SetDrawColor(210, 210, 210)
	pdf.SetLineWidth(0.15)
	for v := lo; v <= hi; v += 20 {
		y := yOf(v)
		pdf.Line(x0, y, x0+w, y)
		pdf.SetXY(x0-11, y-2)
		pdf.CellFormat(10, 4, fmt.Sprintf("%.0f", v), "", 0, "R", false, 0, "")
	}
	pdf.SetDrawColor(0, 0, 0)
	pdf.Rect(x0, y0, w, h, "D")
	for i := 0; i <= 4; i++ {
		t := from.Add(time.Duration(float64(i) / 4 * span * float64(time.Second)))
		x := xOf(t)
		pdf.Line(x, y0+h, x, y0+h+1)
		pdf.SetXY(x-12, y0+h+1)
		pdf.CellFormat(24, 4, t.Format("2006-01-02"), "", 0, "C", false, 0, "")
	}
	// Home threshold.
	pdf.SetDrawColor(150, 150, 150)
	pdf.SetDashPattern([]float64{1, 1}, 0)
	pdf.Line(x0, yOf(bptracker.HomeThresholdSystolic), x0+w, yOf(bptracker.HomeThresholdSystolic))
	pdf.SetDashPattern([]float64{}, 0)

	series := func(val func(bptracker.Reading) int, r, g, b int) {
		pdf.SetDrawColor(r, g, b)
		pdf.SetFillColor(r, g, b)
		pdf.SetLineWidth(0.35)
		for i := 1; i < len(rs); i++ {
			pdf.Line(xOf(rs[i-1].TakenAt), yOf(float64(val(rs[i-1]))), xOf(rs[i].TakenAt), yOf(float64(val(rs[i]))))
		}
		if len(rs) <= 200 {
			for _, rd := range rs {
				pdf.Circle(xOf(rd.TakenAt), yOf(float64(val(rd))), 0.5, "F")
			}
		}
	}
	series(func(r bptracker.Reading) int { return r.Systolic }, 200, 40, 40)
	series(func(r bptracker.Reading) int { return r.Diastolic }, 40, 80, 200)
	pdf.SetLineWidth(0.2)
	pdf.SetDrawColor(0, 0, 0)

	// Legend.
	ly := y0 + h + 6
	legend := func(x float64, r, g, b int, label string) {
		pdf.SetFillColor(r, g, b)
		pdf.Rect(x, ly+1.2, 5, 1.6, "F")
		pdf.SetXY(x+6, ly)
		pdf.CellFormat(40, 4, label, "", 0, "L", false, 0, "")
	}
	legend(x0, 200, 40, 40, "Systolic")
	legend(x0+30, 40, 80, 200, "Diastolic")
	legend(x0+62, 222, 240, 222, fmt.Sprintf("Target %d-%d", s.Target.SystolicLow, s.Target.SystolicHigh))
	pdf.SetXY(x0+104, ly)
	pdf.CellFormat(60, 4, "- - - home threshold 135 mmHg", "", 0, "L", false, 0, "")
	pdf.SetY(ly + 6)
}

// readingsTable lists every reading on new pages, oldest first, in each
// reading's own local time.
func readingsTable(pdf *fpdf.Fpdf, rs []bptracker.Reading, g bptracker.Guideline) {
	cols := []struct {
		title string
		w     float64
		align string
	}{{"Date", 20, "L"}, {"Time", 11, "L"}, {"UTC", 12, "L"}, {"Sys", 10, "R"}, {"Dia", 10, "R"}, {"Pulse", 11, "R"},
		{"Arm", 10, "L"}, {"Position", 14, "L"}, {"Category", 36, "L"}, {"Note", 0, "L"}}
	used := 0.0
	for _, c := range cols[:len(cols)-1] {
		used += c.w
	}
	cols[len(cols)-1].w = contentW - used
	header := func(first bool) {
		pdf.AddPage()
		pdf.SetFont(font, "B", 11)
		title := "Readings"
		if !first {
			title = "Readings (continued)"
		}
		pdf.CellFormat(contentW, 6, title, "", 1, "L", false, 0, "")
		pdf.SetFont(font, "B", tableFontSize)
		pdf.SetFillColor(235, 235, 235)
		for _, c := range cols {
			pdf.CellFormat(c.w, tableHeadH, c.title, "B", 0, c.align, true, 0, "")
		}
		pdf.Ln(tableHeadH)
		pdf.SetFont(font, "", tableFontSize)
	}
	header(true)
	if len(rs) == 0 {
		pdf.CellFormat(contentW, 5, "No readings in this period.", "", 1, "L", false, 0, "")
		return
	}
	for i, r := range rs {
		if pdf.GetY()+tableRowH > tableBottomLim {
			header(false)
		}
		pulse := ""
		if r.Pulse != nil {
			pulse = fmt.Sprint(*r.Pulse)
		}
		note := r.Note
		if r.IrregularHeartbeat {
			note = "[irregular] " + note
		}
		cells := []string{
			r.TakenAt.Format("2006-01-02"), r.TakenAt.Format("15:04"), offset(r.TakenAt),
			fmt.Sprint(r.Systolic), fmt.Sprint(r.Diastolic), pulse, string(r.Arm), string(r.Position),
			bptracker.Classify(g, r.Systolic, r.Diastolic).Label(), note,
		}
		fill := i%2 == 1
		pdf.SetFillColor(246, 246, 246)
		for j, c := range cols {
			pdf.CellFormat(c.w, tableRowH, fit(pdf, cells[j], c.w-2), "", 0, c.align, fill, 0, "")
		}
		pdf.Ln(tableRowH)
	}
}

// fit shortens s with an ellipsis until it is at most w mm wide in the
// current font.
func fit(pdf *fpdf.Fpdf, s string, w float64) string {
	full := pdf.GetStringWidth(s)
	if full <= w {
		return s
	}
	r := []rune(s)
	r = r[:min(len(r), int(float64(len(r))*w/full)+1)]
	for len(r) > 0 && pdf.GetStringWidth(string(r)+"...") > w {
		r = r[:len(r)-1]
	}
	return string(r) + "..."
}
