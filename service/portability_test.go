package service_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/service"
	"github.com/bptracker/bptracker/sqlite"
)

// importPatient enrols a patient and returns the patient acting on their
// own record.
func importPatient(t *testing.T, s *service.Service, clk *clock, email string) *service.Actor {
	t.Helper()
	enrol(t, s, clk, email)
	u, err := s.FindUserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return &service.Actor{User: u}
}

// readingsCSV is a CSV file of n distinct readings taken hourly before now.
func readingsCSV(n int, now time.Time) []byte {
	var csv strings.Builder
	csv.WriteString("Date,Time,Sys,Dia\n")
	for i := range n {
		at := now.Add(-time.Duration(i+1) * time.Hour)
		fmt.Fprintf(&csv, "%s,%s,%d,%d\n", at.Format("2006-01-02"), at.Format("15:04"), 110+i%40, 70+i%20)
	}
	return []byte(csv.String())
}

// TestImportWhileJobRuns: a job's pending readings are not yet stored, so
// a second import while it runs is refused (a dry run is not), and the
// same file imported after the job ends is all duplicates.
func TestImportWhileJobRuns(t *testing.T) {
	s, _, clk := newService(t)
	ctx := context.Background()
	a := importPatient(t, s, clk, "ida@example.org")
	file := readingsCSV(600, clk.Now())
	res, err := s.Import(ctx, a, a.User.ID, file, service.ImportOptions{Async: true})
	if err != nil || res.Job == nil {
		t.Fatalf("first import: %+v, %v; want a job", res, err)
	}
	for _, opt := range []service.ImportOptions{{Async: true}, {}, {ValidRows: true}} {
		_, err := s.Import(ctx, a, a.User.ID, file, opt)
		if got := bptracker.ErrorCode(err); got != bptracker.ECONFLICT || !strings.Contains(bptracker.ErrorMessage(err), "still running") {
			t.Fatalf("import %+v during the job: %v, want conflict", opt, err)
		}
	}
	if _, err := s.Import(ctx, a, a.User.ID, readingsCSV(3, clk.Now().Add(-24*time.Hour*365)), service.ImportOptions{}); bptracker.ErrorCode(err) != bptracker.ECONFLICT {
		t.Fatalf("a small import during the job: %v, want conflict", err)
	}
	if _, err := s.Import(ctx, a, a.User.ID, file, service.ImportOptions{DryRun: true, Async: true}); err != nil {
		t.Fatalf("dry run during the job: %v", err)
	}
	finishJob(t, s, a, res.Job.ID)
	again, err := s.Import(ctx, a, a.User.ID, file, service.ImportOptions{Async: true})
	if err != nil || again.Job != nil || again.Duplicates != 600 || again.Imported != 0 {
		t.Fatalf("import after the job: %+v, %v; want 600 duplicates", again, err)
	}
}

// finishJob continues the job until it is no longer running.
func finishJob(t *testing.T, s *service.Service, a *service.Actor, id string) *service.JobView {
	t.Helper()
	for range 100 {
		v, err := s.ContinueImport(context.Background(), a, a.User.ID, id, time.Second)
		if err != nil {
			t.Fatalf("continue: %v", err)
		}
		if v.Status != bptracker.JobRunning {
			return v
		}
	}
	t.Fatal("the job did not end")
	return nil
}

// raceStore lets a test act between a continuer reading a job and reading
// its next chunk, and change the chunk it reads.
type raceStore struct {
	*sqlite.DB
	beforeChunk func(n int)
	chunk       func(n int, b []byte, err error) ([]byte, error)
	auditErr    error // AppendAudit's answer, when set
}

func (r *raceStore) AppendAudit(ctx context.Context, ev *bptracker.AuditEvent) error {
	if r.auditErr != nil {
		return r.auditErr
	}
	return r.DB.AppendAudit(ctx, ev)
}

func (r *raceStore) FindJobChunk(ctx context.Context, patientID, id string, n int) ([]byte, error) {
	if f := r.beforeChunk; f != nil {
		f(n)
	}
	b, err := r.DB.FindJobChunk(ctx, patientID, id, n)
	if f := r.chunk; f != nil {
		return f(n, b, err)
	}
	return b, err
}

// TestContinueImportRace: the background runner and the web app continue
// one job; whichever ends it deletes its chunks, and the other, finding
// the chunk gone, answers the finished job rather than not found.
func TestContinueImportRace(t *testing.T) {
	rs := &raceStore{}
	s, db, clk := newServiceOn(t, func(db *sqlite.DB) bptracker.Store { rs.DB = db; return rs })
	ctx := context.Background()
	a := importPatient(t, s, clk, "rae@example.org")
	res, err := s.Import(ctx, a, a.User.ID, readingsCSV(777, clk.Now()), service.ImportOptions{Async: true})
	if err != nil || res.Job == nil {
		t.Fatalf("import: %+v, %v; want a job", res, err)
	}
	chunks := (777 + 49) / 50
	// The first caller reaches the last chunk; the second, meanwhile,
	// writes it and ends the job.
	var other *service.JobView
	var otherErr error
	rs.beforeChunk = func(n int) {
		if n != chunks-1 {
			return
		}
		rs.beforeChunk = nil
		other, otherErr = s.ContinueImport(ctx, a, a.User.ID, res.Job.ID, time.Minute)
	}
	v, err := s.ContinueImport(ctx, a, a.User.ID, res.Job.ID, time.Minute)
	if err != nil || v.Status != bptracker.JobDone || v.Done != 777 {
		t.Fatalf("the caller that lost the race: %+v, %v; want the done job", v, err)
	}
	if otherErr != nil || other == nil || other.Status != bptracker.JobDone || other.Done != 777 {
		t.Fatalf("the caller that ended the job: %+v, %v", other, otherErr)
	}
	wantReadings(t, db, a.User.ID, 777)
}

// TestContinueImportConcurrent: two callers continuing one job at once
// both end with its done view, and every reading is stored exactly once.
func TestContinueImportConcurrent(t *testing.T) {
	s, db, clk := newService(t)
	ctx := context.Background()
	a := importPatient(t, s, clk, "cy@example.org")
	res, err := s.Import(ctx, a, a.User.ID, readingsCSV(1234, clk.Now()), service.ImportOptions{Async: true})
	if err != nil || res.Job == nil {
		t.Fatalf("import: %+v, %v; want a job", res, err)
	}
	var wg sync.WaitGroup
	views := make([]*service.JobView, 2)
	errs := make([]error, 2)
	for i := range views {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				views[i], errs[i] = s.ContinueImport(ctx, a, a.User.ID, res.Job.ID, time.Minute)
				if errs[i] != nil || views[i].Status != bptracker.JobRunning {
					return
				}
			}
		}()
	}
	wg.Wait()
	for i, v := range views {
		if errs[i] != nil || v.Status != bptracker.JobDone || v.Done != 1234 || v.Result == nil || v.Result.Imported != 1234 {
			t.Fatalf("caller %d: %+v, %v; want the done job", i, v, errs[i])
		}
	}
	wantReadings(t, db, a.User.ID, 1234)
	if _, err := bptracker.VerifyAudit(ctx, db); err != nil {
		t.Fatal(err)
	}
}

// wantReadings checks the patient has n readings, each stored once.
func wantReadings(t *testing.T, db *sqlite.DB, patientID string, n int) {
	t.Helper()
	seen := map[int64]bool{}
	f := bptracker.ReadingFilter{PatientID: patientID, Limit: 500}
	for {
		recs, next, err := db.FindReadings(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if seen[r.TakenAt.UnixNano()] {
				t.Fatalf("a reading at %v is stored twice", r.TakenAt)
			}
			seen[r.TakenAt.UnixNano()] = true
		}
		if next == "" {
			break
		}
		f.Cursor = next
	}
	if len(seen) != n {
		t.Fatalf("readings = %d, want %d", len(seen), n)
	}
}

// TestImportJobFails: a chunk that is missing or cannot be decoded ends
// the job as failed (audited), keeping what was written, rather than
// leaving it running for ever and holding off every other import.
func TestImportJobFails(t *testing.T) {
	for name, bad := range map[string]func(b []byte, err error) ([]byte, error){
		"unreadable": func(b []byte, err error) ([]byte, error) { return b[:len(b)/2], err },
		"missing": func([]byte, error) ([]byte, error) {
			return nil, bptracker.Errorf(bptracker.ENOTFOUND, "job chunk not found")
		},
	} {
		t.Run(name, func(t *testing.T) {
			rs := &raceStore{}
			s, db, clk := newServiceOn(t, func(db *sqlite.DB) bptracker.Store { rs.DB = db; return rs })
			ctx := context.Background()
			a := importPatient(t, s, clk, "fay@example.org")
			file := readingsCSV(600, clk.Now())
			res, err := s.Import(ctx, a, a.User.ID, file, service.ImportOptions{Async: true})
			if err != nil || res.Job == nil {
				t.Fatalf("import: %+v, %v; want a job", res, err)
			}
			rs.chunk = func(n int, b []byte, err error) ([]byte, error) {
				if n == 2 {
					return bad(b, err)
				}
				return b, err
			}
			v, err := s.ContinueImport(ctx, a, a.User.ID, res.Job.ID, time.Minute)
			if err != nil || v.Status != bptracker.JobFailed || v.Done != 100 || v.Result == nil || v.Result.Imported != 100 {
				t.Fatalf("continue: %+v, %v; want failed after 100 readings", v, err)
			}
			if v, err := s.ImportJob(ctx, a, a.User.ID, res.Job.ID); err != nil || v.Status != bptracker.JobFailed {
				t.Fatalf("job = %+v, %v; want failed", v, err)
			}
			if _, err := db.FindJobChunk(ctx, a.User.ID, res.Job.ID, 3); bptracker.ErrorCode(err) != bptracker.ENOTFOUND {
				t.Fatalf("a chunk of the failed job: %v, want not found", err)
			}
			evs, _, err := db.FindAuditEvents(ctx, bptracker.AuditFilter{PatientID: a.User.ID, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			var failed int
			for _, e := range evs {
				if e.Action == "reading.import" && e.Outcome == bptracker.OutcomeFailure && e.ResourceID == res.Job.ID {
					failed++
					if !strings.Contains(e.Detail, name) {
						t.Errorf("failure event detail %q does not say %s", e.Detail, name)
					}
				}
			}
			if failed != 1 {
				t.Fatalf("failure events = %d, want 1", failed)
			}
			wantReadings(t, db, a.User.ID, 100)
			// The file imported again fills in the rest.
			rs.chunk = nil
			again, err := s.Import(ctx, a, a.User.ID, file, service.ImportOptions{})
			if err != nil || again.Duplicates != 100 || again.Imported != 500 {
				t.Fatalf("import again: %+v, %v; want 100 duplicates and 500 imported", again, err)
			}
		})
	}
}

// TestImportJobResult: an ended job keeps the import's report (counts and
// the rejected rows' numbers and reasons), for a caller that resumes it.
func TestImportJobResult(t *testing.T) {
	s, _, clk := newService(t)
	ctx := context.Background()
	a := importPatient(t, s, clk, "res@example.org")
	file := append(readingsCSV(600, clk.Now()), "2020-01-01,08:00,400,80\n2020-01-02,08:00,120,\n"...)
	res, err := s.Import(ctx, a, a.User.ID, file, service.ImportOptions{Async: true, ValidRows: true})
	if err != nil || res.Job == nil || len(res.Rejected) != 2 {
		t.Fatalf("import: %+v, %v; want a job and 2 rejected rows", res, err)
	}
	if v, err := s.ImportJob(ctx, a, a.User.ID, res.Job.ID); err != nil || v.Result != nil {
		t.Fatalf("running job = %+v, %v; want no result yet", v, err)
	}
	if v := finishJob(t, s, a, res.Job.ID); v.Result == nil || v.Result.Imported != 600 {
		t.Fatalf("the last step = %+v; want the result, 600 imported", v)
	}
	v, err := s.ImportJob(ctx, a, a.User.ID, res.Job.ID)
	if err != nil || v.Status != bptracker.JobDone || v.Result == nil {
		t.Fatalf("job = %+v, %v; want done with its result", v, err)
	}
	got := v.Result
	if got.Imported != 600 || got.WouldImport != 600 || got.Format != res.Format || got.Job != nil ||
		len(got.Rejected) != 2 || got.Rejected[0].Row != 602 || got.Rejected[1].Row != 603 {
		t.Fatalf("result = %+v", got)
	}
	for _, r := range got.Rejected {
		if strings.Contains(r.Reason, "400") {
			t.Errorf("rejection %+v quotes the file", r)
		}
	}
	jobs, err := s.ImportJobs(ctx, a, a.User.ID)
	if err != nil || len(jobs) != 1 || jobs[0].Result != nil {
		t.Fatalf("jobs = %+v, %v; want one, without its result", jobs, err)
	}
}

// TestContinueImportBudget: a step stops once its budget has passed on the
// service's clock, leaving the job running for the next.
func TestContinueImportBudget(t *testing.T) {
	rs := &raceStore{}
	s, _, clk := newServiceOn(t, func(db *sqlite.DB) bptracker.Store { rs.DB = db; return rs })
	ctx := context.Background()
	a := importPatient(t, s, clk, "bo@example.org")
	res, err := s.Import(ctx, a, a.User.ID, readingsCSV(600, clk.Now()), service.ImportOptions{Async: true})
	if err != nil || res.Job == nil {
		t.Fatalf("import: %+v, %v; want a job", res, err)
	}
	rs.beforeChunk = func(int) { clk.Add(5 * time.Second) } // each chunk takes 5 s
	v, err := s.ContinueImport(ctx, a, a.User.ID, res.Job.ID, 8*time.Second)
	if err != nil || v.Status != bptracker.JobRunning || v.Done != 100 {
		t.Fatalf("an 8 s step: %+v, %v; want running with 2 chunks (100 readings) written", v, err)
	}
}

// TestImportAuditFails: an import whose audit event cannot be written
// answers the error alone; a result comes with an error only when rows
// were rejected and nothing imported.
func TestImportAuditFails(t *testing.T) {
	rs := &raceStore{}
	s, _, clk := newServiceOn(t, func(db *sqlite.DB) bptracker.Store { rs.DB = db; return rs })
	ctx := context.Background()
	a := importPatient(t, s, clk, "al@example.org")
	rs.auditErr = errors.New("disk full")
	for _, opt := range []service.ImportOptions{{DryRun: true}, {DryRun: true, ValidRows: true}, {}} {
		res, err := s.Import(ctx, a, a.User.ID, []byte("Date,Time,Sys,Dia\n2026-01-01,08:00,400,80\n"), opt)
		if res != nil || bptracker.ErrorCode(err) != bptracker.EINTERNAL {
			t.Errorf("import %+v: %+v, %v; want the internal error alone", opt, res, err)
		}
	}
}
