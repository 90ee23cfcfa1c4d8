package bptracker

import "time"

// Guideline is the classification scheme a patient's readings are judged by.
type Guideline string

const (
	GuidelineACCAHA Guideline = "acc_aha" // ACC/AHA 2017, reaffirmed 2025 (default)
	GuidelineESH    Guideline = "esh"     // ESH 2023
)

// Valid reports whether g is a known guideline.
func (g Guideline) Valid() bool { return g == GuidelineACCAHA || g == GuidelineESH }

// Category is a reading's class under a guideline.
type Category string

// ACC/AHA categories.
const (
	CategoryNormal   Category = "normal"
	CategoryElevated Category = "elevated"
	CategoryStage1   Category = "stage_1"
	CategoryStage2   Category = "stage_2"
	CategorySevere   Category = "severe"
)

// ESH 2023 categories ("normal" is shared with ACC/AHA by name).
const (
	CategoryOptimal    Category = "optimal"
	CategoryHighNormal Category = "high_normal"
	CategoryGrade1     Category = "grade_1"
	CategoryGrade2     Category = "grade_2"
	CategoryGrade3     Category = "grade_3"
)

// Target is a patient's systolic target range, inclusive.
type Target struct {
	SystolicLow  int `json:"systolic_low"`
	SystolicHigh int `json:"systolic_high"`
}

// DefaultTarget is the systolic range used when none is set.
var DefaultTarget = Target{SystolicLow: 110, SystolicHigh: 130}

// Stat describes one value (systolic, diastolic, pulse …) over a window.
type Stat struct {
	Count int     `json:"count"`
	Mean  float64 `json:"mean"`
	SD    float64 `json:"sd"`
	Min   int     `json:"min"`
	Max   int     `json:"max"`
}

// Pair is a mean systolic/diastolic pair over some readings.
type Pair struct {
	Count     int     `json:"count"`
	Systolic  float64 `json:"systolic"`
	Diastolic float64 `json:"diastolic"`
}

// Summary is the statistics over a window of readings (after readings taken
// together in one session are averaged).
type Summary struct {
	From      *time.Time `json:"from,omitempty"`
	To        *time.Time `json:"to,omitempty"`
	Guideline Guideline  `json:"guideline"`
	// Setting says which thresholds the averages are judged by: "home"
	// (135/85 ≈ office 140/90) for self-measured readings.
	Setting              string           `json:"setting"`
	Count                int              `json:"count"`         // readings
	SessionCount         int              `json:"session_count"` // after session averaging
	Systolic             Stat             `json:"systolic"`
	Diastolic            Stat             `json:"diastolic"`
	Pulse                *Stat            `json:"pulse,omitempty"`
	PulsePressure        float64          `json:"pulse_pressure"`
	MeanArterialPressure float64          `json:"mean_arterial_pressure"`
	Morning              *Pair            `json:"morning,omitempty"` // 04:00–11:59 local to each reading
	Evening              *Pair            `json:"evening,omitempty"` // 18:00–23:59
	Categories           map[Category]int `json:"categories"`
	AverageCategory      Category         `json:"average_category,omitempty"`
	// AboveHomeThreshold is true when the mean is at or above 135/85.
	AboveHomeThreshold bool    `json:"above_home_threshold"`
	Target             Target  `json:"target"`
	TimeInTarget       float64 `json:"time_in_target"`         // share of readings, 0..1
	TimeInTargetByTime float64 `json:"time_in_target_by_time"` // share of time, linear interpolation, 0..1
	SevereCount        int     `json:"severe_count"`
}

// HomeReport is the 7-day home monitoring protocol (AHA/ESH): morning and
// evening, two readings a minute apart, day one dropped, at least 12
// readings averaged.
type HomeReport struct {
	Start        time.Time `json:"start"` // first day of the 7-day window
	End          time.Time `json:"end"`
	Days         int       `json:"days"`          // days with readings in the window
	ReadingsUsed int       `json:"readings_used"` // after dropping day one
	Complete     bool      `json:"complete"`      // ≥ 12 readings used
	Average      *Pair     `json:"average,omitempty"`
	Morning      *Pair     `json:"morning,omitempty"`
	Evening      *Pair     `json:"evening,omitempty"`
	Category     Category  `json:"category,omitempty"`
	// AboveHomeThreshold is true when the average is at or above 135/85.
	AboveHomeThreshold bool   `json:"above_home_threshold"`
	Instructions       string `json:"instructions"`
	Message            string `json:"message"`
}

// SevereAdvice is shown with any severe reading.
const SevereAdvice = "Rest five minutes and measure again. If it is still this high and you have symptoms " +
	"(chest pain, shortness of breath, back pain, numbness or weakness, change in vision, difficulty speaking), " +
	"call emergency services."
