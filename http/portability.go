package http

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/importer"
	"github.com/bptracker/bptracker/service"
)

// readUpload reads an import file: the raw request body (the web app sends
// the file as is, so its SHA-256 can be signed), or the "file" part of a
// multipart form.
func readUpload(r *http.Request) ([]byte, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		if err := r.ParseMultipartForm(maxImportBody); err != nil {
			return nil, uploadError(err)
		}
		f, _, err := r.FormFile("file")
		if err != nil {
			return nil, bptracker.Errorf(bptracker.EINVALID, "send the file in a form field named file")
		}
		defer f.Close()
		return io.ReadAll(f)
	}
	body := r.Body
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip":
		// The web app gzips text files: a 10 MB CSV or FHIR bundle then
		// fits Lambda's 6 MB request payload many times over.
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return nil, compressedError(err)
		}
		defer zr.Close()
		body = io.NopCloser(io.LimitReader(zr, importer.MaxInputBytes+1))
	default:
		return nil, bptracker.Errorf(bptracker.EINVALID, "this Content-Encoding is not supported; send the file as is or gzip-compressed")
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return nil, compressedError(err)
	}
	if len(b) > importer.MaxInputBytes {
		return nil, bptracker.Errorf(bptracker.ETOOLARGE, "the file is larger than 10 MB once uncompressed; split it into smaller files")
	}
	if len(b) == 0 {
		return nil, bptracker.Errorf(bptracker.EINVALID, "the file is empty")
	}
	return b, nil
}

// compressedError explains a body that could not be read or decompressed.
func compressedError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return uploadError(err)
	}
	var corrupt flate.CorruptInputError
	if errors.Is(err, gzip.ErrHeader) || errors.Is(err, gzip.ErrChecksum) || errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &corrupt) {
		return bptracker.Errorf(bptracker.EINVALID, "the upload is marked gzip-compressed but is not valid gzip")
	}
	return uploadError(err)
}

func uploadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return bptracker.Errorf(bptracker.ETOOLARGE, "the file is larger than 10 MB; split it into smaller files")
	}
	return bptracker.Errorf(bptracker.EINVALID, "the upload could not be read")
}

func boolParam(r *http.Request, name string) (bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fieldError(name, name+" must be true or false")
	}
	return b, nil
}

func (s *Server) handleImport(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	q := r.URL.Query()
	dry, err := boolParam(r, "dry_run")
	if err != nil {
		return err
	}
	valid, err := boolParam(r, "valid_rows")
	if err != nil {
		return err
	}
	data, err := readUpload(r)
	if err != nil {
		return err
	}
	res, err := s.svc.Import(r.Context(), a, patientID(r, a), data, service.ImportOptions{
		DryRun: dry, ValidRows: valid, DateOrder: q.Get("date_order"), TimeZone: q.Get("tz"), Format: q.Get("format"), Async: true})
	if err != nil && res != nil {
		// Rows were rejected and nothing imported: the error comes with the
		// report of the rejected rows.
		return &withResult{err, res}
	} else if err != nil {
		return err
	}
	status := http.StatusOK
	switch {
	case res.Job != nil:
		status = http.StatusAccepted // POST …/imports/{id}/continue until done
	case res.Imported > 0:
		status = http.StatusCreated
	}
	return writeJSON(w, status, res)
}

func (s *Server) handleImportJobs(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	jobs, err := s.svc.ImportJobs(r.Context(), a, patientID(r, a))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"jobs": jobs})
}

func (s *Server) handleImportJob(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	v, err := s.svc.ImportJob(r.Context(), a, patientID(r, a), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"job": v})
}

// continueBudget keeps a step (plus the chunk it is writing, which a
// throttled free-tier table can stretch to seconds) inside the function's
// 25-second timeout and CloudFront's 30-second origin wait.
const continueBudget = 8 * time.Second

func (s *Server) handleContinueImport(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	v, err := s.svc.ContinueImport(r.Context(), a, patientID(r, a), r.PathValue("id"), continueBudget)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"job": v})
}

func (s *Server) handleExport(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	from, to, err := rangeParams(r, a)
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "csv"
	}
	ex, err := s.svc.Export(r.Context(), a, patientID(r, a), format, from, to)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ex.ContentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+ex.Filename+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(ex.Body)))
	_, err = w.Write(ex.Body)
	return err
}

func (s *Server) handleArchive(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	// Build it whole first, so a failure answers an error rather than a
	// truncated zip.
	var buf bytes.Buffer
	if err := s.svc.Archive(r.Context(), a, patientID(r, a), &buf); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="my-blood-pressure-data.zip"`)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	_, err := w.Write(buf.Bytes())
	return err
}
