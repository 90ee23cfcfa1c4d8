package bptracker

import (
	"context"
	"time"
	"unicode/utf8"
)

// Arm is the arm a reading was taken on.
type Arm string

const (
	ArmLeft  Arm = "left"
	ArmRight Arm = "right"
)

// Position is the body position during a reading.
type Position string

const (
	PositionSitting  Position = "sitting"
	PositionStanding Position = "standing"
	PositionLying    Position = "lying"
)

// Source says where a reading came from.
type Source string

const (
	SourceManual Source = "manual"
	SourceImport Source = "import"
	SourceDevice Source = "device"
	SourceFHIR   Source = "fhir"
)

// Limits of a valid reading.
const (
	SystolicMin, SystolicMax   = 50, 300
	DiastolicMin, DiastolicMax = 20, 200
	PulseMin, PulseMax         = 20, 250
	NoteMaxRunes               = 500
	TagMaxRunes                = 40
	TagsMax                    = 20
	// FutureSlack is how far past now a reading may be dated, for clocks
	// that run a little ahead.
	FutureSlack = 10 * time.Minute
)

// Reading is one blood-pressure measurement, decrypted.
type Reading struct {
	ID                 string    `json:"id"`
	PatientID          string    `json:"patient_id"`
	TakenAt            time.Time `json:"taken_at"` // keeps the patient's UTC offset
	Systolic           int       `json:"systolic"`
	Diastolic          int       `json:"diastolic"`
	Pulse              *int      `json:"pulse,omitempty"`
	Arm                Arm       `json:"arm,omitempty"`
	Position           Position  `json:"position,omitempty"`
	IrregularHeartbeat bool      `json:"irregular_heartbeat"`
	Note               string    `json:"note,omitempty"`
	Tags               []string  `json:"tags,omitempty"`
	Source             Source    `json:"source"`
	SessionID          string    `json:"session_id,omitempty"`
	CreatedBy          string    `json:"created_by"`
	UpdatedBy          string    `json:"updated_by"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
	Version            int       `json:"version"`
	Deleted            bool      `json:"deleted,omitempty"`
}

// ReadingUpdate is a partial change to a reading; nil fields stay as they are.
// Version must match the stored version (optimistic concurrency).
type ReadingUpdate struct {
	Version            int        `json:"version"`
	TakenAt            *time.Time `json:"taken_at"`
	Systolic           *int       `json:"systolic"`
	Diastolic          *int       `json:"diastolic"`
	Pulse              *int       `json:"pulse"`
	Arm                *Arm       `json:"arm"`
	Position           *Position  `json:"position"`
	IrregularHeartbeat *bool      `json:"irregular_heartbeat"`
	Note               *string    `json:"note"`
	Tags               *[]string  `json:"tags"`
	SessionID          *string    `json:"session_id"`
}

// Apply returns a copy of r with the update's fields set.
func (u *ReadingUpdate) Apply(r Reading) Reading {
	if u.TakenAt != nil {
		r.TakenAt = *u.TakenAt
	}
	if u.Systolic != nil {
		r.Systolic = *u.Systolic
	}
	if u.Diastolic != nil {
		r.Diastolic = *u.Diastolic
	}
	if u.Pulse != nil {
		p := *u.Pulse
		r.Pulse = &p
		if p == 0 { // 0 clears the optional pulse
			r.Pulse = nil
		}
	}
	if u.Arm != nil {
		r.Arm = *u.Arm
	}
	if u.Position != nil {
		r.Position = *u.Position
	}
	if u.IrregularHeartbeat != nil {
		r.IrregularHeartbeat = *u.IrregularHeartbeat
	}
	if u.Note != nil {
		r.Note = *u.Note
	}
	if u.Tags != nil {
		r.Tags = append([]string(nil), (*u.Tags)...)
	}
	if u.SessionID != nil {
		r.SessionID = *u.SessionID
	}
	return r
}

// Validate checks the values a person enters, with one message per bad
// field. now is the current time, for the "not in the future" rule.
func (r *Reading) Validate(now time.Time) error {
	f := FieldErrors{}
	if r.Systolic < SystolicMin || r.Systolic > SystolicMax {
		f.Add("systolic", "systolic must be between 50 and 300 mmHg")
	}
	if r.Diastolic < DiastolicMin || r.Diastolic > DiastolicMax {
		f.Add("diastolic", "diastolic must be between 20 and 200 mmHg")
	}
	if _, bad := f["systolic"]; !bad && f["diastolic"] == "" && r.Systolic <= r.Diastolic {
		f.Add("systolic", "systolic must be greater than diastolic")
	}
	if r.Pulse != nil && (*r.Pulse < PulseMin || *r.Pulse > PulseMax) {
		f.Add("pulse", "pulse must be between 20 and 250 beats per minute")
	}
	switch {
	case r.TakenAt.IsZero():
		f.Add("taken_at", "taken_at is required (RFC 3339, e.g. 2026-01-31T08:15:00+01:00)")
	case r.TakenAt.After(now.Add(FutureSlack)):
		f.Add("taken_at", "taken_at cannot be more than ten minutes in the future")
	case r.TakenAt.Year() < 1900:
		f.Add("taken_at", "taken_at cannot be before 1900")
	}
	switch r.Arm {
	case "", ArmLeft, ArmRight:
	default:
		f.Add("arm", "arm must be left or right")
	}
	switch r.Position {
	case "", PositionSitting, PositionStanding, PositionLying:
	default:
		f.Add("position", "position must be sitting, standing or lying")
	}
	switch r.Source {
	case SourceManual, SourceImport, SourceDevice, SourceFHIR:
	default:
		f.Add("source", "source must be manual, import, device or fhir")
	}
	if !utf8.ValidString(r.Note) || utf8.RuneCountInString(r.Note) > NoteMaxRunes {
		f.Add("note", "note must be at most 500 characters")
	}
	if len(r.Tags) > TagsMax {
		f.Add("tags", "at most 20 tags")
	}
	for _, t := range r.Tags {
		if t == "" || !utf8.ValidString(t) || utf8.RuneCountInString(t) > TagMaxRunes {
			f.Add("tags", "each tag must be 1 to 40 characters")
		}
	}
	if utf8.RuneCountInString(r.SessionID) > 64 {
		f.Add("session_id", "session_id must be at most 64 characters")
	}
	return f.Err()
}

// ReadingRecord is a reading as a store keeps it: the keys it is found by in
// clear, every health field sealed in one encrypted value.
type ReadingRecord struct {
	ID        string
	PatientID string
	TakenAt   time.Time // the instant, for ordering and range queries
	Version   int
	Deleted   bool
	Sealed    []byte
	UpdatedBy string
	UpdatedAt time.Time
}

// ReadingFilter selects a patient's readings, newest first.
type ReadingFilter struct {
	PatientID string
	From, To  *time.Time // From inclusive, To exclusive
	Limit     int
	Cursor    string // opaque, from a previous page
	// WithDeleted includes tombstones (for exports of the full history).
	WithDeleted bool
}

// ReadingStore persists readings. It makes no policy decisions. Every
// change takes the audit event that records it: the store writes both or
// neither (or, where it cannot be atomic, the event first).
type ReadingStore interface {
	FindReadingByID(ctx context.Context, patientID, id string) (*ReadingRecord, error)
	// FindReadings returns one page, newest first, and the cursor of the next
	// page ("" at the end).
	FindReadings(ctx context.Context, filter ReadingFilter) ([]*ReadingRecord, string, error)
	// CreateReadings stores new readings (version 1). An id that exists
	// already is ECONFLICT and nothing is stored.
	CreateReadings(ctx context.Context, recs []*ReadingRecord, ev *AuditEvent) error
	// UpdateReading replaces the reading whose stored version is
	// rec.Version-1, keeping the old version in its history; any other
	// stored version is ECONFLICT. A tombstone is an update with Deleted set.
	UpdateReading(ctx context.Context, rec *ReadingRecord, ev *AuditEvent) error
	// FindReadingHistory returns every version of a reading, oldest first.
	FindReadingHistory(ctx context.Context, patientID, id string) ([]*ReadingRecord, error)
}
