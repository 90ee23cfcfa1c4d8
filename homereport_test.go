package bptracker_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	bpt "github.com/bptracker/bptracker"
)

// protocolDay returns the four readings of one protocol day in +01:00: two
// in the morning a minute apart, two in the evening.
func protocolDay(tb testing.TB, date string, morning1, morning2, evening1, evening2 [2]int) []bpt.Reading {
	tb.Helper()
	return []bpt.Reading{
		rd(tb, date+"T07:00:00+01:00", morning1[0], morning1[1]),
		rd(tb, date+"T07:01:00+01:00", morning2[0], morning2[1]),
		rd(tb, date+"T20:00:00+01:00", evening1[0], evening1[1]),
		rd(tb, date+"T20:01:00+01:00", evening2[0], evening2[1]),
	}
}

func TestBuildHomeReport(t *testing.T) {
	// The week ends on Sunday 8 March 2026, 21:00 in +01:00; it starts on
	// Monday 2 March.
	end := mustTime(t, "2026-03-08T21:00:00+01:00")
	wantStart := mustTime(t, "2026-03-02T00:00:00+01:00")

	t.Run("CompleteWeek", func(t *testing.T) {
		// Day one (2 March) is extreme: counting it would move the average.
		readings := protocolDay(t, "2026-03-02", [2]int{200, 130}, [2]int{200, 130}, [2]int{200, 130}, [2]int{200, 130})
		for d := 3; d <= 8; d++ {
			date := fmt.Sprintf("2026-03-%02d", d)
			readings = append(readings, protocolDay(t, date, [2]int{130, 85}, [2]int{128, 83}, [2]int{140, 90}, [2]int{138, 88})...)
			// An afternoon reading each day is outside the protocol.
			readings = append(readings, rd(t, date+"T14:30:00+01:00", 190, 125))
		}
		readings = append(readings,
			rd(t, "2026-03-01T20:00:00+01:00", 90, 60),          // the day before the window
			rd(t, "2026-03-08T21:30:00+01:00", 90, 60),          // after end
			deleted(rd(t, "2026-03-05T07:05:00+01:00", 90, 60)), // deleted
		)
		r := bpt.BuildHomeReport(readings, end, bpt.GuidelineACCAHA)
		if !r.Start.Equal(wantStart) || r.Start.Location() != end.Location() || !r.End.Equal(end) {
			t.Errorf("Start, End = %v, %v, want %v, %v", r.Start, r.End, wantStart, end)
		}
		if got, want := r.Days, 7; got != want {
			t.Errorf("Days = %d, want %d", got, want)
		}
		if got, want := r.ReadingsUsed, 24; got != want { // 6 days × 4
			t.Errorf("ReadingsUsed = %d, want %d", got, want)
		}
		if !r.Complete {
			t.Error("Complete = false, want true")
		}
		// Morning (130+128)/2 / (85+83)/2 = 129/84; evening 139/89; all
		// 134/86.5, rounded 134/87: stage 1, and at or above 135/85.
		checkPair(t, "Morning", r.Morning, &bpt.Pair{Count: 12, Systolic: 129, Diastolic: 84})
		checkPair(t, "Evening", r.Evening, &bpt.Pair{Count: 12, Systolic: 139, Diastolic: 89})
		checkPair(t, "Average", r.Average, &bpt.Pair{Count: 24, Systolic: 134, Diastolic: 86.5})
		if got, want := r.Category, bpt.CategoryStage1; got != want {
			t.Errorf("Category = %q, want %q", got, want)
		}
		if !r.AboveHomeThreshold {
			t.Error("AboveHomeThreshold = false, want true")
		}
		for _, want := range []string{"134/87", "24 readings", "Stage 1 hypertension", "at or above"} {
			if !strings.Contains(r.Message, want) {
				t.Errorf("Message = %q, want it to contain %q", r.Message, want)
			}
		}
		if strings.Contains(r.Message, "not enough") || strings.Contains(r.Message, "emergency") {
			t.Errorf("Message = %q, want no incomplete or severe wording", r.Message)
		}

		r = bpt.BuildHomeReport(readings, end, bpt.GuidelineESH)
		if got, want := r.Category, bpt.CategoryHighNormal; got != want {
			t.Errorf("esh: Category = %q, want %q", got, want)
		}
	})

	t.Run("DayOneIsFirstDayWithReadings", func(t *testing.T) {
		// Readings start on Wednesday 4 March: that day is dropped, not 2 March.
		readings := protocolDay(t, "2026-03-04", [2]int{180, 110}, [2]int{180, 110}, [2]int{180, 110}, [2]int{180, 110})
		for d := 5; d <= 8; d++ {
			readings = append(readings, protocolDay(t, fmt.Sprintf("2026-03-%02d", d), [2]int{120, 78}, [2]int{118, 76}, [2]int{124, 80}, [2]int{122, 78})...)
		}
		r := bpt.BuildHomeReport(readings, end, "")
		if r.Days != 5 || r.ReadingsUsed != 16 || !r.Complete {
			t.Errorf("Days, ReadingsUsed, Complete = %d, %d, %v, want 5, 16, true", r.Days, r.ReadingsUsed, r.Complete)
		}
		checkPair(t, "Average", r.Average, &bpt.Pair{Count: 16, Systolic: 121, Diastolic: 78})
		if r.Category != bpt.CategoryElevated || r.AboveHomeThreshold {
			t.Errorf("Category, AboveHomeThreshold = %q, %v, want elevated, false", r.Category, r.AboveHomeThreshold)
		}
		if !strings.Contains(r.Message, "below the home threshold") {
			t.Errorf("Message = %q, want it to say below the home threshold", r.Message)
		}
	})

	t.Run("DaysInOwnOffset", func(t *testing.T) {
		readings := []bpt.Reading{
			// Day one, in the reading's own offset, is 3 March.
			rd(t, "2026-03-03T20:00:00+01:00", 200, 130),
			// 07:00 on 5 March in Tokyo is 23:00 on 4 March in +01:00:
			// a morning reading of 5 March.
			rd(t, "2026-03-05T07:00:00+09:00", 120, 80),
			// 23:30 on 1 March in -10:00 is 10:30 on 2 March in +01:00:
			// its own day is before the window.
			rd(t, "2026-03-01T23:30:00-10:00", 90, 60),
			// 07:00 on 9 March in +14:00 is before end, but its own day
			// is after end's date.
			rd(t, "2026-03-09T07:00:00+14:00", 90, 60),
		}
		r := bpt.BuildHomeReport(readings, end, bpt.GuidelineACCAHA)
		if r.Days != 2 || r.ReadingsUsed != 1 {
			t.Errorf("Days, ReadingsUsed = %d, %d, want 2, 1", r.Days, r.ReadingsUsed)
		}
		checkPair(t, "Morning", r.Morning, &bpt.Pair{Count: 1, Systolic: 120, Diastolic: 80})
		if r.Evening != nil {
			t.Errorf("Evening = %+v, want nil", *r.Evening)
		}
	})

	t.Run("Incomplete", func(t *testing.T) {
		var readings []bpt.Reading
		for d := 6; d <= 8; d++ {
			date := fmt.Sprintf("2026-03-%02d", d)
			readings = append(readings,
				rd(t, date+"T06:30:00+01:00", 150, 95),
				rd(t, date+"T06:31:00+01:00", 148, 93),
				rd(t, date+"T13:00:00+01:00", 150, 95), // afternoon: not used
			)
		}
		r := bpt.BuildHomeReport(readings, end, bpt.GuidelineACCAHA)
		if r.Days != 3 || r.ReadingsUsed != 4 || r.Complete {
			t.Errorf("Days, ReadingsUsed, Complete = %d, %d, %v, want 3, 4, false", r.Days, r.ReadingsUsed, r.Complete)
		}
		if want := "not enough readings: 4 of at least 12"; !strings.Contains(r.Message, want) {
			t.Errorf("Message = %q, want it to contain %q", r.Message, want)
		}
		checkPair(t, "Average", r.Average, &bpt.Pair{Count: 4, Systolic: 149, Diastolic: 94})
		if r.Evening != nil {
			t.Errorf("Evening = %+v, want nil", *r.Evening)
		}
	})

	t.Run("TwelveReadings", func(t *testing.T) {
		// Day one (5 March) dropped, then 3 days × 4 = 12: just enough;
		// one fewer is not.
		var readings []bpt.Reading
		for d := 5; d <= 8; d++ {
			readings = append(readings, protocolDay(t, fmt.Sprintf("2026-03-%02d", d), [2]int{120, 78}, [2]int{118, 76}, [2]int{124, 80}, [2]int{122, 78})...)
		}
		for _, tt := range []struct {
			readings []bpt.Reading
			used     int
			complete bool
		}{{readings, 12, true}, {readings[:len(readings)-1], 11, false}} {
			r := bpt.BuildHomeReport(tt.readings, end, bpt.GuidelineACCAHA)
			if r.ReadingsUsed != tt.used || r.Complete != tt.complete {
				t.Errorf("ReadingsUsed, Complete = %d, %v, want %d, %v", r.ReadingsUsed, r.Complete, tt.used, tt.complete)
			}
			if got, want := strings.Contains(r.Message, "not enough readings: 11 of at least 12"), !tt.complete; got != want {
				t.Errorf("Message = %q: says not enough = %v, want %v", r.Message, got, want)
			}
		}
	})

	t.Run("Empty", func(t *testing.T) {
		r := bpt.BuildHomeReport(nil, end, bpt.GuidelineACCAHA)
		if r.Days != 0 || r.ReadingsUsed != 0 || r.Complete || r.Average != nil || r.Morning != nil || r.Evening != nil || r.Category != "" || r.AboveHomeThreshold {
			t.Errorf("BuildHomeReport(nil) = %+v, want an empty report", r)
		}
		if !r.Start.Equal(wantStart) || !r.End.Equal(end) {
			t.Errorf("Start, End = %v, %v, want %v, %v", r.Start, r.End, wantStart, end)
		}
		if want := "not enough readings: 0 of at least 12"; !strings.Contains(r.Message, want) {
			t.Errorf("Message = %q, want it to contain %q", r.Message, want)
		}
	})

	t.Run("Severe", func(t *testing.T) {
		var readings []bpt.Reading
		for d := 2; d <= 6; d++ {
			readings = append(readings, protocolDay(t, fmt.Sprintf("2026-03-%02d", d), [2]int{185, 100}, [2]int{185, 100}, [2]int{185, 100}, [2]int{185, 100})...)
		}
		r := bpt.BuildHomeReport(readings, end, bpt.GuidelineACCAHA)
		if r.Category != bpt.CategorySevere || !strings.Contains(r.Message, bpt.SevereAdvice) {
			t.Errorf("Category, Message = %q, %q, want severe with the severe advice", r.Category, r.Message)
		}
	})

	t.Run("StartInEndLocation", func(t *testing.T) {
		// End just after midnight UTC: the window is the 7 UTC dates ending
		// on 8 March, starting at 2 March 00:00 UTC.
		end := mustTime(t, "2026-03-08T00:30:00Z")
		r := bpt.BuildHomeReport(nil, end, bpt.GuidelineACCAHA)
		if want := mustTime(t, "2026-03-02T00:00:00Z"); !r.Start.Equal(want) {
			t.Errorf("Start = %v, want %v", r.Start, want)
		}
	})
}

func TestHomeReportInstructions(t *testing.T) {
	r := bpt.BuildHomeReport(nil, time.Date(2026, 3, 8, 12, 0, 0, 0, time.UTC), "")
	if r.Instructions != bpt.HomeReportInstructions {
		t.Errorf("Instructions = %q, want HomeReportInstructions", r.Instructions)
	}
	for _, want := range []string{"7 days", "morning before taking", "each evening", "5 minutes", "back supported", "heart level", "two readings one minute apart", "Day one is not counted", "at least 12"} {
		if !strings.Contains(r.Instructions, want) {
			t.Errorf("Instructions = %q, want it to contain %q", r.Instructions, want)
		}
	}
}
