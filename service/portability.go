package service

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/exporter"
	"github.com/bptracker/bptracker/importer"
)

// ImportOptions are a person's choices for one import.
type ImportOptions struct {
	DryRun    bool
	ValidRows bool   // import the valid rows even when some are rejected
	DateOrder string // dmy or mdy, when the file's dates are ambiguous
	TimeZone  string // for times without an offset; default the patient's
	Format    string // "" detects it
	// Progress, when set, hears how many of the file's readings have been
	// checked and sealed, for a progress bar.
	Progress func(done, total int)
	// Async lets an import of more than JobThreshold readings run as a
	// job: the answer comes at once and ContinueImport writes the rest.
	Async bool
}

// Import jobs: more readings than JobThreshold are written in chunks of
// jobChunk (one DynamoDB transaction, so a chunk is written whole or not
// at all).
const (
	JobThreshold = 500
	jobChunk     = 50
)

// JobView is an import job as the API shows it.
type JobView struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Total  int    `json:"total"`
	Done   int    `json:"done"`
	// Result is the import's report once the job has ended (counts and
	// rejected rows, by row number and reason), so an import resumed in
	// another tab or after a restart can show it. Lists leave it out.
	Result *ImportResult `json:"result,omitempty"`
}

func jobView(j *bptracker.Job) *JobView {
	return &JobView{ID: j.ID, Status: j.Status, Total: j.Total, Done: j.Done}
}

// jobResultView is jobView with the report of an ended job.
func jobResultView(j *bptracker.Job) *JobView {
	v := jobView(j)
	if j.Status == bptracker.JobRunning || len(j.Result) == 0 {
		return v
	}
	var res ImportResult
	if err := json.Unmarshal(j.Result, &res); err == nil {
		v.Result = &res
	}
	return v
}

// endResult is the job's stored report with the number of readings the
// job wrote.
func endResult(j *bptracker.Job) []byte {
	var res ImportResult
	if err := json.Unmarshal(j.Result, &res); err != nil {
		return j.Result
	}
	res.Imported, res.Job = j.Done, nil
	b, err := json.Marshal(res)
	if err != nil {
		return j.Result
	}
	return b
}

// ImportResult says what an import did (or, dry, would do).
type ImportResult struct {
	Format      string               `json:"format"`
	DryRun      bool                 `json:"dry_run"`
	WouldImport int                  `json:"would_import"`
	Imported    int                  `json:"imported"`
	Duplicates  int                  `json:"duplicates"`
	Rejected    []importer.Rejection `json:"rejected"`
	// Job is set when the import continues as a job.
	Job *JobView `json:"job,omitempty"`
}

// Import reads a file of readings onto the patient's record: all of it or
// nothing, unless ValidRows. Readings already stored (same time and values)
// are skipped. Every import, dry or not, is audited with its counts. When
// rows are rejected and nothing is imported, the result comes with the
// EINVALID error; any other error comes alone.
func (s *Service) Import(ctx context.Context, a *Actor, patientID string, data []byte, opt ImportOptions) (*ImportResult, error) {
	rel, p, err := s.record(ctx, a, bptracker.ActionWriteHealth, patientID)
	if err != nil {
		return nil, err
	}
	loc := s.location(p)
	if opt.TimeZone != "" {
		if loc, err = time.LoadLocation(opt.TimeZone); err != nil {
			return nil, fieldError("tz", "tz must be an IANA time zone such as Europe/Paris")
		}
	}
	if opt.DateOrder != "" && opt.DateOrder != importer.DateOrderDMY && opt.DateOrder != importer.DateOrderMDY {
		return nil, fieldError("date_order", "date_order must be dmy or mdy")
	}
	if !opt.DryRun {
		if err := s.noImportRunning(ctx, patientID); err != nil {
			return nil, err
		}
	}
	parsed, err := importer.Parse(data, importer.Options{Format: opt.Format, DateOrder: opt.DateOrder, Location: loc, Now: s.cfg.Now()})
	if err != nil {
		return nil, err
	}
	existing, err := s.allReadings(ctx, patientID, nil, nil, false)
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(existing))
	for _, r := range existing {
		seen[importer.Key(r)] = true
	}
	res := &ImportResult{Format: parsed.Format, DryRun: opt.DryRun, Duplicates: parsed.Duplicates, Rejected: parsed.Rejected}
	if res.Rejected == nil {
		res.Rejected = []importer.Rejection{}
	}
	now := s.cfg.Now().UTC()
	var recs []*bptracker.ReadingRecord
	for i, r := range parsed.Readings {
		if opt.Progress != nil && i%256 == 0 {
			opt.Progress(i, len(parsed.Readings))
		}
		k := importer.Key(r)
		if seen[k] {
			res.Duplicates++
			continue
		}
		seen[k] = true
		r.ID, r.PatientID, r.Version = s.cfg.NewID(), patientID, 1
		r.CreatedBy, r.UpdatedBy, r.CreatedAt, r.UpdatedAt = a.User.ID, a.User.ID, now, now
		rec, err := s.sealReading(ctx, &r)
		if err != nil {
			return nil, err
		}
		recs = append(recs, rec)
	}
	res.WouldImport = len(recs)
	if opt.Progress != nil {
		opt.Progress(len(parsed.Readings), len(parsed.Readings))
	}
	ev := s.event(a, a.Request, "reading.import", patientID, "", bptracker.OutcomeSuccess)
	ev.Via = rel.Via()
	ev.Detail = fmt.Sprintf("format=%s dry_run=%v readings=%d duplicates=%d rejected=%d", res.Format, opt.DryRun, len(recs), res.Duplicates, len(res.Rejected))
	switch {
	case !opt.DryRun && len(res.Rejected) > 0 && !opt.ValidRows:
		ev.Outcome = bptracker.OutcomeFailure
		if err := s.audit(ctx, ev); err != nil {
			return nil, err
		}
		return res, &bptracker.Error{Code: bptracker.EINVALID, Message: fmt.Sprintf("%d rows could not be read, so nothing was imported; fix them, or choose to import the valid rows", len(res.Rejected))}
	case opt.DryRun || len(recs) == 0:
		if err := s.audit(ctx, ev); err != nil {
			return nil, err
		}
		return res, nil
	case opt.Async && len(recs) > JobThreshold:
		return s.startImportJob(ctx, a, patientID, recs, res, ev)
	}
	if err := s.store.CreateReadings(ctx, recs, ev); err != nil {
		return nil, err
	}
	res.Imported = len(recs)
	return res, nil
}

// noImportRunning refuses a second import while a job is running: the
// job's readings wait in its chunks, where the duplicate check cannot see
// them, so the same rows imported again meanwhile would be stored twice.
func (s *Service) noImportRunning(ctx context.Context, patientID string) error {
	jobs, err := s.store.FindJobs(ctx, patientID)
	if err != nil {
		return err
	}
	for _, j := range jobs {
		if j.Status == bptracker.JobRunning {
			return bptracker.Errorf(bptracker.ECONFLICT, "an import is still running; wait for it to finish, then import again")
		}
	}
	return nil
}

// startImportJob stores the sealed readings as a job's chunks. Its audit
// event is "pending" and names the job; each chunk written and the end of
// the job have their own events.
func (s *Service) startImportJob(ctx context.Context, a *Actor, patientID string, recs []*bptracker.ReadingRecord, res *ImportResult, ev *bptracker.AuditEvent) (*ImportResult, error) {
	now := s.cfg.Now().UTC()
	var chunks [][]byte
	for i := 0; i < len(recs); i += jobChunk {
		chunks = append(chunks, encodeChunk(recs[i:min(i+jobChunk, len(recs))]))
	}
	report, err := json.Marshal(res)
	if err != nil {
		return nil, err
	}
	j := &bptracker.Job{ID: s.cfg.NewID(), PatientID: patientID, Status: bptracker.JobRunning, Total: len(recs), Chunks: len(chunks),
		Result: report, CreatedBy: a.User.ID, CreatedAt: now, UpdatedAt: now, Version: 1}
	ev.Outcome, ev.ResourceID = bptracker.OutcomePending, j.ID
	ev.Detail += " job=" + j.ID
	if err := s.store.CreateJob(ctx, j, chunks, ev); err != nil {
		return nil, err
	}
	res.Job = jobView(j)
	if s.cfg.Background {
		go s.runImportJob(a, patientID, j.ID)
	}
	return res, nil
}

// runImportJob drives a job to its end in the background (the local
// server); on Lambda the web app's calls to ContinueImport do it.
func (s *Service) runImportJob(a *Actor, patientID, id string) {
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		v, err := s.ContinueImport(ctx, a, patientID, id, 30*time.Second)
		cancel()
		if err != nil {
			s.log.Error("import job stopped", "job", id, "err", err)
			return
		}
		if v.Status != bptracker.JobRunning {
			return
		}
	}
}

// ImportJobs lists the patient's import jobs, newest first: an import left
// running (a closed tab, a restarted server) is found and continued here.
func (s *Service) ImportJobs(ctx context.Context, a *Actor, patientID string) ([]*JobView, error) {
	if _, err := s.authorize(ctx, a, bptracker.ActionWriteHealth, patientID); err != nil {
		return nil, err
	}
	jobs, err := s.store.FindJobs(ctx, patientID)
	if err != nil {
		return nil, err
	}
	out := make([]*JobView, len(jobs))
	for i, j := range jobs {
		out[i] = jobView(j)
	}
	return out, nil
}

// ImportJob reports a job's progress.
func (s *Service) ImportJob(ctx context.Context, a *Actor, patientID, id string) (*JobView, error) {
	if _, err := s.authorize(ctx, a, bptracker.ActionWriteHealth, patientID); err != nil {
		return nil, err
	}
	j, err := s.store.FindJob(ctx, patientID, id)
	if err != nil {
		return nil, err
	}
	return jobResultView(j), nil
}

// ContinueImport writes a job's next chunks for about budget. Two callers
// at once are safe: a chunk written already answers ECONFLICT, which counts
// as written, and the job's version check keeps one account of progress;
// a caller that finds the job moved on looks again, so each ends with the
// job's current view, done when the other finished it.
func (s *Service) ContinueImport(ctx context.Context, a *Actor, patientID, id string, budget time.Duration) (*JobView, error) {
	rel, err := s.authorize(ctx, a, bptracker.ActionWriteHealth, patientID)
	if err != nil {
		return nil, err
	}
	deadline := s.cfg.Now().Add(budget)
	for {
		j, err := s.store.FindJob(ctx, patientID, id)
		if err != nil {
			return nil, err
		}
		if j.Status != bptracker.JobRunning || s.cfg.Now().After(deadline) {
			return jobResultView(j), nil
		}
		data, err := s.store.FindJobChunk(ctx, patientID, id, j.Next)
		if bptracker.ErrorCode(err) == bptracker.ENOTFOUND {
			// Another writer (the background runner, a second tab) may
			// have ended the job, which deletes its chunks, since it was
			// read: look again.
			cur, ferr := s.store.FindJob(ctx, patientID, id)
			if ferr != nil {
				return nil, ferr
			}
			if cur.Version != j.Version {
				continue
			}
			if err := s.failImportJob(ctx, a, rel, j, "missing"); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		recs, err := decodeChunk(data, patientID)
		if err != nil {
			if err := s.failImportJob(ctx, a, rel, j, "unreadable"); err != nil {
				return nil, err
			}
			continue
		}
		now := s.cfg.Now().UTC()
		for _, r := range recs {
			r.UpdatedBy, r.UpdatedAt = j.CreatedBy, now
		}
		ev := s.event(a, a.Request, "reading.import", patientID, id, bptracker.OutcomeSuccess)
		ev.Via, ev.Detail = rel.Via(), fmt.Sprintf("job=%s chunk=%d/%d readings=%d", id, j.Next+1, j.Chunks, len(recs))
		if err := s.store.CreateReadings(ctx, recs, ev); err != nil && bptracker.ErrorCode(err) != bptracker.ECONFLICT {
			return nil, err
		}
		j.Next, j.Done, j.Version, j.UpdatedAt = j.Next+1, j.Done+len(recs), j.Version+1, now
		var done *bptracker.AuditEvent
		if j.Next == j.Chunks {
			j.Status, j.Result = bptracker.JobDone, endResult(j)
			done = s.event(a, a.Request, "reading.import", patientID, id, bptracker.OutcomeSuccess)
			done.Via, done.Detail = rel.Via(), fmt.Sprintf("job=%s finished readings=%d", id, j.Total)
		}
		switch err := s.store.UpdateJob(ctx, j); bptracker.ErrorCode(err) {
		case "":
			if done != nil {
				if err := s.audit(ctx, done); err != nil {
					return nil, err
				}
			}
		case bptracker.ECONFLICT: // another caller moved it on: look again
		default:
			return nil, err
		}
	}
}

// failImportJob ends a running job whose next chunk is missing or cannot
// be decoded: no later call could write it, and a job left running would
// hold off every other import. The readings written so far stay (imported
// again, they are duplicates); the chunks left go with the job's end. A job
// another caller moved on meanwhile is left to it (nil: look again).
func (s *Service) failImportJob(ctx context.Context, a *Actor, rel bptracker.Relation, j *bptracker.Job, why string) error {
	chunk := j.Next
	j.Status, j.Version, j.UpdatedAt = bptracker.JobFailed, j.Version+1, s.cfg.Now().UTC()
	j.Result = endResult(j)
	switch err := s.store.UpdateJob(ctx, j); bptracker.ErrorCode(err) {
	case "":
	case bptracker.ECONFLICT:
		return nil
	default:
		return err
	}
	s.log.Error("import job failed", "job", j.ID, "chunk", chunk, "reason", why)
	ev := s.event(a, a.Request, "reading.import", j.PatientID, j.ID, bptracker.OutcomeFailure)
	ev.Via, ev.Detail = rel.Via(), fmt.Sprintf("job=%s failed chunk=%d/%d %s readings=%d", j.ID, chunk+1, j.Chunks, why, j.Done)
	return s.audit(ctx, ev)
}

// Export formats.
var exportTypes = map[string]struct{ contentType, ext string }{
	"csv":  {"text/csv; charset=utf-8", "csv"},
	"xlsx": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"},
	"pdf":  {"application/pdf", "pdf"},
	"fhir": {"application/fhir+json", "json"},
	"json": {"application/json", "json"},
}

// Export is a rendered export file.
type Export struct {
	ContentType string
	Filename    string
	Body        []byte
}

// Export renders the patient's readings in [from, to) as csv, xlsx, pdf,
// fhir or json.
func (s *Service) Export(ctx context.Context, a *Actor, patientID, format string, from, to *time.Time) (*Export, error) {
	t, ok := exportTypes[format]
	if !ok {
		return nil, fieldError("format", "format must be csv, xlsx, pdf, fhir or json")
	}
	rel, p, err := s.record(ctx, a, bptracker.ActionReadHealth, patientID)
	if err != nil {
		return nil, err
	}
	rs, err := s.allReadings(ctx, patientID, from, to, false)
	if err != nil {
		return nil, err
	}
	if err := s.readAudit(ctx, a, rel, "reading.export", patientID, "", fmt.Sprintf("format=%s count=%d", format, len(rs))); err != nil {
		return nil, err
	}
	sum := bptracker.Summarize(rs, bptracker.SummaryOptions{Guideline: p.Guideline, Target: p.Target, From: from, To: to})
	var buf bytes.Buffer
	switch format {
	case "csv":
		err = exporter.CSV(&buf, rs)
	case "json":
		err = exporter.JSON(&buf, rs)
	case "xlsx":
		err = exporter.XLSX(&buf, rs, sum)
	case "fhir":
		err = exporter.FHIR(&buf, patientID, p.Name, rs)
	case "pdf":
		rep := exporter.Report{PatientName: p.Name, Guideline: p.Guideline, Summary: sum, Readings: rs, Generated: s.cfg.Now()}
		rep.From, rep.To = period(rs, from, to, s.cfg.Now())
		err = exporter.PDF(&buf, rep)
	}
	if err != nil {
		return nil, err
	}
	return &Export{ContentType: t.contentType, Filename: "blood-pressure." + t.ext, Body: buf.Bytes()}, nil
}

// period is the window a report covers: the asked range, or the readings'.
func period(rs []bptracker.Reading, from, to *time.Time, now time.Time) (time.Time, time.Time) {
	f, t := now.AddDate(0, 0, -30), now
	if len(rs) > 0 {
		f, t = rs[len(rs)-1].TakenAt, rs[0].TakenAt.Add(time.Second)
	}
	if from != nil {
		f = *from
	}
	if to != nil {
		t = *to
	}
	return f, t
}

// Archive writes "download all my data": every reading in every format, the
// summary, the grants and the access log, as one zip.
func (s *Service) Archive(ctx context.Context, a *Actor, patientID string, w io.Writer) error {
	rel, p, err := s.record(ctx, a, bptracker.ActionAccessLog, patientID)
	if err != nil {
		return err
	}
	rs, err := s.allReadings(ctx, patientID, nil, nil, false)
	if err != nil {
		return err
	}
	gs, err := s.store.FindGrants(ctx, bptracker.GrantFilter{PatientID: patientID})
	if err != nil {
		return err
	}
	var log []bptracker.AuditEvent
	for f := (bptracker.AuditFilter{PatientID: patientID, Limit: 5000}); ; {
		evs, next, err := s.store.FindAuditEvents(ctx, f)
		if err != nil {
			return err
		}
		for _, e := range evs {
			log = append(log, *e)
		}
		if next == "" {
			break
		}
		f.Cursor = next
	}
	grants := make([]bptracker.Grant, len(gs))
	for i, g := range gs {
		grants[i] = *g
	}
	if err := s.readAudit(ctx, a, rel, "record.archive", patientID, "", fmt.Sprintf("count=%d", len(rs))); err != nil {
		return err
	}
	return exporter.Archive(w, exporter.ArchiveInput{
		PatientID: patientID, PatientName: p.Name, Profile: p, Guideline: p.Guideline, Readings: rs,
		Summary: bptracker.Summarize(rs, bptracker.SummaryOptions{Guideline: p.Guideline, Target: p.Target}),
		Grants:  grants, AccessLog: log, Generated: s.cfg.Now(),
	})
}
