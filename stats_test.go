package bptracker_test

import (
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	bpt "github.com/bptracker/bptracker"
)

// mustTime parses an RFC 3339 time, keeping its offset as a stored reading does.
func mustTime(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		tb.Fatalf("parse %q: %v", s, err)
	}
	return t
}

// rd builds a reading; id is the time, which keeps ids unique in a test.
func rd(tb testing.TB, at string, sys, dia int) bpt.Reading {
	tb.Helper()
	return bpt.Reading{ID: at, PatientID: "p1", TakenAt: mustTime(tb, at), Systolic: sys, Diastolic: dia, Source: bpt.SourceManual}
}

func withPulse(r bpt.Reading, p int) bpt.Reading { r.Pulse = &p; return r }

func inSession(r bpt.Reading, id string) bpt.Reading { r.SessionID = id; return r }

func deleted(r bpt.Reading) bpt.Reading { r.Deleted = true; return r }

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func checkFloat(tb testing.TB, name string, got, want float64) {
	tb.Helper()
	if !near(got, want) {
		tb.Errorf("%s = %v, want %v", name, got, want)
	}
}

func checkStat(tb testing.TB, name string, got, want bpt.Stat) {
	tb.Helper()
	if got.Count != want.Count || got.Min != want.Min || got.Max != want.Max || !near(got.Mean, want.Mean) || !near(got.SD, want.SD) {
		tb.Errorf("%s = %+v, want %+v", name, got, want)
	}
}

func checkPair(tb testing.TB, name string, got, want *bpt.Pair) {
	tb.Helper()
	switch {
	case got == nil && want == nil:
	case got == nil || want == nil:
		tb.Errorf("%s = %+v, want %+v", name, got, want)
	case got.Count != want.Count || !near(got.Systolic, want.Systolic) || !near(got.Diastolic, want.Diastolic):
		tb.Errorf("%s = %+v, want %+v", name, *got, *want)
	}
}

func TestSummarize(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		// Three single readings, given out of order.
		readings := []bpt.Reading{
			rd(t, "2026-01-05T20:00:00Z", 140, 90),
			rd(t, "2026-01-05T08:00:00Z", 120, 80),
			rd(t, "2026-01-05T13:00:00Z", 130, 85),
		}
		s := bpt.Summarize(readings, bpt.SummaryOptions{})
		if s.Count != 3 || s.SessionCount != 3 {
			t.Errorf("Count, SessionCount = %d, %d, want 3, 3", s.Count, s.SessionCount)
		}
		// Sample SD: systolic deviations -10, 0, 10 → sqrt(200/2) = 10;
		// diastolic -5, 0, 5 → sqrt(50/2) = 5.
		checkStat(t, "Systolic", s.Systolic, bpt.Stat{Count: 3, Mean: 130, SD: 10, Min: 120, Max: 140})
		checkStat(t, "Diastolic", s.Diastolic, bpt.Stat{Count: 3, Mean: 85, SD: 5, Min: 80, Max: 90})
		if s.Pulse != nil {
			t.Errorf("Pulse = %+v, want nil (no reading has a pulse)", *s.Pulse)
		}
		checkFloat(t, "PulsePressure", s.PulsePressure, 45)
		checkFloat(t, "MeanArterialPressure", s.MeanArterialPressure, 100) // 85 + 45/3
		checkPair(t, "Morning", s.Morning, &bpt.Pair{Count: 1, Systolic: 120, Diastolic: 80})
		checkPair(t, "Evening", s.Evening, &bpt.Pair{Count: 1, Systolic: 140, Diastolic: 90})
		if got, want := s.Categories, map[bpt.Category]int{bpt.CategoryStage1: 2, bpt.CategoryStage2: 1}; !reflect.DeepEqual(got, want) {
			t.Errorf("Categories = %v, want %v", got, want)
		}
		if got, want := s.AverageCategory, bpt.CategoryStage1; got != want {
			t.Errorf("AverageCategory = %q, want %q", got, want)
		}
		if !s.AboveHomeThreshold { // 130 < 135 but 85 ≥ 85
			t.Errorf("AboveHomeThreshold = false, want true for mean 130/85")
		}
		if s.Guideline != bpt.GuidelineACCAHA || s.Setting != "home" || s.Target != bpt.DefaultTarget {
			t.Errorf("Guideline, Setting, Target = %q, %q, %+v, want acc_aha, home, %+v", s.Guideline, s.Setting, s.Target, bpt.DefaultTarget)
		}
		// Target 110–130 inclusive: 120 and 130 are inside, 140 is not.
		checkFloat(t, "TimeInTarget", s.TimeInTarget, 2.0/3)
		// 08:00→13:00 (5 h) goes 120→130: inside all 5 h. 13:00→20:00 (7 h)
		// goes 130→140: inside only at its start, 0 h. 5 of 12 hours.
		checkFloat(t, "TimeInTargetByTime", s.TimeInTargetByTime, 5.0/12)
		if s.SevereCount != 0 {
			t.Errorf("SevereCount = %d, want 0", s.SevereCount)
		}
	})

	t.Run("MorningEveningLocal", func(t *testing.T) {
		readings := []bpt.Reading{
			rd(t, "2026-01-05T07:00:00+09:00", 120, 80), // 22:00 UTC the day before: morning
			rd(t, "2026-01-05T04:00:00+01:00", 130, 84), // first minute of morning
			rd(t, "2026-01-05T11:59:00-07:00", 122, 82), // last minute of morning (18:59 UTC)
			rd(t, "2026-01-05T03:59:00+01:00", 200, 100),
			rd(t, "2026-01-05T12:00:00Z", 200, 100),
			rd(t, "2026-01-05T17:59:00+05:30", 200, 100),
			rd(t, "2026-01-05T19:30:00-05:00", 140, 90), // 00:30 UTC the next day: evening
			rd(t, "2026-01-05T18:00:00+02:00", 150, 92), // first minute of evening
			rd(t, "2026-01-05T23:59:00Z", 160, 100),     // last minute of evening
			rd(t, "2026-01-06T00:00:00Z", 200, 100),
		}
		s := bpt.Summarize(readings, bpt.SummaryOptions{})
		checkPair(t, "Morning", s.Morning, &bpt.Pair{Count: 3, Systolic: 124, Diastolic: 82})
		checkPair(t, "Evening", s.Evening, &bpt.Pair{Count: 3, Systolic: 150, Diastolic: 94})
	})

	t.Run("NoMorningNoEvening", func(t *testing.T) {
		s := bpt.Summarize([]bpt.Reading{rd(t, "2026-01-05T14:00:00+01:00", 120, 80)}, bpt.SummaryOptions{})
		if s.Morning != nil || s.Evening != nil {
			t.Errorf("Morning, Evening = %+v, %+v, want nil, nil", s.Morning, s.Evening)
		}
	})

	t.Run("Sessions", func(t *testing.T) {
		readings := []bpt.Reading{
			// A lone reading at noon, and two readings without a session,
			// which stay two groups.
			withPulse(rd(t, "2026-01-05T12:00:00+02:00", 118, 76), 66),
			inSession(withPulse(rd(t, "2026-01-05T19:01:00+02:00", 152, 97), 82), "s2"),
			// Session s1 starts at 11:58 and ends at 12:00: its time is its
			// first reading's, so it is a morning group.
			inSession(rd(t, "2026-01-05T12:00:00+02:00", 126, 80), "s1"),
			inSession(withPulse(rd(t, "2026-01-05T11:58:00+02:00", 130, 85), 70), "s1"),
			inSession(withPulse(rd(t, "2026-01-05T11:59:00+02:00", 134, 87), 74), "s1"),
			inSession(withPulse(rd(t, "2026-01-05T19:00:00+02:00", 150, 95), 80), "s2"),
		}
		s := bpt.Summarize(readings, bpt.SummaryOptions{})
		// Groups: s1 = 390/3, 252/3 = 130/84, pulse (70+74)/2 = 72 (one of its
		// readings has none); lone = 118/76, pulse 66; s2 = 151/96, pulse 81.
		if s.Count != 6 || s.SessionCount != 3 {
			t.Errorf("Count, SessionCount = %d, %d, want 6, 3", s.Count, s.SessionCount)
		}
		// Systolic groups 130, 118, 151: mean 133, deviations -3, -15, 18,
		// squares 9+225+324 = 558, sample SD sqrt(279). Min and max are
		// the raw readings' (118 and 152).
		checkStat(t, "Systolic", s.Systolic, bpt.Stat{Count: 3, Mean: 133, SD: math.Sqrt(279), Min: 118, Max: 152})
		// Diastolic groups 84, 76, 96: mean 256/3, deviations -4/3, -28/3,
		// 32/3, squares (16+784+1024)/9 = 1824/9, /2 → sqrt(912/9).
		checkStat(t, "Diastolic", s.Diastolic, bpt.Stat{Count: 3, Mean: 256.0 / 3, SD: math.Sqrt(912.0 / 9), Min: 76, Max: 97})
		// Pulse groups 72, 66, 81: mean 73, deviations -1, -7, 8, squares
		// 1+49+64 = 114, sample SD sqrt(57).
		if s.Pulse == nil {
			t.Fatal("Pulse = nil, want a Stat")
		}
		checkStat(t, "Pulse", *s.Pulse, bpt.Stat{Count: 3, Mean: 73, SD: math.Sqrt(57), Min: 66, Max: 82})
		checkPair(t, "Morning", s.Morning, &bpt.Pair{Count: 1, Systolic: 130, Diastolic: 84})
		checkPair(t, "Evening", s.Evening, &bpt.Pair{Count: 1, Systolic: 151, Diastolic: 96})
		want := map[bpt.Category]int{bpt.CategoryStage1: 1, bpt.CategoryNormal: 1, bpt.CategoryStage2: 1}
		if !reflect.DeepEqual(s.Categories, want) {
			t.Errorf("Categories = %v, want %v", s.Categories, want)
		}
		// s1 130 and lone 118 are inside 110–130, s2 151 is not.
		checkFloat(t, "TimeInTarget", s.TimeInTarget, 2.0/3)
	})

	t.Run("NoSessionIDStaysApart", func(t *testing.T) {
		s := bpt.Summarize([]bpt.Reading{
			rd(t, "2026-01-05T08:00:00Z", 120, 80),
			rd(t, "2026-01-05T08:01:00Z", 124, 82),
		}, bpt.SummaryOptions{})
		if s.Count != 2 || s.SessionCount != 2 {
			t.Errorf("Count, SessionCount = %d, %d, want 2, 2", s.Count, s.SessionCount)
		}
	})

	t.Run("PulseOnOneReading", func(t *testing.T) {
		s := bpt.Summarize([]bpt.Reading{
			rd(t, "2026-01-05T08:00:00Z", 120, 80),
			withPulse(rd(t, "2026-01-05T09:00:00Z", 124, 82), 71),
		}, bpt.SummaryOptions{})
		if s.Pulse == nil {
			t.Fatal("Pulse = nil, want a Stat")
		}
		checkStat(t, "Pulse", *s.Pulse, bpt.Stat{Count: 1, Mean: 71, SD: 0, Min: 71, Max: 71})
	})

	t.Run("DeletedIgnored", func(t *testing.T) {
		s := bpt.Summarize([]bpt.Reading{
			rd(t, "2026-01-05T08:00:00Z", 120, 80),
			deleted(withPulse(rd(t, "2026-01-05T09:00:00Z", 200, 130), 90)),
			rd(t, "2026-01-05T10:00:00Z", 124, 82),
		}, bpt.SummaryOptions{})
		if s.Count != 2 || s.SevereCount != 0 || s.Pulse != nil {
			t.Errorf("Count, SevereCount, Pulse = %d, %d, %v, want 2, 0, nil", s.Count, s.SevereCount, s.Pulse)
		}
		checkStat(t, "Systolic", s.Systolic, bpt.Stat{Count: 2, Mean: 122, SD: math.Sqrt(8), Min: 120, Max: 124})
	})

	t.Run("Window", func(t *testing.T) {
		from, to := mustTime(t, "2026-01-05T00:00:00Z"), mustTime(t, "2026-01-06T00:00:00Z")
		s := bpt.Summarize([]bpt.Reading{
			rd(t, "2026-01-04T23:59:59Z", 200, 100),
			rd(t, "2026-01-05T01:00:00+01:00", 200, 100), // 00:00 UTC: From is inclusive
			rd(t, "2026-01-05T12:00:00Z", 120, 80),
			rd(t, "2026-01-06T00:00:00Z", 200, 100), // To is exclusive
		}, bpt.SummaryOptions{From: &from, To: &to})
		if s.Count != 2 {
			t.Errorf("Count = %d, want 2", s.Count)
		}
		if s.From != &from || s.To != &to {
			t.Errorf("From, To = %v, %v, want the options'", s.From, s.To)
		}
	})

	t.Run("Empty", func(t *testing.T) {
		from := mustTime(t, "2026-01-05T00:00:00Z")
		target := bpt.Target{SystolicLow: 100, SystolicHigh: 125}
		for name, readings := range map[string][]bpt.Reading{
			"nil":         nil,
			"all deleted": {deleted(rd(t, "2026-01-05T08:00:00Z", 120, 80))},
		} {
			got := bpt.Summarize(readings, bpt.SummaryOptions{})
			want := bpt.Summary{Guideline: bpt.GuidelineACCAHA, Setting: "home", Categories: map[bpt.Category]int{}, Target: bpt.DefaultTarget}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: Summarize = %+v, want %+v", name, got, want)
			}
			got = bpt.Summarize(readings, bpt.SummaryOptions{Guideline: bpt.GuidelineESH, Target: target, From: &from})
			want = bpt.Summary{From: &from, Guideline: bpt.GuidelineESH, Setting: "home", Categories: map[bpt.Category]int{}, Target: target}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s, esh: Summarize = %+v, want %+v", name, got, want)
			}
		}
	})

	t.Run("Guideline", func(t *testing.T) {
		readings := []bpt.Reading{
			rd(t, "2026-01-05T08:00:00Z", 118, 78),
			rd(t, "2026-01-05T09:00:00Z", 125, 78),
			rd(t, "2026-01-05T10:00:00Z", 145, 92),
		}
		s := bpt.Summarize(readings, bpt.SummaryOptions{Guideline: bpt.GuidelineESH})
		want := map[bpt.Category]int{bpt.CategoryOptimal: 1, bpt.CategoryNormal: 1, bpt.CategoryGrade1: 1}
		if s.Guideline != bpt.GuidelineESH || !reflect.DeepEqual(s.Categories, want) {
			t.Errorf("Guideline, Categories = %q, %v, want esh, %v", s.Guideline, s.Categories, want)
		}
		// Mean 129.33/82.67 rounds to 129/83: ESH normal.
		if got, want := s.AverageCategory, bpt.CategoryNormal; got != want {
			t.Errorf("AverageCategory = %q, want %q", got, want)
		}
		s = bpt.Summarize(readings, bpt.SummaryOptions{Guideline: "who_1999"})
		want = map[bpt.Category]int{bpt.CategoryNormal: 1, bpt.CategoryElevated: 1, bpt.CategoryStage2: 1}
		if s.Guideline != bpt.GuidelineACCAHA || !reflect.DeepEqual(s.Categories, want) {
			t.Errorf("unknown guideline: Guideline, Categories = %q, %v, want acc_aha, %v", s.Guideline, s.Categories, want)
		}
	})

	t.Run("AverageCategoryRounds", func(t *testing.T) {
		// Mean 129.5/79 rounds to 130/79: stage 1, not elevated.
		s := bpt.Summarize([]bpt.Reading{
			rd(t, "2026-01-05T08:00:00Z", 129, 79),
			rd(t, "2026-01-05T09:00:00Z", 130, 79),
		}, bpt.SummaryOptions{})
		if got, want := s.AverageCategory, bpt.CategoryStage1; got != want {
			t.Errorf("AverageCategory = %q, want %q", got, want)
		}
		if s.AboveHomeThreshold {
			t.Error("AboveHomeThreshold = true, want false for 129.5/79")
		}
	})

	t.Run("HomeThreshold", func(t *testing.T) {
		tests := []struct {
			sys, dia int
			want     bool
		}{{134, 84, false}, {135, 70, true}, {120, 85, true}, {140, 90, true}}
		for _, tt := range tests {
			s := bpt.Summarize([]bpt.Reading{rd(t, "2026-01-05T08:00:00Z", tt.sys, tt.dia)}, bpt.SummaryOptions{})
			if s.AboveHomeThreshold != tt.want {
				t.Errorf("%d/%d: AboveHomeThreshold = %v, want %v", tt.sys, tt.dia, s.AboveHomeThreshold, tt.want)
			}
		}
	})

	t.Run("Severe", func(t *testing.T) {
		s := bpt.Summarize([]bpt.Reading{
			rd(t, "2026-01-05T08:00:00Z", 181, 100),
			rd(t, "2026-01-05T09:00:00Z", 150, 121),
			rd(t, "2026-01-05T10:00:00Z", 180, 120),
			// A session of 182/100 and 178/100 averages to 180/100: not severe.
			inSession(rd(t, "2026-01-05T11:00:00Z", 182, 100), "s"),
			inSession(rd(t, "2026-01-05T11:01:00Z", 178, 100), "s"),
		}, bpt.SummaryOptions{})
		if got, want := s.SevereCount, 2; got != want {
			t.Errorf("SevereCount = %d, want %d", got, want)
		}
		if got, want := s.Categories[bpt.CategorySevere], 2; got != want {
			t.Errorf("Categories[severe] = %d, want %d", got, want)
		}
	})
}

func TestSummarizeTimeInTarget(t *testing.T) {
	tests := []struct {
		name            string
		target          bpt.Target
		readings        []bpt.Reading
		byCount, byTime float64
		wantTarget      bpt.Target
	}{
		{
			// 0 h 100 → 10 h 140: the line is inside 110–130 from 2.5 h to
			// 7.5 h (t in [0.25, 0.75]), 5 h. 10 h 140 → 20 h 140: outside.
			// 20 h 140 → 30 h 120: inside from 25 h (130) to 30 h, 5 h.
			// 10 of 30 hours; by count only the 120 is inside, 1 of 4.
			name: "Rosendaal",
			readings: []bpt.Reading{
				rd(t, "2026-01-01T00:00:00Z", 100, 70),
				rd(t, "2026-01-01T10:00:00Z", 140, 80),
				rd(t, "2026-01-01T20:00:00Z", 140, 80),
				rd(t, "2026-01-02T06:00:00Z", 120, 80),
			},
			byCount: 1.0 / 4, byTime: 10.0 / 30,
		},
		{
			// Unequal intervals: 1 h at 120 is inside; then 24 h going
			// 120 → 150 is inside while ≤ 130, a third of it, 8 h. 9 of 25 h.
			name: "UnequalIntervals",
			readings: []bpt.Reading{
				rd(t, "2026-01-01T00:00:00Z", 120, 70),
				rd(t, "2026-01-01T01:00:00Z", 120, 70),
				rd(t, "2026-01-02T01:00:00Z", 150, 80),
			},
			byCount: 2.0 / 3, byTime: 9.0 / 25,
		},
		{
			// The ends of an interval may be in different offsets:
			// 08:00+02:00 (06:00Z) to 08:00Z is 2 h, 08:00Z to 16:00-02:00
			// (18:00Z) is 10 h. With target 120–140, 100 → 130 is inside for
			// the last third of its 2 h (2/3 h); 130 → 130 for all 10 h.
			name:   "CustomTargetAcrossOffsets",
			target: bpt.Target{SystolicLow: 120, SystolicHigh: 140},
			readings: []bpt.Reading{
				rd(t, "2026-01-01T08:00:00+02:00", 100, 70),
				rd(t, "2026-01-01T08:00:00Z", 130, 80),
				rd(t, "2026-01-01T16:00:00-02:00", 130, 80),
			},
			byCount: 2.0 / 3, byTime: (2.0/3 + 10) / 12,
			wantTarget: bpt.Target{SystolicLow: 120, SystolicHigh: 140},
		},
		{
			name:     "OneGroupIn",
			readings: []bpt.Reading{rd(t, "2026-01-01T00:00:00Z", 125, 70)},
			byCount:  1, byTime: 1,
		},
		{
			name:     "OneGroupOut",
			readings: []bpt.Reading{rd(t, "2026-01-01T00:00:00Z", 131, 70)},
			byCount:  0, byTime: 0,
		},
		{
			// A session is one point of the line: 2 readings at 08:00
			// averaging 130, then 140 at 10:00 → 0 h of 2 inside.
			name: "SessionIsOnePoint",
			readings: []bpt.Reading{
				inSession(rd(t, "2026-01-01T08:00:00Z", 120, 70), "s"),
				inSession(rd(t, "2026-01-01T08:01:00Z", 140, 70), "s"),
				rd(t, "2026-01-01T10:00:00Z", 140, 80),
			},
			byCount: 1.0 / 2, byTime: 0,
		},
		{
			// No time elapses between groups: the share of readings stands.
			name: "SameInstant",
			readings: []bpt.Reading{
				{ID: "a", TakenAt: mustTime(t, "2026-01-01T08:00:00Z"), Systolic: 120, Diastolic: 70},
				{ID: "b", TakenAt: mustTime(t, "2026-01-01T08:00:00Z"), Systolic: 150, Diastolic: 70},
			},
			byCount: 1.0 / 2, byTime: 1.0 / 2,
		},
		{
			// Jumping over the whole range, 100 → 150 in 5 h, spends 2 h in
			// 110–130 (t in [0.2, 0.6]).
			name: "CrossesRange",
			readings: []bpt.Reading{
				rd(t, "2026-01-01T00:00:00Z", 100, 70),
				rd(t, "2026-01-01T05:00:00Z", 150, 70),
			},
			byCount: 0, byTime: 2.0 / 5,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := bpt.Summarize(tt.readings, bpt.SummaryOptions{Target: tt.target})
			checkFloat(t, "TimeInTarget", s.TimeInTarget, tt.byCount)
			checkFloat(t, "TimeInTargetByTime", s.TimeInTargetByTime, tt.byTime)
			want := tt.wantTarget
			if want == (bpt.Target{}) {
				want = bpt.DefaultTarget
			}
			if s.Target != want {
				t.Errorf("Target = %+v, want %+v", s.Target, want)
			}
		})
	}
}

// FuzzSummarize builds readings from fuzzed bytes, 8 per reading, with any
// values (valid or not) and any offsets, and checks what must always hold.
func FuzzSummarize(f *testing.F) {
	f.Add([]byte{}, int16(110), int16(130))
	f.Add([]byte{0, 120, 0, 80, 70, 0, 10, 0, 0, 130, 0, 85, 0, 1, 20, 1}, int16(110), int16(130))
	f.Add([]byte{0, 200, 0, 130, 0, 3, 0, 0, 0, 100, 0, 60, 255, 3, 0, 0, 1, 44, 0, 200, 90, 3, 1, 2}, int16(0), int16(0))
	f.Add([]byte{128, 0, 255, 255, 1, 2, 3, 4, 127, 255, 0, 0, 9, 2, 3, 4}, int16(140), int16(100))
	f.Fuzz(func(t *testing.T, data []byte, low, high int16) {
		base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		var readings []bpt.Reading
		live := 0
		for i := 0; i+8 <= len(data); i += 8 {
			b := data[i : i+8]
			zone := time.FixedZone("", (int(b[7]%29)-14)*3600)
			r := bpt.Reading{
				ID:        fmt.Sprint(i),
				TakenAt:   base.Add(time.Duration(binary.BigEndian.Uint16(b[5:7])) * time.Minute).In(zone),
				Systolic:  int(int16(binary.BigEndian.Uint16(b[0:2]))),
				Diastolic: int(int16(binary.BigEndian.Uint16(b[2:4]))),
			}
			if b[4] != 0 {
				p := int(b[4])
				r.Pulse = &p
			}
			if s := b[5] % 8; s < 3 {
				r.SessionID = fmt.Sprint("s", s)
			}
			r.Deleted = b[7]%31 == 30
			if !r.Deleted {
				live++
			}
			readings = append(readings, r)
		}
		target := bpt.Target{SystolicLow: int(low), SystolicHigh: int(high)}
		s := bpt.Summarize(readings, bpt.SummaryOptions{Target: target})

		for name, v := range map[string]float64{
			"Systolic.Mean": s.Systolic.Mean, "Systolic.SD": s.Systolic.SD,
			"Diastolic.Mean": s.Diastolic.Mean, "Diastolic.SD": s.Diastolic.SD,
			"PulsePressure": s.PulsePressure, "MeanArterialPressure": s.MeanArterialPressure,
			"TimeInTarget": s.TimeInTarget, "TimeInTargetByTime": s.TimeInTargetByTime,
		} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("%s = %v", name, v)
			}
		}
		for name, v := range map[string]float64{"TimeInTarget": s.TimeInTarget, "TimeInTargetByTime": s.TimeInTargetByTime} {
			if v < 0 || v > 1 {
				t.Errorf("%s = %v, want within [0, 1]", name, v)
			}
		}
		if s.Count != live {
			t.Errorf("Count = %d, want %d readings not deleted", s.Count, live)
		}
		if s.SessionCount > s.Count || (s.Count > 0 && s.SessionCount == 0) {
			t.Errorf("SessionCount = %d with Count %d", s.SessionCount, s.Count)
		}
		sum := 0
		for _, n := range s.Categories {
			sum += n
		}
		if sum != s.SessionCount {
			t.Errorf("categories sum to %d, want SessionCount %d", sum, s.SessionCount)
		}
		if s.SevereCount > s.SessionCount {
			t.Errorf("SevereCount = %d > SessionCount %d", s.SevereCount, s.SessionCount)
		}
		stats := map[string]bpt.Stat{"Systolic": s.Systolic, "Diastolic": s.Diastolic}
		if s.Pulse != nil {
			stats["Pulse"] = *s.Pulse
		}
		for name, st := range stats {
			if st.Count != s.SessionCount && name != "Pulse" {
				t.Errorf("%s.Count = %d, want SessionCount %d", name, st.Count, s.SessionCount)
			}
			if st.SD < 0 || math.IsNaN(st.SD) || math.IsNaN(st.Mean) {
				t.Errorf("%s = %+v", name, st)
			}
			if st.Count > 0 && (float64(st.Min) > st.Mean || st.Mean > float64(st.Max)) {
				t.Errorf("%s: want Min ≤ Mean ≤ Max, got %+v", name, st)
			}
		}
		n := 0
		for _, p := range []*bpt.Pair{s.Morning, s.Evening} {
			if p != nil {
				if p.Count == 0 || math.IsNaN(p.Systolic) || math.IsNaN(p.Diastolic) {
					t.Errorf("Pair = %+v", *p)
				}
				n += p.Count
			}
		}
		if n > s.SessionCount {
			t.Errorf("morning and evening hold %d groups, more than %d", n, s.SessionCount)
		}
		if s.Count > 0 && s.AverageCategory == "" {
			t.Error("AverageCategory is empty")
		}
	})
}
