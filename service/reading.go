package service

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/bptracker/bptracker"
)

// readingBody is the sealed part of a reading: every health field, with
// short keys to keep the stored item small.
type readingBody struct {
	TakenAt   string             `json:"t"`
	Systolic  int                `json:"s"`
	Diastolic int                `json:"d"`
	Pulse     *int               `json:"p,omitempty"`
	Arm       bptracker.Arm      `json:"a,omitempty"`
	Position  bptracker.Position `json:"o,omitempty"`
	Irregular bool               `json:"i,omitempty"`
	Note      string             `json:"n,omitempty"`
	Tags      []string           `json:"g,omitempty"`
	Source    bptracker.Source   `json:"src"`
	SessionID string             `json:"ss,omitempty"`
	CreatedBy string             `json:"cb"`
	CreatedAt time.Time          `json:"ca"`

	takenAt time.Time // set instead of TakenAt by decodeBody and sealReading; see time()
}

func (s *Service) sealReading(ctx context.Context, r *bptracker.Reading) (*bptracker.ReadingRecord, error) {
	body := readingBody{
		takenAt: r.TakenAt, Systolic: r.Systolic, Diastolic: r.Diastolic, Pulse: r.Pulse,
		Arm: r.Arm, Position: r.Position, Irregular: r.IrregularHeartbeat, Note: r.Note, Tags: r.Tags,
		Source: r.Source, SessionID: r.SessionID, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt,
	}
	plain, err := encodeBody(&body)
	if err != nil {
		return nil, err
	}
	sealed, err := s.keys.Seal(ctx, r.PatientID, fieldReading, plain)
	if err != nil {
		return nil, err
	}
	return &bptracker.ReadingRecord{ID: r.ID, PatientID: r.PatientID, TakenAt: r.TakenAt.UTC(), Version: r.Version,
		Deleted: r.Deleted, Sealed: sealed, UpdatedBy: r.UpdatedBy, UpdatedAt: r.UpdatedAt}, nil
}

func (s *Service) openReading(ctx context.Context, rec *bptracker.ReadingRecord) (*bptracker.Reading, error) {
	r := new(bptracker.Reading)
	return r, s.openInto(ctx, rec, r)
}

// openInto opens rec into r, which a page of readings allocates together.
func (s *Service) openInto(ctx context.Context, rec *bptracker.ReadingRecord, r *bptracker.Reading) error {
	var b readingBody
	plain, err := s.keys.Open(ctx, rec.PatientID, fieldReading, rec.Sealed)
	if err != nil {
		return err
	}
	if err := decodeBody(plain, &b); err != nil {
		return fmt.Errorf("reading %s: %w", rec.ID, err)
	}
	t, err := b.time()
	if err != nil {
		return fmt.Errorf("reading %s: stored time: %w", rec.ID, err)
	}
	*r = bptracker.Reading{
		ID: rec.ID, PatientID: rec.PatientID, TakenAt: t, Systolic: b.Systolic, Diastolic: b.Diastolic, Pulse: b.Pulse,
		Arm: b.Arm, Position: b.Position, IrregularHeartbeat: b.Irregular, Note: b.Note, Tags: b.Tags, Source: b.Source,
		SessionID: b.SessionID, CreatedBy: b.CreatedBy, CreatedAt: b.CreatedAt, UpdatedBy: rec.UpdatedBy,
		UpdatedAt: rec.UpdatedAt, Version: rec.Version, Deleted: rec.Deleted,
	}
	return nil
}

// ReadingView is a reading as the API shows it, with its classification.
type ReadingView struct {
	bptracker.Reading
	Category      bptracker.Category `json:"category"`
	CategoryLabel string             `json:"category_label"`
	Severe        bool               `json:"severe"`
	Advice        string             `json:"advice,omitempty"`
}

func view(r *bptracker.Reading, g bptracker.Guideline) *ReadingView {
	v := &ReadingView{Reading: *r}
	v.classify(g)
	return v
}

// classify sets the view's category under guideline g.
func (v *ReadingView) classify(g bptracker.Guideline) {
	r := &v.Reading
	v.Category = bptracker.Classify(g, r.Systolic, r.Diastolic)
	v.CategoryLabel, v.Severe = v.Category.Label(), bptracker.IsSevere(r.Systolic, r.Diastolic)
	if v.Severe {
		v.Advice = bptracker.SevereAdvice
	}
}

// ReadingInput is a new reading as a person or an import enters it.
type ReadingInput struct {
	TakenAt            string             `json:"taken_at"`
	Systolic           int                `json:"systolic"`
	Diastolic          int                `json:"diastolic"`
	Pulse              *int               `json:"pulse"`
	Arm                bptracker.Arm      `json:"arm"`
	Position           bptracker.Position `json:"position"`
	IrregularHeartbeat bool               `json:"irregular_heartbeat"`
	Note               string             `json:"note"`
	Tags               []string           `json:"tags"`
	SessionID          string             `json:"session_id"`
	Source             bptracker.Source   `json:"source"`
}

// ParseDayOrTime reads the bound of a range: a day (YYYY-MM-DD, from
// midnight in loc) or a time as ParseTime reads it.
func ParseDayOrTime(field, v string, loc *time.Location) (time.Time, error) {
	if d, err := time.ParseInLocation("2006-01-02", v, loc); err == nil {
		return d, nil
	}
	return ParseTime(field, v, loc)
}

// ParseTime reads an RFC 3339 time; a time with no offset is taken in loc
// (the patient's zone). It answers a field error for "taken_at".
func ParseTime(field, v string, loc *time.Location) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t, nil
		}
	}
	msg := field + " must be a date and time like 2026-01-31T08:15:00+01:00"
	return time.Time{}, &bptracker.Error{Code: bptracker.EINVALID, Message: msg, Fields: map[string]string{field: msg}}
}

func (s *Service) location(u *bptracker.User) *time.Location { return Location(u.TimeZone) }

// locations caches time zones by name: time.LoadLocation reads and parses
// the zone's file on every call. Only names that load are kept, so the
// cache is bounded by the time zone database.
var locations sync.Map

// Location is the named time zone (a user's), UTC when it does not load.
func Location(name string) *time.Location {
	if loc, ok := locations.Load(name); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	locations.Store(name, loc)
	return loc
}

// record decides the action on the patient's record and loads the patient
// (for time zone, guideline and target): the start of every health method.
func (s *Service) record(ctx context.Context, a *Actor, action bptracker.Action, patientID string) (bptracker.Relation, *bptracker.User, error) {
	rel, err := s.authorize(ctx, a, action, patientID)
	if err != nil {
		return rel, nil, err
	}
	p, err := s.patient(ctx, a, patientID)
	return rel, p, err
}

// patient loads the patient's account, for time zone and guideline.
func (s *Service) patient(ctx context.Context, a *Actor, patientID string) (*bptracker.User, error) {
	if a != nil && a.User.ID == patientID && a.User.Status == bptracker.UserActive {
		return a.User, nil // the caller's own record, loaded with the session
	}
	_, u, _, err := s.findUser(ctx, patientID)
	if bptracker.ErrorCode(err) == bptracker.ENOTFOUND {
		return nil, notFound()
	}
	return u, err
}

// newReading builds and validates a reading from input.
func (s *Service) newReading(a *Actor, p *bptracker.User, in ReadingInput) (*bptracker.Reading, error) {
	now := s.cfg.Now()
	t, err := ParseTime("taken_at", in.TakenAt, s.location(p))
	if err != nil {
		return nil, err
	}
	if in.Source == "" {
		in.Source = bptracker.SourceManual
	}
	if in.Pulse != nil && *in.Pulse == 0 {
		in.Pulse = nil
	}
	r := &bptracker.Reading{
		ID: s.cfg.NewID(), PatientID: p.ID, TakenAt: t, Systolic: in.Systolic, Diastolic: in.Diastolic, Pulse: in.Pulse,
		Arm: in.Arm, Position: in.Position, IrregularHeartbeat: in.IrregularHeartbeat, Note: in.Note, Tags: in.Tags,
		Source: in.Source, SessionID: in.SessionID, CreatedBy: a.User.ID, UpdatedBy: a.User.ID,
		CreatedAt: now.UTC(), UpdatedAt: now.UTC(), Version: 1,
	}
	return r, r.Validate(now)
}

// CreateReading records a reading on the patient's record.
func (s *Service) CreateReading(ctx context.Context, a *Actor, patientID string, in ReadingInput) (*ReadingView, error) {
	rel, p, err := s.record(ctx, a, bptracker.ActionWriteHealth, patientID)
	if err != nil {
		return nil, err
	}
	r, err := s.newReading(a, p, in)
	if err != nil {
		return nil, err
	}
	rec, err := s.sealReading(ctx, r)
	if err != nil {
		return nil, err
	}
	ev := s.event(a, a.Request, "reading.create", patientID, r.ID, bptracker.OutcomeSuccess)
	ev.Via = rel.Via()
	if err := s.store.CreateReadings(ctx, []*bptracker.ReadingRecord{rec}, ev); err != nil {
		return nil, err
	}
	return view(r, p.Guideline), nil
}

// readAudit writes the audit event of a read before its data is returned.
func (s *Service) readAudit(ctx context.Context, a *Actor, rel bptracker.Relation, action, patientID, resourceID, detail string) error {
	ev := s.event(a, a.Request, action, patientID, resourceID, bptracker.OutcomeSuccess)
	ev.Via, ev.Detail = rel.Via(), detail
	return s.audit(ctx, ev)
}

// FindReading returns one reading.
func (s *Service) FindReading(ctx context.Context, a *Actor, patientID, id string) (*ReadingView, error) {
	rel, p, err := s.record(ctx, a, bptracker.ActionReadHealth, patientID)
	if err != nil {
		return nil, err
	}
	rec, err := s.store.FindReadingByID(ctx, patientID, id)
	if err != nil {
		return nil, err
	}
	if rec.Deleted {
		return nil, notFound()
	}
	r, err := s.openReading(ctx, rec)
	if err != nil {
		return nil, err
	}
	if err := s.readAudit(ctx, a, rel, "reading.read", patientID, id, ""); err != nil {
		return nil, err
	}
	return view(r, p.Guideline), nil
}

// FindReadings returns a page of readings, newest first.
func (s *Service) FindReadings(ctx context.Context, a *Actor, f bptracker.ReadingFilter) ([]*ReadingView, string, error) {
	rel, p, err := s.record(ctx, a, bptracker.ActionReadHealth, f.PatientID)
	if err != nil {
		return nil, "", err
	}
	f.WithDeleted = false
	recs, next, err := s.store.FindReadings(ctx, f)
	if err != nil {
		return nil, "", err
	}
	views := make([]ReadingView, len(recs)) // one allocation for the page
	out := make([]*ReadingView, len(recs))
	for i, rec := range recs {
		v := &views[i]
		if err := s.openInto(ctx, rec, &v.Reading); err != nil {
			return nil, "", err
		}
		v.classify(p.Guideline)
		out[i] = v
	}
	if err := s.readAudit(ctx, a, rel, "reading.list", f.PatientID, "", fmt.Sprintf("count=%d", len(out))); err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// allReadings loads every live reading of the patient in [from, to).
func (s *Service) allReadings(ctx context.Context, patientID string, from, to *time.Time, withDeleted bool) ([]bptracker.Reading, error) {
	var out []bptracker.Reading
	f := bptracker.ReadingFilter{PatientID: patientID, From: from, To: to, Limit: 1000, WithDeleted: withDeleted}
	for {
		recs, next, err := s.store.FindReadings(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, rec := range recs {
			r, err := s.openReading(ctx, rec)
			if err != nil {
				return nil, err
			}
			out = append(out, *r)
		}
		if next == "" {
			return out, nil
		}
		f.Cursor = next
	}
}

// UpdateReading changes a reading if its version is still u.Version.
func (s *Service) UpdateReading(ctx context.Context, a *Actor, patientID, id string, u bptracker.ReadingUpdate) (*ReadingView, error) {
	return s.changeReading(ctx, a, patientID, id, u.Version, "reading.update", func(r bptracker.Reading) bptracker.Reading { return u.Apply(r) })
}

// DeleteReading leaves a tombstone; the history keeps what it was. version
// 0 deletes whatever version is current.
func (s *Service) DeleteReading(ctx context.Context, a *Actor, patientID, id string, version int) error {
	_, err := s.changeReading(ctx, a, patientID, id, version, "reading.delete", func(r bptracker.Reading) bptracker.Reading {
		r.Deleted = true
		return r
	})
	return err
}

func (s *Service) changeReading(ctx context.Context, a *Actor, patientID, id string, version int, action string, change func(bptracker.Reading) bptracker.Reading) (*ReadingView, error) {
	rel, p, err := s.record(ctx, a, bptracker.ActionWriteHealth, patientID)
	if err != nil {
		return nil, err
	}
	rec, err := s.store.FindReadingByID(ctx, patientID, id)
	if err != nil {
		return nil, err
	}
	if rec.Deleted {
		return nil, notFound()
	}
	if version == 0 && action == "reading.delete" {
		version = rec.Version
	}
	if version != rec.Version {
		return nil, &bptracker.Error{Code: bptracker.ECONFLICT, Message: fmt.Sprintf("the reading was changed since you loaded it (version %d is current); reload and try again", rec.Version)}
	}
	old, err := s.openReading(ctx, rec)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Now()
	r := change(*old)
	r.ID, r.PatientID, r.CreatedBy, r.CreatedAt = old.ID, old.PatientID, old.CreatedBy, old.CreatedAt
	r.Version, r.UpdatedBy, r.UpdatedAt = rec.Version+1, a.User.ID, now.UTC()
	if !r.Deleted {
		if err := r.Validate(now); err != nil {
			return nil, err
		}
	}
	nrec, err := s.sealReading(ctx, &r)
	if err != nil {
		return nil, err
	}
	ev := s.event(a, a.Request, action, patientID, id, bptracker.OutcomeSuccess)
	ev.Via, ev.Detail = rel.Via(), fmt.Sprintf("version=%d", r.Version)
	if err := s.store.UpdateReading(ctx, nrec, ev); err != nil {
		return nil, err
	}
	return view(&r, p.Guideline), nil
}

// Summary returns the statistics of the patient's readings in [from, to).
func (s *Service) Summary(ctx context.Context, a *Actor, patientID string, from, to *time.Time) (*bptracker.Summary, error) {
	rel, p, err := s.record(ctx, a, bptracker.ActionReadHealth, patientID)
	if err != nil {
		return nil, err
	}
	rs, err := s.allReadings(ctx, patientID, from, to, false)
	if err != nil {
		return nil, err
	}
	if err := s.readAudit(ctx, a, rel, "summary.read", patientID, "", fmt.Sprintf("count=%d", len(rs))); err != nil {
		return nil, err
	}
	sum := bptracker.Summarize(rs, bptracker.SummaryOptions{Guideline: p.Guideline, Target: p.Target, From: from, To: to})
	return &sum, nil
}

// HomeReport returns the 7-day home monitoring report ending at end.
func (s *Service) HomeReport(ctx context.Context, a *Actor, patientID string, end time.Time) (*bptracker.HomeReport, error) {
	rel, p, err := s.record(ctx, a, bptracker.ActionReadHealth, patientID)
	if err != nil {
		return nil, err
	}
	end = end.In(s.location(p))
	from := end.AddDate(0, 0, -8)
	to := end.Add(time.Second)
	rs, err := s.allReadings(ctx, patientID, &from, &to, false)
	if err != nil {
		return nil, err
	}
	if err := s.readAudit(ctx, a, rel, "home_report.read", patientID, "", fmt.Sprintf("count=%d", len(rs))); err != nil {
		return nil, err
	}
	rep := bptracker.BuildHomeReport(rs, end, p.Guideline)
	return &rep, nil
}
