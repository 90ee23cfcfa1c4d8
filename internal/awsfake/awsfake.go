// Package awsfake serves small protocol-level fakes of AWS JSON APIs (the
// "awsJson1_1" protocol: POST /, X-Amz-Target: Service.Operation, JSON
// bodies, errors as {"__type","message"}) for the operations that no local
// emulator here provides: SSM parameters, and Cognito's MFA_SETUP challenge.
// They follow the AWS API references closely enough for the SDK's own
// serialisers and error mapping to run unchanged; they are not emulators.
package awsfake

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Error is an AWS error response.
type Error struct {
	Status  int
	Type    string // e.g. "ParameterNotFound"
	Message string
}

// Op handles one operation: it decodes its input from body and returns the
// output to encode, or an *Error.
type Op func(body []byte) (any, *Error)

// Call is a request the fake received.
type Call struct {
	Target string // e.g. "AmazonSSM.GetParameter"
	Body   []byte
	Signed bool // has a SigV4 Authorization header
}

// Server is an httptest server answering X-Amz-Target operations.
type Server struct {
	*httptest.Server
	prefix string

	mu    sync.Mutex
	ops   map[string]Op
	gets  map[string]http.HandlerFunc
	calls []Call
	lose  map[string]int // answers to lose, by operation
}

// NewServer starts a fake for the target prefix (e.g. "AmazonSSM"), closed
// when the test ends.
func NewServer(tb testing.TB, prefix string) *Server {
	tb.Helper()
	s := &Server{prefix: prefix, ops: map[string]Op{}, gets: map[string]http.HandlerFunc{}, lose: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.Close)
	return s
}

// Handle sets the handler for operation op (e.g. "GetParameter").
func (s *Server) Handle(op string, fn Op) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ops[op] = fn
}

// Handler returns the handler for operation op, or nil: a test can wrap it.
func (s *Server) Handler(op string) Op {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ops[op]
}

// LoseAnswers makes the next n calls of op run and then close the
// connection without an answer, as when an answer is lost on the way.
func (s *Server) LoseAnswers(op string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lose[op] = n
}

// HandleGet serves GET requests for path (e.g. a JWKS document).
func (s *Server) HandleGet(path string, h http.HandlerFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gets[path] = h
}

// Calls returns the requests received so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Targets returns the operation names received so far, in order.
func (s *Server) Targets() []string {
	var out []string
	for _, c := range s.Calls() {
		out = append(out, strings.TrimPrefix(c.Target, s.prefix+"."))
	}
	return out
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		s.mu.Lock()
		h, ok := s.gets[r.URL.Path]
		s.mu.Unlock()
		if ok {
			h(w, r)
			return
		}
	}
	if r.Method != http.MethodPost || r.URL.Path != "/" {
		writeError(w, &Error{Status: 404, Type: "UnknownOperationException", Message: "not found"})
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		writeError(w, &Error{Status: 400, Type: "SerializationException", Message: "unexpected content type " + ct})
		return
	}
	target := r.Header.Get("X-Amz-Target")
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, &Error{Status: 400, Type: "SerializationException", Message: "read body"})
		return
	}
	s.mu.Lock()
	s.calls = append(s.calls, Call{Target: target, Body: body,
		Signed: strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ")})
	name := strings.TrimPrefix(target, s.prefix+".")
	op, ok := s.ops[name]
	lose := s.lose[name] > 0
	if lose {
		s.lose[name]--
	}
	s.mu.Unlock()
	if !ok || !strings.HasPrefix(target, s.prefix+".") {
		writeError(w, &Error{Status: 400, Type: "UnknownOperationException", Message: "unknown operation " + target})
		return
	}
	out, e := op(body)
	if lose {
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	if e != nil {
		writeError(w, e)
		return
	}
	b, err := json.Marshal(out)
	if err != nil {
		writeError(w, &Error{Status: 500, Type: "InternalErrorException", Message: err.Error()})
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Requestid", "fake-request-id")
	w.Write(b)
}

func writeError(w http.ResponseWriter, e *Error) {
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Errortype", e.Type)
	w.Header().Set("X-Amzn-Requestid", "fake-request-id")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"__type": e.Type, "message": e.Message})
}

// decode reads an operation's JSON input, answering SerializationException
// for a malformed body as AWS does.
func decode(body []byte, v any) *Error {
	if err := json.Unmarshal(body, v); err != nil {
		return &Error{Type: "SerializationException", Message: "malformed request body"}
	}
	return nil
}
