package bptracker

import (
	"math"
	"sort"
	"time"
)

// Home thresholds: a home (self-measured) mean at or above 135/85 is the
// equivalent of an office 140/90.
const (
	HomeThresholdSystolic  = 135
	HomeThresholdDiastolic = 85
)

// SettingHome is Summary.Setting for self-measured readings.
const SettingHome = "home"

// SummaryOptions say how Summarize judges readings.
type SummaryOptions struct {
	Guideline Guideline // "" or unknown: ACC/AHA
	Target    Target    // zero: DefaultTarget
	// From (inclusive) and To (exclusive) bound the readings used, like
	// ReadingFilter; nil leaves that side open. They are copied to the
	// Summary.
	From, To *time.Time
}

// group is one or more readings taken together, averaged.
type group struct {
	at                  time.Time // the first reading's TakenAt, with its offset
	systolic, diastolic float64
	pulse               float64
	hasPulse            bool
}

// Summarize computes the statistics of a window of readings, in any order.
// Deleted readings and readings outside opt.From/opt.To are ignored.
// Readings with the same non-empty SessionID are averaged into one group
// first; every statistic except Count and the Stat Min/Max is over groups.
func Summarize(readings []Reading, opt SummaryOptions) Summary {
	g := opt.Guideline
	if !g.Valid() {
		g = GuidelineACCAHA
	}
	target := opt.Target
	if target == (Target{}) {
		target = DefaultTarget
	}
	s := Summary{
		From:       opt.From,
		To:         opt.To,
		Guideline:  g,
		Setting:    SettingHome,
		Categories: map[Category]int{},
		Target:     target,
	}

	used := make([]Reading, 0, len(readings))
	for _, r := range readings {
		if r.Deleted ||
			(opt.From != nil && r.TakenAt.Before(*opt.From)) ||
			(opt.To != nil && !r.TakenAt.Before(*opt.To)) {
			continue
		}
		used = append(used, r)
	}
	if len(used) == 0 {
		return s
	}
	// Sorting by time (then id, for a stable answer) makes "the first
	// reading's time" of a session and the interpolation order well defined.
	sort.SliceStable(used, func(i, j int) bool {
		if !used[i].TakenAt.Equal(used[j].TakenAt) {
			return used[i].TakenAt.Before(used[j].TakenAt)
		}
		return used[i].ID < used[j].ID
	})
	groups := groupReadings(used)
	s.Count = len(used)
	s.SessionCount = len(groups)

	// Stat.Min and Max are ints, and a session's mean is not, so they are the
	// extremes of the raw readings: values actually measured, never rounded,
	// and still bounding the mean of the groups.
	var sys, dia, pulse []float64
	s.Systolic.Min, s.Systolic.Max = used[0].Systolic, used[0].Systolic
	s.Diastolic.Min, s.Diastolic.Max = used[0].Diastolic, used[0].Diastolic
	var (
		pulseStat Stat
		pulseSeen bool
	)
	for i, r := range used {
		if i > 0 {
			s.Systolic.Min, s.Systolic.Max = min(s.Systolic.Min, r.Systolic), max(s.Systolic.Max, r.Systolic)
			s.Diastolic.Min, s.Diastolic.Max = min(s.Diastolic.Min, r.Diastolic), max(s.Diastolic.Max, r.Diastolic)
		}
		if r.Pulse != nil {
			p := *r.Pulse
			if !pulseSeen {
				pulseStat.Min, pulseStat.Max, pulseSeen = p, p, true
			}
			pulseStat.Min, pulseStat.Max = min(pulseStat.Min, p), max(pulseStat.Max, p)
		}
	}

	var morning, evening pairSum
	inTarget := 0
	for _, gr := range groups {
		sys = append(sys, gr.systolic)
		dia = append(dia, gr.diastolic)
		if gr.hasPulse {
			pulse = append(pulse, gr.pulse)
		}
		rs, rd := roundInt(gr.systolic), roundInt(gr.diastolic)
		s.Categories[Classify(g, rs, rd)]++
		if IsSevere(rs, rd) {
			s.SevereCount++
		}
		if inRange(gr.systolic, target) {
			inTarget++
		}
		switch {
		case isMorning(gr.at):
			morning.add(gr.systolic, gr.diastolic)
		case isEvening(gr.at):
			evening.add(gr.systolic, gr.diastolic)
		}
	}
	s.Systolic.Count, s.Systolic.Mean, s.Systolic.SD = meanSD(sys)
	s.Diastolic.Count, s.Diastolic.Mean, s.Diastolic.SD = meanSD(dia)
	if len(pulse) > 0 {
		pulseStat.Count, pulseStat.Mean, pulseStat.SD = meanSD(pulse)
		s.Pulse = &pulseStat
	}
	s.PulsePressure = s.Systolic.Mean - s.Diastolic.Mean
	s.MeanArterialPressure = s.Diastolic.Mean + (s.Systolic.Mean-s.Diastolic.Mean)/3
	s.Morning = morning.pair()
	s.Evening = evening.pair()
	s.AverageCategory = Classify(g, roundInt(s.Systolic.Mean), roundInt(s.Diastolic.Mean))
	s.AboveHomeThreshold = aboveHome(s.Systolic.Mean, s.Diastolic.Mean)
	s.TimeInTarget = float64(inTarget) / float64(len(groups))
	s.TimeInTargetByTime = timeInTarget(groups, target, s.TimeInTarget)
	return s
}

// groupReadings averages readings with the same non-empty SessionID; the
// others are groups of one. used is sorted by time, and so is the result
// (by each group's first reading).
func groupReadings(used []Reading) []group {
	type acc struct {
		n, pn        int
		sys, dia, pu float64
	}
	var (
		groups  []group
		accs    []acc
		session = map[string]int{}
	)
	for _, r := range used {
		i, ok := -1, false
		if r.SessionID != "" {
			i, ok = session[r.SessionID]
		}
		if !ok {
			i = len(groups)
			groups = append(groups, group{at: r.TakenAt})
			accs = append(accs, acc{})
			if r.SessionID != "" {
				session[r.SessionID] = i
			}
		}
		a := &accs[i]
		a.n++
		a.sys += float64(r.Systolic)
		a.dia += float64(r.Diastolic)
		if r.Pulse != nil {
			a.pn++
			a.pu += float64(*r.Pulse)
		}
	}
	for i, a := range accs {
		groups[i].systolic = a.sys / float64(a.n)
		groups[i].diastolic = a.dia / float64(a.n)
		if a.pn > 0 {
			groups[i].pulse = a.pu / float64(a.pn)
			groups[i].hasPulse = true
		}
	}
	return groups
}

// meanSD returns the count, mean and sample standard deviation (n-1
// denominator: the readings are a sample of the patient's pressure, not the
// whole of it) of xs; the SD is 0 when there are fewer than two values.
func meanSD(xs []float64) (n int, mean, sd float64) {
	n = len(xs)
	if n == 0 {
		return 0, 0, 0
	}
	for _, x := range xs {
		mean += x
	}
	mean /= float64(n)
	if n < 2 {
		return n, mean, 0
	}
	var ss float64 // two passes: no catastrophic cancellation
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return n, mean, math.Sqrt(ss / float64(n-1))
}

// timeInTarget is the Rosendaal share of time with systolic inside the
// target: between each two consecutive groups the systolic is taken to
// change linearly, and the part of the interval where that line is inside
// [low, high] counts, weighted by the interval's length. With no elapsed
// time (one group, or all at one instant) it is byCount.
func timeInTarget(groups []group, t Target, byCount float64) float64 {
	var inside, total float64
	for i := 1; i < len(groups); i++ {
		dt := groups[i].at.Sub(groups[i-1].at).Seconds()
		if dt <= 0 {
			continue
		}
		total += dt
		inside += dt * fractionInside(groups[i-1].systolic, groups[i].systolic, t)
	}
	if total == 0 {
		return byCount
	}
	return min(1, max(0, inside/total))
}

// fractionInside is the share of t in [0, 1] for which a+(b-a)t is inside
// the target range.
func fractionInside(a, b float64, t Target) float64 {
	low, high := float64(t.SystolicLow), float64(t.SystolicHigh)
	if low > high {
		return 0
	}
	if a == b {
		if inRange(a, t) {
			return 1
		}
		return 0
	}
	t1, t2 := (low-a)/(b-a), (high-a)/(b-a)
	if t1 > t2 {
		t1, t2 = t2, t1
	}
	return max(0, min(1, t2)-max(0, t1))
}

func inRange(sys float64, t Target) bool {
	return sys >= float64(t.SystolicLow) && sys <= float64(t.SystolicHigh)
}

func aboveHome(sys, dia float64) bool {
	return sys >= HomeThresholdSystolic || dia >= HomeThresholdDiastolic
}

// isMorning and isEvening use the hour in the reading's own stored offset:
// the patient's morning, wherever the server is.
func isMorning(t time.Time) bool { h := t.Hour(); return h >= 4 && h < 12 }
func isEvening(t time.Time) bool { return t.Hour() >= 18 }

// roundInt rounds half away from zero, for classifying a mean.
func roundInt(x float64) int { return int(math.Round(x)) }

type pairSum struct {
	n        int
	sys, dia float64
}

func (p *pairSum) add(sys, dia float64) {
	p.n++
	p.sys += sys
	p.dia += dia
}

// pair returns the means, or nil when nothing was added.
func (p *pairSum) pair() *Pair {
	if p.n == 0 {
		return nil
	}
	return &Pair{Count: p.n, Systolic: p.sys / float64(p.n), Diastolic: p.dia / float64(p.n)}
}
