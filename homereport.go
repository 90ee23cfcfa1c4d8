package bptracker

import (
	"fmt"
	"time"
)

// The home monitoring protocol (AHA/ESH).
const (
	HomeReportDays        = 7
	HomeReportMinReadings = 12
)

// HomeReportInstructions is the protocol in plain language.
const HomeReportInstructions = "Measure for 7 days in a row, each morning before taking any blood-pressure " +
	"medication and each evening. Each time, sit quietly for 5 minutes with your back supported, feet flat " +
	"and your arm resting at heart level, then take two readings one minute apart and record both. " +
	"Day one is not counted: it is for practice. The average of the other days' morning and evening " +
	"readings (at least 12) is your home blood pressure."

// BuildHomeReport applies the 7-day home monitoring protocol to readings
// (in any order) for the week ending on end's date. Days are calendar days
// in each reading's own offset, so "morning" and "day one" are the
// patient's. Readings after end and deleted readings are ignored. Every
// reading counts on its own, with no session averaging: the protocol asks
// for two readings a minute apart and counts both.
func BuildHomeReport(readings []Reading, end time.Time, g Guideline) HomeReport {
	if !g.Valid() {
		g = GuidelineACCAHA
	}
	y, m, d := end.Date()
	rep := HomeReport{
		Start:        time.Date(y, m, d-(HomeReportDays-1), 0, 0, 0, 0, end.Location()),
		End:          end,
		Instructions: HomeReportInstructions,
	}
	lastDay := civilDay(end)
	firstDay := lastDay - (HomeReportDays - 1)

	var window []Reading
	days := map[int64]bool{}
	dayOne := int64(0)
	for _, r := range readings {
		day := civilDay(r.TakenAt)
		if r.Deleted || day < firstDay || day > lastDay || r.TakenAt.After(end) {
			continue
		}
		if len(window) == 0 || day < dayOne {
			dayOne = day
		}
		window = append(window, r)
		days[day] = true
	}
	rep.Days = len(days)

	var all, morning, evening pairSum
	for _, r := range window {
		if civilDay(r.TakenAt) == dayOne {
			continue
		}
		sys, dia := float64(r.Systolic), float64(r.Diastolic)
		switch {
		case isMorning(r.TakenAt):
			morning.add(sys, dia)
		case isEvening(r.TakenAt):
			evening.add(sys, dia)
		default:
			continue // afternoon and night readings are not part of the protocol
		}
		all.add(sys, dia)
	}
	rep.ReadingsUsed = all.n
	rep.Complete = all.n >= HomeReportMinReadings
	rep.Average, rep.Morning, rep.Evening = all.pair(), morning.pair(), evening.pair()
	if rep.Average != nil {
		sys, dia := roundInt(rep.Average.Systolic), roundInt(rep.Average.Diastolic)
		rep.Category = Classify(g, sys, dia)
		rep.AboveHomeThreshold = aboveHome(rep.Average.Systolic, rep.Average.Diastolic)
	}
	rep.Message = homeMessage(&rep)
	return rep
}

// homeMessage says what the report means for the patient.
func homeMessage(rep *HomeReport) string {
	if !rep.Complete {
		return fmt.Sprintf("Incomplete: not enough readings: %d of at least %d morning and evening readings "+
			"after day one. Keep measuring each morning and evening; an average of fewer readings is not reliable.",
			rep.ReadingsUsed, HomeReportMinReadings)
	}
	sys, dia := roundInt(rep.Average.Systolic), roundInt(rep.Average.Diastolic)
	msg := fmt.Sprintf("Your home average is %d/%d mmHg from %d readings (%s). ",
		sys, dia, rep.ReadingsUsed, rep.Category.Label())
	if rep.AboveHomeThreshold {
		msg += fmt.Sprintf("That is at or above the home threshold of %d/%d mmHg, which matches 140/90 "+
			"in the office: share this report with your clinician.", HomeThresholdSystolic, HomeThresholdDiastolic)
	} else {
		msg += fmt.Sprintf("That is below the home threshold of %d/%d mmHg.", HomeThresholdSystolic, HomeThresholdDiastolic)
	}
	if IsSevere(sys, dia) {
		msg += " " + SevereAdvice
	}
	return msg
}

// civilDay numbers the calendar date of t in t's own location, so that
// dates in different offsets compare as the patient saw them.
func civilDay(t time.Time) int64 {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}
