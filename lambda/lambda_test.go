package lambda_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/bptracker/bptracker/lambda"
)

// seen is what the test handler reports about the request it got.
type seen struct {
	Method     string              `json:"method"`
	Path       string              `json:"path"`
	RawQuery   string              `json:"raw_query"`
	Query      map[string][]string `json:"query"`
	Cookies    map[string]string   `json:"cookies"`
	RemoteAddr string              `json:"remote_addr"`
	RequestID  string              `json:"request_id"`
	Host       string              `json:"host"`
	UserAgent  string              `json:"user_agent"`
	Verify     string              `json:"verify"`
	Length     int64               `json:"length"`
}

// testHandler is a small stand-in for the service's handler.
func testHandler(tb testing.TB) http.Handler {
	tb.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		s := seen{
			Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Query: r.URL.Query(),
			Cookies: map[string]string{}, RemoteAddr: r.RemoteAddr, RequestID: r.Header.Get("X-Request-Id"),
			Host: r.Host, UserAgent: r.UserAgent(), Verify: r.Header.Get("X-Origin-Verify"), Length: r.ContentLength,
		}
		for _, c := range r.Cookies() {
			s.Cookies[c.Name] = c.Value
		}
		http.SetCookie(w, &http.Cookie{Name: "__Host-sid", Value: "abc", Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
		http.SetCookie(w, &http.Cookie{Name: "theme", Value: "dark", Path: "/"})
		w.Header().Add("Vary", "Cookie")
		w.Header().Add("Vary", "Origin")
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(s)
	})
	// Echoes the body back with the request's content type.
	mux.HandleFunc("POST /mirror", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "read", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", r.Header.Get("Content-Type"))
		w.Write(b)
	})
	// Writes n bytes of the given type in small chunks.
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		w.Header().Set("Content-Type", r.URL.Query().Get("type"))
		chunk := bytes.Repeat([]byte("a"), 4096)
		for n > 0 {
			k := min(n, len(chunk))
			w.Write(chunk[:k])
			n -= k
		}
	})
	mux.HandleFunc("/untyped", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("%PDF-1.7\n\x00\x01\x02"))
	})
	return mux
}

func event(method, path, query string) events.APIGatewayV2HTTPRequest {
	return events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "$default", RawPath: path, RawQueryString: query,
		Headers: map[string]string{"host": "abc.lambda-url.eu-west-2.on.aws", "user-agent": "test-agent"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RequestID:  "req-123",
			DomainName: "abc.lambda-url.eu-west-2.on.aws",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: method, Path: path, Protocol: "HTTP/1.1", SourceIP: "203.0.113.9", UserAgent: "test-agent",
			},
		},
	}
}

func invoke(tb testing.TB, h lambda.Handler, ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	tb.Helper()
	// Through JSON both ways, as the Lambda runtime does.
	in, err := json.Marshal(ev)
	if err != nil {
		tb.Fatal(err)
	}
	var dec events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(in, &dec); err != nil {
		tb.Fatal(err)
	}
	resp, err := h(context.Background(), dec)
	if err != nil {
		tb.Fatalf("handler error: %v", err)
	}
	out, err := json.Marshal(resp)
	if err != nil {
		tb.Fatal(err)
	}
	var got events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &got); err != nil {
		tb.Fatal(err)
	}
	return got
}

func decodeSeen(tb testing.TB, resp events.APIGatewayV2HTTPResponse) seen {
	tb.Helper()
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("status: got %d, want 200 (body %s)", resp.StatusCode, resp.Body)
	}
	if resp.IsBase64Encoded {
		tb.Fatalf("JSON response base64-encoded")
	}
	var s seen
	if err := json.Unmarshal([]byte(resp.Body), &s); err != nil {
		tb.Fatalf("body: %v", err)
	}
	return s
}

type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func decodeError(tb testing.TB, resp events.APIGatewayV2HTTPResponse, status int, code string) apiError {
	tb.Helper()
	if resp.StatusCode != status {
		tb.Fatalf("status: got %d, want %d", resp.StatusCode, status)
	}
	if got, want := resp.Headers["Content-Type"], "application/json"; got != want {
		tb.Errorf("content type: got %q, want %q", got, want)
	}
	var e apiError
	if err := json.Unmarshal([]byte(resp.Body), &e); err != nil {
		tb.Fatalf("error body %q: %v", resp.Body, err)
	}
	if e.Error.Code != code {
		tb.Errorf("error code: got %q, want %q", e.Error.Code, code)
	}
	if e.Error.Message == "" {
		tb.Errorf("error message empty")
	}
	return e
}

func TestRequestFields(t *testing.T) {
	h := lambda.NewHandler(testHandler(t), lambda.Options{})
	ev := event("GET", "/echo", "")
	ev.Headers["x-request-id"] = "spoofed"
	s := decodeSeen(t, invoke(t, h, ev))
	if got, want := s.Method, "GET"; got != want {
		t.Errorf("method: got %q, want %q", got, want)
	}
	if got, want := s.RemoteAddr, "203.0.113.9:0"; got != want {
		t.Errorf("remote addr: got %q, want %q", got, want)
	}
	if got, want := s.RequestID, "req-123"; got != want {
		t.Errorf("request id: got %q, want %q", got, want)
	}
	if got, want := s.Host, "abc.lambda-url.eu-west-2.on.aws"; got != want {
		t.Errorf("host: got %q, want %q", got, want)
	}
	if got, want := s.UserAgent, "test-agent"; got != want {
		t.Errorf("user agent: got %q, want %q", got, want)
	}
}

func TestQueryString(t *testing.T) {
	h := lambda.NewHandler(testHandler(t), lambda.Options{})
	tests := []struct {
		name, path, query string
		wantPath          string
		want              map[string][]string
	}{
		{"None", "/echo", "", "/echo", map[string][]string{}},
		{"RepeatedKeys", "/echo", "tag=a&tag=b&from=2025-01-01", "/echo", map[string][]string{"tag": {"a", "b"}, "from": {"2025-01-01"}}},
		{"Encoded", "/echo", "q=a%26b&t=2025-01-01T08%3A00%2B02%3A00", "/echo", map[string][]string{"q": {"a&b"}, "t": {"2025-01-01T08:00+02:00"}}},
		{"EmptyValue", "/echo", "flag&x=", "/echo", map[string][]string{"flag": {""}, "x": {""}}},
		{"EncodedPath", "/ech%6F", "", "/echo", map[string][]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := decodeSeen(t, invoke(t, h, event("GET", tt.path, tt.query)))
			if got, want := s.RawQuery, tt.query; got != want {
				t.Errorf("raw query: got %q, want %q", got, want)
			}
			if got, want := s.Query, tt.want; !reflect.DeepEqual(got, want) {
				t.Errorf("query: got %v, want %v", got, want)
			}
			if got, want := s.Path, tt.wantPath; got != want {
				t.Errorf("path: got %q, want %q", got, want)
			}
		})
	}
}

func TestCookies(t *testing.T) {
	h := lambda.NewHandler(testHandler(t), lambda.Options{})
	ev := event("GET", "/echo", "")
	ev.Cookies = []string{"__Host-sid=s3cr3t", "theme=light", "a=b=c"}
	resp := invoke(t, h, ev)
	s := decodeSeen(t, resp)
	if got, want := s.Cookies, map[string]string{"__Host-sid": "s3cr3t", "theme": "light", "a": "b=c"}; !reflect.DeepEqual(got, want) {
		t.Errorf("cookies in: got %v, want %v", got, want)
	}
	want := []string{"__Host-sid=abc; Path=/; HttpOnly; Secure; SameSite=Strict", "theme=dark; Path=/"}
	if got := resp.Cookies; !slices.Equal(got, want) {
		t.Errorf("cookies out: got %q, want %q", got, want)
	}
	for k := range resp.Headers {
		if strings.EqualFold(k, "Set-Cookie") {
			t.Errorf("Set-Cookie left in headers")
		}
	}
	if got, want := resp.Headers["Vary"], "Cookie, Origin"; got != want {
		t.Errorf("multi-value header: got %q, want %q", got, want)
	}
}

func TestBody(t *testing.T) {
	h := lambda.NewHandler(testHandler(t), lambda.Options{})
	binary := make([]byte, 256*3)
	for i := range binary {
		binary[i] = byte(i)
	}
	tests := []struct {
		name        string
		contentType string
		body        []byte
		inBase64    bool
		wantBase64  bool
	}{
		{"JSONPlain", "application/json", []byte(`{"systolic":120}`), false, false},
		{"JSONBase64In", "application/json; charset=utf-8", []byte(`{"systolic":120}`), true, false},
		{"CSV", "text/csv; charset=utf-8", []byte("a,b\n1,2\n"), false, false},
		{"PDF", "application/pdf", binary, true, true},
		{"XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", binary, true, true},
		{"TextNotUTF8", "text/plain", []byte{0xff, 0xfe, 'a'}, true, true},
		{"Latin1", "text/plain; charset=iso-8859-1", []byte("caf\xe9"), true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := event("POST", "/mirror", "")
			ev.Headers["content-type"] = tt.contentType
			if tt.inBase64 {
				ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(tt.body), true
			} else {
				ev.Body = string(tt.body)
			}
			resp := invoke(t, h, ev)
			if got, want := resp.StatusCode, 200; got != want {
				t.Fatalf("status: got %d, want %d", got, want)
			}
			if got, want := resp.IsBase64Encoded, tt.wantBase64; got != want {
				t.Fatalf("isBase64Encoded: got %v, want %v", got, want)
			}
			got := []byte(resp.Body)
			if resp.IsBase64Encoded {
				var err error
				if got, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(got, tt.body) {
				t.Errorf("body: got %q, want %q", got, tt.body)
			}
			if got, want := resp.Headers["Content-Length"], strconv.Itoa(len(tt.body)); got != want {
				t.Errorf("content length: got %q, want %q", got, want)
			}
		})
	}
	t.Run("Sniffed", func(t *testing.T) {
		resp := invoke(t, h, event("GET", "/untyped", ""))
		if got, want := resp.Headers["Content-Type"], "application/pdf"; got != want {
			t.Errorf("content type: got %q, want %q", got, want)
		}
		if !resp.IsBase64Encoded {
			t.Errorf("binary response not base64-encoded")
		}
	})
	t.Run("BadBase64", func(t *testing.T) {
		ev := event("POST", "/mirror", "")
		ev.Body, ev.IsBase64Encoded = "not base64!", true
		decodeError(t, invoke(t, h, ev), 400, "invalid")
	})
	t.Run("Head", func(t *testing.T) {
		resp := invoke(t, h, event("HEAD", "/echo", ""))
		if resp.StatusCode != 200 || resp.Body != "" {
			t.Errorf("HEAD: got %d %q, want 200 with no body", resp.StatusCode, resp.Body)
		}
	})
}

func TestOriginSecret(t *testing.T) {
	const secret = "0123456789abcdef0123456789abcdef"
	tests := []struct {
		name       string
		secret     string
		header     *string
		wantStatus int
		wantDenied bool
	}{
		{"Good", secret, ptr(secret), 200, false},
		{"Bad", secret, ptr("0123456789abcdef0123456789abcdeX"), 403, true},
		{"Prefix", secret, ptr(secret[:10]), 403, true},
		{"Empty", secret, ptr(""), 403, true},
		{"Absent", secret, nil, 403, true},
		{"NotConfigured", "", nil, 200, false},
		{"NotConfiguredHeaderSent", "", ptr("anything"), 200, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var denied []*http.Request
			h := lambda.NewHandler(testHandler(t), lambda.Options{
				OriginSecret:   tt.secret,
				OnOriginDenied: func(ctx context.Context, r *http.Request) { denied = append(denied, r) },
			})
			ev := event("GET", "/echo", "")
			if tt.header != nil {
				ev.Headers["x-origin-verify"] = *tt.header
			}
			resp := invoke(t, h, ev)
			if tt.wantStatus == 403 {
				decodeError(t, resp, 403, "forbidden")
			} else {
				s := decodeSeen(t, resp)
				if s.Verify != "" {
					t.Errorf("handler saw X-Origin-Verify %q; want it removed", s.Verify)
				}
			}
			if got, want := len(denied) > 0, tt.wantDenied; got != want {
				t.Fatalf("OnOriginDenied called: got %v, want %v", got, want)
			}
			if tt.wantDenied {
				r := denied[0]
				if got, want := r.RemoteAddr, "203.0.113.9:0"; got != want {
					t.Errorf("denied remote addr: got %q, want %q", got, want)
				}
				if got, want := r.Header.Get("X-Request-Id"), "req-123"; got != want {
					t.Errorf("denied request id: got %q, want %q", got, want)
				}
				if got := r.Header.Get("X-Origin-Verify"); got != "" {
					t.Errorf("hook saw X-Origin-Verify %q; want it removed", got)
				}
			}
		})
	}
}

func TestTooLarge(t *testing.T) {
	h := lambda.NewHandler(testHandler(t), lambda.Options{MaxRequestBody: 1000, MaxResponse: 4000, UploadHint: "Use POST /api/uploads."})
	t.Run("RequestOK", func(t *testing.T) {
		ev := event("POST", "/mirror", "")
		ev.Headers["content-type"] = "text/plain"
		ev.Body = strings.Repeat("x", 1000)
		if got, want := invoke(t, h, ev).StatusCode, 200; got != want {
			t.Errorf("status: got %d, want %d", got, want)
		}
	})
	t.Run("Request", func(t *testing.T) {
		ev := event("POST", "/mirror", "")
		ev.Headers["content-type"] = "application/octet-stream"
		ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(make([]byte, 1001)), true
		e := decodeError(t, invoke(t, h, ev), 413, "too_large")
		if !strings.Contains(e.Error.Message, "/api/uploads") {
			t.Errorf("message %q does not point to the upload path", e.Error.Message)
		}
	})
	tests := []struct {
		name   string
		n      int
		typ    string
		status int
	}{
		{"TextAtLimit", 4000, "text/csv", 200},
		{"TextOver", 4001, "text/csv", 413},
		{"TextFarOver", 1 << 20, "text/csv", 413},
		// 3000 bytes are 4000 in base64.
		{"BinaryAtLimit", 3000, "application/pdf", 200},
		{"BinaryOverAfterBase64", 3001, "application/pdf", 413},
	}
	for _, tt := range tests {
		t.Run("Response"+tt.name, func(t *testing.T) {
			resp := invoke(t, h, event("GET", "/big", "n="+strconv.Itoa(tt.n)+"&type="+tt.typ))
			if tt.status == 413 {
				e := decodeError(t, resp, 413, "too_large")
				if !strings.Contains(e.Error.Message, "range") {
					t.Errorf("message %q does not say to narrow the range", e.Error.Message)
				}
				return
			}
			if got, want := resp.StatusCode, tt.status; got != want {
				t.Fatalf("status: got %d, want %d", got, want)
			}
		})
	}
}

func TestOverflow(t *testing.T) {
	var got struct {
		header http.Header
		body   []byte
	}
	var fail error
	var logged error
	h := lambda.NewHandler(testHandler(t), lambda.Options{MaxResponse: 4000,
		Overflow: func(ctx context.Context, header http.Header, body []byte) (string, error) {
			got.header, got.body = header, body
			return "https://bucket.example/exports/k?X-Amz-Signature=s", fail
		},
		OnOverflowError: func(ctx context.Context, r *http.Request, err error) { logged = err },
	})

	t.Run("Redirected", func(t *testing.T) {
		ev := event("GET", "/big", "n=3001&type=application/pdf")
		ev.Cookies = []string{"__Host-bpt_session=abc"}
		resp := invoke(t, h, ev)
		if resp.StatusCode != 303 || resp.Headers["Location"] != "https://bucket.example/exports/k?X-Amz-Signature=s" {
			t.Fatalf("got %d %v, want 303 to the link", resp.StatusCode, resp.Headers)
		}
		if len(got.body) != 3001 || got.header.Get("Content-Type") != "application/pdf" {
			t.Errorf("overflow got %d bytes of %q, want the whole 3001-byte PDF", len(got.body), got.header.Get("Content-Type"))
		}
		if resp.Headers["Cache-Control"] != "no-store" || resp.Headers["Content-Type"] != "" || resp.Body != "" {
			t.Errorf("redirect headers %v, body %d bytes: want no-store, no body and none of the body's headers", resp.Headers, len(resp.Body))
		}
	})
	t.Run("FitsNoRedirect", func(t *testing.T) {
		got.body = nil
		if resp := invoke(t, h, event("GET", "/big", "n=100&type=application/pdf")); resp.StatusCode != 200 || got.body != nil {
			t.Errorf("a response that fits: %d, overflow called: %v", resp.StatusCode, got.body != nil)
		}
	})
	t.Run("OnlyGET", func(t *testing.T) {
		ev := event("POST", "/mirror", "")
		ev.Headers["content-type"] = "application/octet-stream"
		ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(make([]byte, 3500)), true
		h := lambda.NewHandler(testHandler(t), lambda.Options{MaxResponse: 4000, Overflow: func(context.Context, http.Header, []byte) (string, error) {
			t.Error("overflow called for a POST")
			return "", nil
		}})
		decodeError(t, invoke(t, h, ev), 413, "too_large")
	})
	t.Run("Fails", func(t *testing.T) {
		fail = errors.New("S3 down")
		defer func() { fail = nil }()
		decodeError(t, invoke(t, h, event("GET", "/big", "n=3001&type=application/pdf")), 503, "unavailable")
		if logged == nil {
			t.Errorf("the failure was not reported to OnOverflowError")
		}
	})
}

func TestDefaultLimits(t *testing.T) {
	h := lambda.NewHandler(testHandler(t), lambda.Options{})
	ev := event("POST", "/mirror", "")
	ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(make([]byte, lambda.DefaultMaxRequestBody+1)), true
	decodeError(t, invoke(t, h, ev), 413, "too_large")
	resp := invoke(t, h, event("GET", "/big", "n="+strconv.Itoa(lambda.DefaultMaxResponse+1)+"&type=text/plain"))
	decodeError(t, resp, 413, "too_large")
}

func TestMalformedEvent(t *testing.T) {
	h := lambda.NewHandler(testHandler(t), lambda.Options{})
	tests := []struct {
		name string
		ev   events.APIGatewayV2HTTPRequest
	}{
		{"NoMethod", event("", "/echo", "")},
		{"RelativePath", event("GET", "echo", "")},
		{"AbsoluteURL", event("GET", "//evil.example/echo", "")},
		{"BadMethod", event("GE T", "/echo", "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			decodeError(t, invoke(t, h, tt.ev), 400, "invalid")
		})
	}
}

func FuzzNewRequest(f *testing.F) {
	f.Add("GET", "/echo", "a=1&a=2", "x", false, "c=d")
	f.Add("POST", "/mirror", "", "aGVsbG8=", true, "")
	f.Add("GET", "/%zz", "%zz", "", false, ";;")
	h := lambda.NewHandler(testHandler(f), lambda.Options{MaxResponse: 1 << 16})
	f.Fuzz(func(t *testing.T, method, path, query, body string, b64 bool, cookie string) {
		ev := event(method, path, query)
		ev.Body, ev.IsBase64Encoded = body, b64
		ev.Cookies = []string{cookie}
		resp, err := h(context.Background(), ev)
		if err != nil {
			t.Fatalf("handler error: %v", err)
		}
		if resp.StatusCode < 100 || resp.StatusCode > 599 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// TestGzip: a client that accepts gzip gets compressible bodies compressed,
// so a response far over the payload limit uncompressed still arrives whole;
// binary types and clients without gzip are left alone.
func TestGzip(t *testing.T) {
	h := lambda.NewHandler(testHandler(t), lambda.Options{MaxResponse: 4000})
	big := event("GET", "/big", "n="+strconv.Itoa(1<<20)+"&type=application/fhir%2Bjson")
	big.Headers["accept-encoding"] = "br, gzip;q=0.8"
	resp := invoke(t, h, big)
	if resp.StatusCode != 200 || resp.Headers["Content-Encoding"] != "gzip" || !resp.IsBase64Encoded {
		t.Fatalf("1 MiB of JSON with gzip accepted: status %d, encoding %q, base64 %v", resp.StatusCode, resp.Headers["Content-Encoding"], resp.IsBase64Encoded)
	}
	raw, _ := base64.StdEncoding.DecodeString(resp.Body)
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(zr)
	if len(body) != 1<<20 || !bytes.Equal(body[:10], []byte("aaaaaaaaaa")) {
		t.Fatalf("decompressed %d bytes, want %d", len(body), 1<<20)
	}
	for _, tc := range []struct{ accept, typ string }{{"", "application/json"}, {"gzip;q=0", "application/json"}, {"gzip", "application/pdf"}} {
		ev := event("GET", "/big", "n=5000&type="+url.QueryEscape(tc.typ))
		if tc.accept != "" {
			ev.Headers["accept-encoding"] = tc.accept
		}
		resp := invoke(t, h, ev)
		if resp.Headers["Content-Encoding"] != "" || resp.StatusCode != 413 {
			t.Errorf("accept %q, %s: encoding %q, status %d; want no compression (and 413 over the limit)", tc.accept, tc.typ, resp.Headers["Content-Encoding"], resp.StatusCode)
		}
	}
}
