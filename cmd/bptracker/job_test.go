package main_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bptracker/bptracker/internal/dynamolocal"
)

// TestImportJob: an import of more than 500 readings answers 202 with a
// job, and calls to continue it (as the web app makes, and as Lambda needs)
// write it to the end, on SQLite and on DynamoDB Local.
func TestImportJob(t *testing.T) {
	t.Run("sqlite", importJob)
	t.Run("dynamodb", func(t *testing.T) {
		ep := dynamolocal.Start(t)
		storeEnv = append(append([]string{}, dynamolocal.Env...), "BPT_STORE=dynamodb",
			fmt.Sprintf("BPT_DYNAMODB_TABLE=job-%d", time.Now().UnixNano()), "BPT_DYNAMODB_ENDPOINT="+ep)
		defer func() { storeEnv = nil }()
		if out, err := bpt(t, "", "dynamo", "create-table"); err != nil {
			t.Fatalf("create-table: %v\n%s", err, out)
		}
		importJob(t)
	})
}

func importJob(t *testing.T) {
	data := t.TempDir()
	if out, err := bpt(t, pw+"\n", "user", "add", "--data", data, "--email", "jo@example.org"); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	const rows = 1200
	var csv strings.Builder
	csv.WriteString("Date,Time,Sys,Dia\n")
	start := time.Date(2023, 1, 1, 7, 30, 0, 0, time.UTC)
	for i := range rows {
		at := start.Add(time.Duration(i) * 12 * time.Hour)
		fmt.Fprintf(&csv, "%s,%s,%d,%d\n", at.Format("2006-01-02"), at.Format("15:04"), 110+i%40, 70+i%20)
	}
	srv := startServer(t, data)
	c, _, _ := enrolled(t, srv.url, "jo@example.org")
	r := c.post("/api/v1/patients/me/imports", "text/csv", []byte(csv.String()))
	if r.status != 202 {
		t.Fatalf("large import: %d %.300s, want 202 with a job", r.status, r.body)
	}
	var res struct {
		WouldImport int `json:"would_import"`
		Job         struct {
			ID     string `json:"id"`
			Status string `json:"status"`
			Total  int    `json:"total"`
		} `json:"job"`
	}
	r.json(t, &res)
	if res.Job.ID == "" || res.Job.Total != rows || res.WouldImport != rows {
		t.Fatalf("job = %+v", res)
	}
	// The job's readings are not stored yet, so a second import meanwhile
	// is refused (the local server's own runner may have finished it: then
	// every row is a duplicate).
	r = c.post("/api/v1/patients/me/imports", "text/csv", []byte(csv.String()))
	if !(r.status == 409 && strings.Contains(string(r.body), "still running")) &&
		!(r.status == 200 && strings.Contains(string(r.body), fmt.Sprintf(`"duplicates":%d`, rows))) {
		t.Fatalf("import during the job: %d %.300s, want 409, or 200 with every row a duplicate", r.status, r.body)
	}
	var job struct {
		Job struct {
			Status string `json:"status"`
			Done   int    `json:"done"`
		} `json:"job"`
	}
	for i := 0; ; i++ {
		c.expect(200, "POST", "/api/v1/patients/me/imports/"+res.Job.ID+"/continue", nil).json(t, &job)
		if job.Job.Status == "done" {
			break
		}
		if i > 100 {
			t.Fatalf("the job did not finish: %+v", job)
		}
	}
	if job.Job.Done != rows {
		t.Fatalf("job done = %d, want %d", job.Job.Done, rows)
	}
	var got struct {
		Job struct {
			ID     string `json:"id"`
			Status string `json:"status"`
			Total  int    `json:"total"`
			Done   int    `json:"done"`
			Result struct {
				Imported    int   `json:"imported"`
				WouldImport int   `json:"would_import"`
				Duplicates  int   `json:"duplicates"`
				Rejected    []any `json:"rejected"`
			} `json:"result"`
		} `json:"job"`
	}
	c.expect(200, "GET", "/api/v1/patients/me/imports/"+res.Job.ID, nil).json(t, &got)
	if j := got.Job; j.ID != res.Job.ID || j.Status != "done" || j.Total != rows || j.Done != rows ||
		j.Result.Imported != rows || j.Result.WouldImport != rows || j.Result.Duplicates != 0 || j.Result.Rejected == nil || len(j.Result.Rejected) != 0 {
		t.Fatalf("GET the job = %+v, want done, %d of %d, with its result", j, rows, rows)
	}
	var list struct {
		Jobs []struct{ ID, Status string } `json:"jobs"`
	}
	c.expect(200, "GET", "/api/v1/patients/me/imports", nil).json(t, &list)
	if len(list.Jobs) != 1 || list.Jobs[0].ID != res.Job.ID || list.Jobs[0].Status != "done" {
		t.Fatalf("jobs = %+v", list.Jobs)
	}
	var sum struct{ Count int }
	c.expect(200, "GET", "/api/v1/patients/me/summary", nil).json(t, &sum)
	if sum.Count != rows {
		t.Fatalf("readings after the job = %d, want %d", sum.Count, rows)
	}
	// Importing the same file again: every row is a duplicate, no job.
	r = c.post("/api/v1/patients/me/imports", "text/csv", []byte(csv.String()))
	if r.status != 200 || !strings.Contains(string(r.body), fmt.Sprintf(`"duplicates":%d`, rows)) {
		t.Fatalf("re-import: %d %.200s", r.status, r.body)
	}
	other := newClient(t, srv.url)
	other.expect(401, "POST", "/api/v1/patients/me/imports/"+res.Job.ID+"/continue", nil)
	srv.stop()
	if out, err := bpt(t, "", "audit", "verify", "--data", data); err != nil {
		t.Fatalf("audit verify: %v %s", err, out)
	}
}
