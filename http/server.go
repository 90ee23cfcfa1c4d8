// Package http is the JSON API and the web app's file server: one
// http.Handler, served by the local server and by the Lambda entry alike.
// Every route, and the action it performs, is in routes.go.
package http

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/service"
)

// Cookie names: the __Host- prefix makes browsers insist on Secure, Path=/
// and no Domain, so no subdomain can plant or read them.
const (
	SessionCookie = "__Host-bpt_session"
	PendingCookie = "__Host-bpt_pending"
)

// Body limits.
const (
	maxJSONBody   = 64 << 10
	maxImportBody = 11 << 20 // the importers refuse over 10 MiB with a clear message
)

// Server holds the handler's dependencies.
type Server struct {
	svc    *service.Service
	log    *slog.Logger
	web    fs.FS // the built web app; nil serves the API alone
	mux    *http.ServeMux
	limit  *limiter
	extras []Route

	publicURL          *url.URL
	trustForwardedHost bool
	signinLimit        int
}

// DefaultSignInLimit is how many sign-in, MFA, invitation and reset
// requests one source address may make a minute.
const DefaultSignInLimit = 30

// Options configure NewServer.
type Options struct {
	Logger *slog.Logger
	Web    fs.FS // web app files (index.html at the root), optional
	// Routes adds routes (import/export, AWS-only endpoints) to the table.
	Routes []Route
	// PublicURL is the address people reach the app at (https://bp.example.org);
	// links in invitations and reset mails are built on it.
	PublicURL *url.URL
	// TrustForwardedHost takes X-Forwarded-Host as the public address: only
	// behind CloudFront with the origin check on, where CloudFront sets it.
	TrustForwardedHost bool
	// SignInLimit overrides DefaultSignInLimit (tests that sign many users
	// in from one address).
	SignInLimit int
}

// NewServer returns the application's handler.
func NewServer(svc *service.Service, opt Options) http.Handler {
	return New(svc, opt).Handler()
}

// New returns the server, whose Routes tests and documentation read.
func New(svc *service.Service, opt Options) *Server {
	return &Server{svc: svc, log: opt.Logger, web: opt.Web, mux: http.NewServeMux(), extras: opt.Routes,
		publicURL: opt.PublicURL, trustForwardedHost: opt.TrustForwardedHost, signinLimit: opt.SignInLimit}
}

// Handler builds the handler: routes, fallbacks, CSRF refusal, middleware.
func (s *Server) Handler() http.Handler {
	if s.log == nil {
		s.log = slog.Default()
	}
	n := s.signinLimit
	if n <= 0 {
		n = DefaultSignInLimit
	}
	s.limit = newLimiter(s.svc.Config().Now, n, time.Minute)
	for _, r := range s.routes() {
		s.mux.Handle(r.Pattern, s.wrapRoute(r))
	}
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, bptracker.Errorf(bptracker.ENOTFOUND, "no such API endpoint"))
	})
	s.mux.HandleFunc("/", s.serveWeb)
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, bptracker.Errorf(bptracker.EFORBIDDEN, "cross-site requests are refused"))
	}))
	return s.middleware(cop.Handler(s.mux))
}

// Route is one endpoint: its pattern, the action it performs (which the
// authorization matrix test reads) and its handler.
type Route struct {
	Pattern string
	Action  bptracker.Action
	Handle  func(w http.ResponseWriter, r *http.Request, a *service.Actor) error
	// Public routes run without a session (a is nil).
	Public bool
	// NoTouch routes do not count as activity for the idle timeout.
	NoTouch bool
	// MaxBody overrides the JSON body limit.
	MaxBody int64
}

// Routes returns the route table, for tests and documentation.
func (s *Server) Routes() []Route { return s.routes() }

type ctxKey int

const reqInfoKey ctxKey = 0

// requestInfo is what the audit trail records of a request.
func requestInfo(r *http.Request) service.Request {
	if v, ok := r.Context().Value(reqInfoKey).(service.Request); ok {
		return v
	}
	return service.Request{}
}

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// middleware adds request ids, security headers, panic recovery and the
// access log (ids and route patterns only, never bodies or queries).
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !requestIDPattern.MatchString(id) {
			b := make([]byte, 12)
			rand.Read(b)
			id = hex.EncodeToString(b)
		}
		ip := r.RemoteAddr
		if h, _, err := net.SplitHostPort(ip); err == nil {
			ip = h
		}
		info := service.Request{SourceIP: ip, UserAgent: r.UserAgent(), RequestID: id}
		r = r.WithContext(context.WithValue(r.Context(), reqInfoKey, info))
		h := w.Header()
		h.Set("X-Request-Id", id)
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		if strings.HasPrefix(r.URL.Path, "/api/") || r.URL.Path == "/healthz" {
			h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
			h.Set("Cache-Control", "no-store")
		} else {
			h.Set("Content-Security-Policy", AppCSP)
		}
		sw := &statusWriter{ResponseWriter: w, status: 200}
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("panic", "request_id", id, "panic", fmt.Sprint(p))
				writeError(sw, r, errors.New("panic"))
			}
			s.log.Info("request", "method", r.Method, "route", r.Pattern, "status", sw.status,
				"ms", time.Since(start).Milliseconds(), "request_id", id)
		}()
		next.ServeHTTP(sw, r)
	})
}

// AppCSP is the web app's Content Security Policy: no inline script or style.
const AppCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
	"font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// wrapRoute authenticates (unless public), rate-limits sign-in routes,
// limits the body and maps errors.
func (s *Server) wrapRoute(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		maxBody := rt.MaxBody
		if maxBody == 0 {
			maxBody = maxJSONBody
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		info := requestInfo(r)
		var a *service.Actor
		if rt.Public {
			if rt.Action == actionSignIn && !s.limit.allow(info.SourceIP) {
				writeError(w, r, bptracker.Errorf(bptracker.ERATELIMIT, "too many attempts from your address; wait a minute"))
				return
			}
		} else {
			c, _ := r.Cookie(SessionCookie)
			tok := ""
			if c != nil {
				tok = c.Value
			}
			var err error
			if a, err = s.svc.Authenticate(r.Context(), info, tok, !rt.NoTouch); err != nil {
				writeError(w, r, err)
				return
			}
			// The route's action is decided before the handler runs: for the
			// {pid} of the path by the policy, otherwise by role.
			if strings.Contains(rt.Pattern, "{pid}") {
				ctx, err := s.svc.Authorize(r.Context(), a, rt.Action, patientID(r, a))
				if err != nil {
					writeError(w, r, err)
					return
				}
				r = r.WithContext(ctx)
			} else if !bptracker.DecideService(a.User.Role, rt.Action) {
				writeError(w, r, bptracker.Errorf(bptracker.EFORBIDDEN, "your role does not allow this"))
				return
			}
		}
		if err := rt.Handle(w, r, a); err != nil {
			writeError(w, r, err)
		}
	})
}

// actionSignIn marks the routes that the per-address rate limit guards.
const actionSignIn = bptracker.Action("signin")

// status maps error codes to HTTP statuses: the one table.
var status = map[string]int{
	bptracker.EINVALID:        http.StatusBadRequest,
	bptracker.EUNAUTHORIZED:   http.StatusUnauthorized,
	bptracker.EFORBIDDEN:      http.StatusForbidden,
	bptracker.ENOTFOUND:       http.StatusNotFound,
	bptracker.ECONFLICT:       http.StatusConflict,
	bptracker.ETOOLARGE:       http.StatusRequestEntityTooLarge,
	bptracker.ELOCKED:         http.StatusLocked,
	bptracker.ERATELIMIT:      http.StatusTooManyRequests,
	bptracker.ENOTIMPLEMENTED: http.StatusNotImplemented,
	bptracker.EINTERNAL:       http.StatusInternalServerError,
}

type errorBody struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields,omitempty"`
	} `json:"error"`
	// Result is what a partly done request has to report beside its error
	// (an import's rejected rows): see withResult.
	Result any `json:"result,omitempty"`
}

// withResult is an error that answers with a result beside it.
type withResult struct {
	error
	result any
}

func (e *withResult) Unwrap() error { return e.error }

// writeError answers with the error's code and message; internal errors are
// logged with the request id and shown only as "internal error".
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := bptracker.ErrorCode(err)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err, code = bptracker.Errorf(bptracker.ETOOLARGE, "the request body is larger than %d bytes", mbe.Limit), bptracker.ETOOLARGE
	}
	if code == bptracker.EINTERNAL {
		slog.Error("internal error", "request_id", requestInfo(r).RequestID, "route", r.Pattern, "err", err)
	}
	var body errorBody
	body.Error.Code, body.Error.Message, body.Error.Fields = code, bptracker.ErrorMessage(err), bptracker.ErrorFields(err)
	if wr := (*withResult)(nil); errors.As(err, &wr) {
		body.Result = wr.result
	}
	st := status[code]
	if st == 0 {
		st = http.StatusInternalServerError
	}
	writeJSON(w, st, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// decode reads a JSON body strictly: unknown fields, trailing data and
// wrong types are errors with a message naming the field.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return bptracker.Errorf(bptracker.EINVALID, "the request body must hold one JSON object and nothing after it")
	}
	return nil
}

func jsonError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return err
	case errors.Is(err, io.EOF):
		return bptracker.Errorf(bptracker.EINVALID, "the request body is empty; send a JSON object")
	case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF):
		return bptracker.Errorf(bptracker.EINVALID, "the request body is not valid JSON")
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			return bptracker.Errorf(bptracker.EINVALID, "the request body must be a JSON object")
		}
		msg := fmt.Sprintf("%s must be %s", field, jsonKind(te.Type.Kind().String()))
		return &bptracker.Error{Code: bptracker.EINVALID, Message: msg, Fields: map[string]string{field: msg}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		msg := "unknown field " + name
		return &bptracker.Error{Code: bptracker.EINVALID, Message: msg, Fields: map[string]string{name: "unknown field"}}
	}
	// Other decoding errors (a bad time inside a struct…) carry no input.
	return bptracker.Errorf(bptracker.EINVALID, "the request body has a value of the wrong form")
}

func jsonKind(k string) string {
	switch k {
	case "int", "int64", "int32", "float64":
		return "a whole number"
	case "string":
		return "text"
	case "bool":
		return "true or false"
	case "slice":
		return "a list"
	}
	return "of another type"
}
