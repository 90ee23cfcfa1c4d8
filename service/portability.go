package service

import (
	"bytes"
	"context"
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
}

// ImportResult says what an import did (or, dry, would do).
type ImportResult struct {
	Format      string               `json:"format"`
	DryRun      bool                 `json:"dry_run"`
	WouldImport int                  `json:"would_import"`
	Imported    int                  `json:"imported"`
	Duplicates  int                  `json:"duplicates"`
	Rejected    []importer.Rejection `json:"rejected"`
}

// Import reads a file of readings onto the patient's record: all of it or
// nothing, unless ValidRows. Readings already stored (same time and values)
// are skipped. Every import, dry or not, is audited with its counts.
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
	case opt.DryRun:
		return res, s.audit(ctx, ev)
	case len(res.Rejected) > 0 && !opt.ValidRows:
		ev.Outcome = bptracker.OutcomeFailure
		if err := s.audit(ctx, ev); err != nil {
			return nil, err
		}
		return res, &bptracker.Error{Code: bptracker.EINVALID, Message: fmt.Sprintf("%d rows could not be read, so nothing was imported; fix them, or choose to import the valid rows", len(res.Rejected))}
	case len(recs) == 0:
		return res, s.audit(ctx, ev)
	}
	if err := s.store.CreateReadings(ctx, recs, ev); err != nil {
		return nil, err
	}
	res.Imported = len(recs)
	return res, nil
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
