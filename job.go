package bptracker

import (
	"context"
	"time"
)

// Job statuses.
const (
	JobRunning = "running"
	JobDone    = "done"
	JobFailed  = "failed"
)

// Job is an import too large for one request: its readings, already
// validated and sealed, wait in chunks that later requests write one after
// another (so it needs no worker process, on one machine or on Lambda).
type Job struct {
	ID        string
	PatientID string
	Status    string
	Total     int // readings to write
	Done      int // readings written
	Chunks    int // chunks stored with the job
	Next      int // the next chunk to write
	// Result is the import's report as JSON: counts and rejected rows,
	// which hold no health values.
	Result    []byte
	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int
}

// JobStore keeps jobs and their chunks. A job and its chunks belong to one
// patient: a lookup with another patient's id finds nothing.
type JobStore interface {
	// CreateJob stores a new job (version 1) with its chunks, and ev.
	CreateJob(ctx context.Context, j *Job, chunks [][]byte, ev *AuditEvent) error
	FindJob(ctx context.Context, patientID, id string) (*Job, error)
	// FindJobs lists the patient's jobs, newest first (at most 50).
	FindJobs(ctx context.Context, patientID string) ([]*Job, error)
	FindJobChunk(ctx context.Context, patientID, id string, n int) ([]byte, error)
	// UpdateJob replaces the job whose stored version is j.Version-1; any
	// other version is ECONFLICT.
	UpdateJob(ctx context.Context, j *Job) error
}
