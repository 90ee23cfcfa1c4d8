package http

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/service"
)

// patientID reads {pid}; "me" is the caller's own record.
func patientID(r *http.Request, a *service.Actor) string {
	if pid := r.PathValue("pid"); pid != "me" {
		return pid
	}
	return a.User.ID
}

// timeParam reads an optional RFC 3339 time (or a date) from the query.
func timeParam(r *http.Request, name string, loc *time.Location) (*time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return nil, nil
	}
	t, err := service.ParseDayOrTime(name, v, loc)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

func intParam(r *http.Request, name string, min, max int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		msg := name + " must be a whole number from " + strconv.Itoa(min) + " to " + strconv.Itoa(max)
		return 0, &bptracker.Error{Code: bptracker.EINVALID, Message: msg, Fields: map[string]string{name: msg}}
	}
	return n, nil
}

// rangeParams reads the optional from and to of a query, in the caller's
// time zone when they carry no offset.
func rangeParams(r *http.Request, a *service.Actor) (from, to *time.Time, err error) {
	loc := callerLocation(a)
	if from, err = timeParam(r, "from", loc); err != nil {
		return nil, nil, err
	}
	to, err = timeParam(r, "to", loc)
	return from, to, err
}

func callerLocation(a *service.Actor) *time.Location { return service.Location(a.User.TimeZone) }

func (s *Server) handleCreateReading(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	var in service.ReadingInput
	if err := decode(r, &in); err != nil {
		return err
	}
	rv, err := s.svc.CreateReading(r.Context(), a, patientID(r, a), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, rv)
}

func (s *Server) handleFindReadings(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	from, to, err := rangeParams(r, a)
	if err != nil {
		return err
	}
	n, err := intParam(r, "limit", 1, 1000)
	if err != nil {
		return err
	}
	f := bptracker.ReadingFilter{PatientID: patientID(r, a), From: from, To: to, Limit: n, Cursor: r.URL.Query().Get("cursor")}
	list, next, err := s.svc.FindReadings(r.Context(), a, f)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	bp := pageBuffers.Get().(*[]byte)
	b := appendReadings((*bp)[:0], list, next)
	_, err = w.Write(b)
	// Health data stays in the buffer until the next page overwrites it:
	// clear it before it goes back (and drop buffers grown by a huge page).
	if cap(b) <= 1<<20 {
		clear(b)
		*bp = b
		pageBuffers.Put(bp)
	}
	return err
}

// pageBuffers recycles the buffers reading pages are encoded into: growing
// a fresh ~150 KB buffer for each page was a tenth of a history read.
var pageBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

func (s *Server) handleFindReading(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	rv, err := s.svc.FindReading(r.Context(), a, patientID(r, a), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rv)
}

func (s *Server) handleUpdateReading(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	var in bptracker.ReadingUpdate
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.Version < 1 {
		msg := "version is required: send the version you loaded"
		return &bptracker.Error{Code: bptracker.EINVALID, Message: msg, Fields: map[string]string{"version": msg}}
	}
	rv, err := s.svc.UpdateReading(r.Context(), a, patientID(r, a), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rv)
}

func (s *Server) handleDeleteReading(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	v, err := intParam(r, "version", 1, 1<<30)
	if err != nil {
		return err
	}
	if err := s.svc.DeleteReading(r.Context(), a, patientID(r, a), r.PathValue("id"), v); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleSummary(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	from, to, err := rangeParams(r, a)
	if err != nil {
		return err
	}
	sum, err := s.svc.Summary(r.Context(), a, patientID(r, a), from, to)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, sum)
}

func (s *Server) handleHomeReport(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	end, err := timeParam(r, "end", callerLocation(a))
	if err != nil {
		return err
	}
	if end == nil {
		now := time.Now()
		end = &now
	}
	rep, err := s.svc.HomeReport(r.Context(), a, patientID(r, a), *end)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rep)
}
