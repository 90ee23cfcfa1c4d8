package storetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/bptracker/bptracker"
)

func testJobs(t *testing.T, h *harness) {
	newJob := func(patient string, chunks int) *bptracker.Job {
		return &bptracker.Job{ID: NewID(), PatientID: patient, Status: bptracker.JobRunning, Total: chunks * 50, Chunks: chunks,
			Result: []byte(`{"rejected":[]}`), CreatedBy: patient, CreatedAt: Base, UpdatedAt: Base, Version: 1}
	}
	t.Run("OK", func(t *testing.T) {
		s := h.Open(t)
		p := NewID()
		j := newJob(p, 3)
		chunks := [][]byte{randomBytes(t, 700), randomBytes(t, 700), randomBytes(t, 30)}
		ev := Event(p, p, "reading.import", j.ID, Base)
		must(t, "CreateJob", s.CreateJob(ctx(), j, chunks, ev))
		got, err := s.FindJob(ctx(), p, j.ID)
		must(t, "FindJob", err)
		if got.Status != j.Status || got.Total != 150 || got.Chunks != 3 || got.Next != 0 || got.Version != 1 ||
			!bytes.Equal(got.Result, j.Result) || got.CreatedBy != p || !got.CreatedAt.Equal(Base) {
			t.Fatalf("FindJob = %+v, want %+v", got, j)
		}
		for n, want := range chunks {
			c, err := s.FindJobChunk(ctx(), p, j.ID, n)
			must(t, "FindJobChunk", err)
			if !bytes.Equal(c, want) {
				t.Fatalf("chunk %d: got %d bytes, want %d", n, len(c), len(want))
			}
		}
		later := newJob(p, 1)
		must(t, "CreateJob", s.CreateJob(ctx(), later, [][]byte{randomBytes(t, 5)}, nil))
		jobs, err := s.FindJobs(ctx(), p)
		must(t, "FindJobs", err)
		if len(jobs) != 2 || jobs[0].ID != later.ID || jobs[1].ID != j.ID || jobs[1].Chunks != 3 {
			t.Fatalf("FindJobs = %d jobs, want the two, newest first", len(jobs))
		}
		evs := allEvents(t, s, bptracker.AuditFilter{PatientID: p})
		if len(evs) != 1 || evs[0].ID != ev.ID {
			t.Fatalf("audit events = %d, want the job's event", len(evs))
		}
		// Advance with the version check: a stale writer is refused.
		got.Next, got.Done, got.Version, got.UpdatedAt = 1, 50, 2, Base.Add(time.Minute)
		must(t, "UpdateJob", s.UpdateJob(ctx(), got))
		stale := *got
		stale.Next, stale.Version = 2, 2
		wantCode(t, "UpdateJob with a stale version", s.UpdateJob(ctx(), &stale), bptracker.ECONFLICT)
		again, err := s.FindJob(ctx(), p, j.ID)
		must(t, "FindJob", err)
		if again.Next != 1 || again.Done != 50 || again.Version != 2 {
			t.Fatalf("after update: %+v", again)
		}
		// A finished job keeps its report, not its chunks.
		again.Status, again.Next, again.Done, again.Version = bptracker.JobDone, 3, 150, 3
		must(t, "UpdateJob", s.UpdateJob(ctx(), again))
		if _, err := s.FindJobChunk(ctx(), p, j.ID, 0); bptracker.ErrorCode(err) != bptracker.ENOTFOUND {
			t.Fatalf("chunk of a finished job: %v, want not_found", err)
		}
		done, err := s.FindJob(ctx(), p, j.ID)
		must(t, "FindJob", err)
		if done.Status != bptracker.JobDone || !bytes.Equal(done.Result, j.Result) {
			t.Fatalf("finished job = %+v", done)
		}
	})
	t.Run("Failed", func(t *testing.T) {
		// A failed job, like a finished one, keeps its report and drops
		// the chunks left: they hold sealed readings no call will write.
		s := h.Open(t)
		p := NewID()
		j := newJob(p, 2)
		must(t, "CreateJob", s.CreateJob(ctx(), j, [][]byte{randomBytes(t, 10), randomBytes(t, 10)}, nil))
		j.Status, j.Version, j.Result = bptracker.JobFailed, 2, []byte(`{"imported":0}`)
		must(t, "UpdateJob", s.UpdateJob(ctx(), j))
		for n := range 2 {
			if _, err := s.FindJobChunk(ctx(), p, j.ID, n); bptracker.ErrorCode(err) != bptracker.ENOTFOUND {
				t.Fatalf("chunk %d of a failed job: %v, want not_found", n, err)
			}
		}
		got, err := s.FindJob(ctx(), p, j.ID)
		must(t, "FindJob", err)
		if got.Status != bptracker.JobFailed || got.Version != 2 || !bytes.Equal(got.Result, j.Result) {
			t.Fatalf("failed job = %+v", got)
		}
		stale := *got
		stale.Status = bptracker.JobDone
		wantCode(t, "UpdateJob of a failed job with its stored version", s.UpdateJob(ctx(), &stale), bptracker.ECONFLICT)
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		s := h.Open(t)
		p, other := NewID(), NewID()
		j := newJob(p, 1)
		must(t, "CreateJob", s.CreateJob(ctx(), j, [][]byte{randomBytes(t, 10)}, Event(p, p, "reading.import", j.ID, Base)))
		_, err := s.FindJob(ctx(), other, j.ID)
		wantCode(t, "FindJob as another patient", err, bptracker.ENOTFOUND)
		_, err = s.FindJobChunk(ctx(), other, j.ID, 0)
		wantCode(t, "FindJobChunk as another patient", err, bptracker.ENOTFOUND)
		_, err = s.FindJobChunk(ctx(), p, j.ID, 1)
		wantCode(t, "FindJobChunk past the last", err, bptracker.ENOTFOUND)
		_, err = s.FindJob(ctx(), p, NewID())
		wantCode(t, "FindJob unknown", err, bptracker.ENOTFOUND)
		if jobs, err := s.FindJobs(ctx(), other); err != nil || len(jobs) != 0 {
			t.Fatalf("FindJobs of another patient = %d, %v; want none", len(jobs), err)
		}
		ghost := newJob(p, 1)
		ghost.Version = 2
		wantCode(t, "UpdateJob unknown", s.UpdateJob(ctx(), ghost), bptracker.ENOTFOUND)
		wantCode(t, "CreateJob twice", s.CreateJob(ctx(), j, nil, nil), bptracker.ECONFLICT)
	})
}
