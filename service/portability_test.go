package service_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/service"
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
