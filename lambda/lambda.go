// Package lambda adapts Lambda invocations to an http.Handler: API Gateway
// HTTP API events (payload format 2.0) and Lambda function URL events, which
// share that shape. It owns the translation of the event (cookies, base64
// bodies, source address, request id), the CloudFront origin check and
// Lambda's payload limits; everything else is the handler's.
package lambda

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// Lambda refuses synchronous invocation payloads and responses over 6 MB
// (6,291,456 bytes), event JSON and base64 included.
const (
	// DefaultMaxRequestBody is the largest decoded request body passed on.
	DefaultMaxRequestBody = 6 << 20
	// DefaultMaxResponse is the largest response payload returned: 6 MB
	// less room for the status, headers and JSON framing.
	DefaultMaxResponse = 6<<20 - 64<<10
)

// Header names the adapter reads or sets.
const (
	HeaderOriginVerify = "X-Origin-Verify"
	HeaderRequestID    = "X-Request-Id"
)

// Options configures the adapter. The zero value passes every request on
// with the default limits.
type Options struct {
	// OriginSecret, when not empty, must equal the X-Origin-Verify header
	// that CloudFront adds as a custom origin header; other requests answer
	// 403 so the function cannot be called around CloudFront.
	OriginSecret string
	// OnOriginDenied is called for each request refused by the origin check,
	// before the 403 is returned (the service audits it there). r carries the
	// source address and request id like any request.
	OnOriginDenied func(ctx context.Context, r *http.Request)
	// MaxRequestBody is the largest decoded body accepted; 0 means
	// DefaultMaxRequestBody.
	MaxRequestBody int
	// MaxResponse is the largest response body, after base64, returned; 0
	// means DefaultMaxResponse.
	MaxResponse int
	// Overflow, when set, takes a successful GET response too large to
	// return (an export of years of readings) and returns a link to it,
	// which the client is redirected to (303). Without it such a response
	// is a 413 that asks for a narrower date range.
	Overflow func(ctx context.Context, header http.Header, body []byte) (string, error)
	// OnOverflowError is called when Overflow fails (for the log); the
	// client gets a 503.
	OnOverflowError func(ctx context.Context, r *http.Request, err error)
	// UploadHint ends the message of a 413 for an oversized request: what
	// the user can do instead. The default says to split the file.
	UploadHint string
}

// Handler is the Lambda function: lambda.Start(lambda.NewHandler(h, opt)).
type Handler func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// NewHandler returns a Lambda handler that serves each event with h.
// Malformed events answer 400; the returned error is always nil, so the
// Lambda service never turns a request into a bare 502.
func NewHandler(h http.Handler, opt Options) Handler {
	if opt.MaxRequestBody <= 0 {
		opt.MaxRequestBody = DefaultMaxRequestBody
	}
	if opt.MaxResponse <= 0 {
		opt.MaxResponse = DefaultMaxResponse
	}
	if opt.UploadHint == "" {
		opt.UploadHint = "Split the file into smaller files."
	}
	secretSum := sha256.Sum256([]byte(opt.OriginSecret))

	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		r, err := NewRequest(ctx, ev)
		if err != nil {
			return errorResponse(http.StatusBadRequest, "invalid", "The request could not be read."), nil
		}
		// The secret is the adapter's business: no handler, hook or log sees
		// the header.
		verify := r.Header.Get(HeaderOriginVerify)
		r.Header.Del(HeaderOriginVerify)
		if opt.OriginSecret != "" {
			// Compare digests so neither the content nor the length of the
			// secret leaks through timing.
			got := sha256.Sum256([]byte(verify))
			if subtle.ConstantTimeCompare(got[:], secretSum[:]) != 1 {
				if opt.OnOriginDenied != nil {
					opt.OnOriginDenied(ctx, r)
				}
				return errorResponse(http.StatusForbidden, "forbidden", "Requests must come through the site's address."), nil
			}
		}
		if r.ContentLength > int64(opt.MaxRequestBody) {
			return errorResponse(http.StatusRequestEntityTooLarge, "too_large",
				"The request is too large to send directly. "+opt.UploadHint), nil
		}

		// A client that takes gzip gets compressible bodies compressed, so
		// exports far larger than Lambda's 6 MB payload (a FHIR bundle of
		// years of readings compresses about tenfold) still fit.
		gz := acceptsGzip(r.Header.Get("Accept-Encoding"))
		bufMax := opt.MaxResponse
		if gz || opt.Overflow != nil {
			bufMax = maxCompressible
		}
		w := newResponseWriter(bufMax)
		h.ServeHTTP(w, r)
		if gz {
			w.compress()
		}
		resp, ok := w.response(r.Method == http.MethodHead, opt.MaxResponse)
		if ok {
			return resp, nil
		}
		if opt.Overflow != nil && !w.overflow && r.Method == http.MethodGet && (w.status == 0 || w.status == http.StatusOK) {
			link, err := opt.Overflow(ctx, w.header, w.body.Bytes())
			if err != nil {
				if opt.OnOverflowError != nil {
					opt.OnOverflowError(ctx, r, err)
				}
				return errorResponse(http.StatusServiceUnavailable, "unavailable",
					"The download could not be prepared. Try again in a moment, or narrow the date range."), nil
			}
			return w.redirect(link), nil
		}
		return errorResponse(http.StatusRequestEntityTooLarge, "too_large",
			"The response is too large to send. Narrow the date range and try again."), nil
	}
}

// NewRequest builds the *http.Request an event describes, with ctx as its
// context.
func NewRequest(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (*http.Request, error) {
	hc := ev.RequestContext.HTTP
	method := hc.Method
	if method == "" {
		return nil, errBadEvent
	}
	rawPath := ev.RawPath
	if rawPath == "" {
		rawPath = "/"
	}
	if !strings.HasPrefix(rawPath, "/") {
		return nil, errBadEvent
	}
	u, err := url.Parse(rawPath)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return nil, errBadEvent
	}
	u.RawQuery = ev.RawQueryString

	var body []byte
	if ev.IsBase64Encoded {
		if body, err = base64.StdEncoding.DecodeString(ev.Body); err != nil {
			return nil, errBadEvent
		}
	} else {
		body = []byte(ev.Body)
	}

	r, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, errBadEvent
	}
	r.RequestURI = u.RequestURI()
	for k, v := range ev.Headers {
		r.Header.Set(k, v)
	}
	// Payload 2.0 moves cookies out of the headers into their own array.
	if len(ev.Cookies) > 0 {
		r.Header.Set("Cookie", strings.Join(ev.Cookies, "; "))
	}
	// The request id is the one Lambda logs; a client's own is replaced so
	// the audit trail and the platform logs agree.
	r.Header.Del(HeaderRequestID)
	if id := ev.RequestContext.RequestID; id != "" {
		r.Header.Set(HeaderRequestID, id)
	}
	r.Host = r.Header.Get("Host")
	if r.Host == "" {
		r.Host = ev.RequestContext.DomainName
	}
	r.URL.Host = r.Host
	if hc.SourceIP != "" {
		// host:port like net/http's server, so net.SplitHostPort works.
		r.RemoteAddr = net.JoinHostPort(hc.SourceIP, "0")
	}
	if hc.Protocol != "" {
		if major, minor, ok := http.ParseHTTPVersion(hc.Protocol); ok {
			r.Proto, r.ProtoMajor, r.ProtoMinor = hc.Protocol, major, minor
		}
	}
	r.ContentLength = int64(len(body))
	r.Header.Del("Content-Length")
	return r, nil
}

var errBadEvent = &eventError{}

type eventError struct{}

func (*eventError) Error() string { return "lambda: malformed event" }

// errorResponse is the service's JSON error shape.
func errorResponse(status int, code, message string) events.APIGatewayV2HTTPResponse {
	b, _ := json.Marshal(map[string]any{"error": map[string]string{"code": code, "message": message}})
	return events.APIGatewayV2HTTPResponse{
		StatusCode: status,
		Headers: map[string]string{
			"Content-Type":           "application/json",
			"Cache-Control":          "no-store",
			"X-Content-Type-Options": "nosniff",
		},
		Body: string(b),
	}
}

// responseWriter buffers a response, keeping at most max+1 bytes: beyond
// the limit the response cannot be returned anyway.
type responseWriter struct {
	header   http.Header
	status   int
	body     bytes.Buffer
	max      int
	overflow bool
}

func newResponseWriter(max int) *responseWriter {
	return &responseWriter{header: http.Header{}, max: max}
}

func (w *responseWriter) Header() http.Header { return w.header }

func (w *responseWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *responseWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.body.Len() == 0 && w.header.Get("Content-Type") == "" && len(p) > 0 {
		// As net/http does for a handler that sets no type.
		w.header.Set("Content-Type", http.DetectContentType(p))
	}
	if room := w.max + 1 - w.body.Len(); room > 0 {
		if len(p) > room {
			w.body.Write(p[:room])
		} else {
			w.body.Write(p)
		}
	}
	if w.body.Len() > w.max {
		w.overflow = true
	}
	return len(p), nil
}

// maxCompressible bounds what a response may hold before compression.
const maxCompressible = 64 << 20

func acceptsGzip(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.ReplaceAll(strings.TrimSpace(q), " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// compress gzips a compressible body (JSON, CSV, text) of some size that is
// not encoded already.
func (w *responseWriter) compress() {
	if w.overflow || w.body.Len() < 1024 || w.header.Get("Content-Encoding") != "" {
		return
	}
	mt, _, _ := mime.ParseMediaType(w.header.Get("Content-Type"))
	if !strings.HasPrefix(mt, "text/") && mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	zw.Write(w.body.Bytes())
	zw.Close()
	w.body = buf
	w.header.Set("Content-Encoding", "gzip")
	w.header.Add("Vary", "Accept-Encoding")
	w.header.Del("Content-Length")
}

// redirect answers 303 to link with the response's headers (security
// headers, cookies) but none that describe its body.
func (w *responseWriter) redirect(link string) events.APIGatewayV2HTTPResponse {
	resp := events.APIGatewayV2HTTPResponse{StatusCode: http.StatusSeeOther, Headers: map[string]string{}}
	for k, vs := range w.header {
		switch k = http.CanonicalHeaderKey(k); {
		case k == "Set-Cookie":
			resp.Cookies = append(resp.Cookies, vs...)
		case strings.HasPrefix(k, "Content-") && k != "Content-Security-Policy", k == "Vary":
		default:
			resp.Headers[k] = strings.Join(vs, ", ")
		}
	}
	resp.Headers["Location"] = link
	resp.Headers["Cache-Control"] = "no-store"
	return resp
}

// Flush lets handlers that flush run; the response is sent whole.
func (w *responseWriter) Flush() {}

func (w *responseWriter) response(head bool, max int) (events.APIGatewayV2HTTPResponse, bool) {
	status := w.status
	if status == 0 {
		status = http.StatusOK
	}
	if w.overflow {
		return events.APIGatewayV2HTTPResponse{}, false
	}
	resp := events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: map[string]string{}}
	for k, vs := range w.header {
		if http.CanonicalHeaderKey(k) == "Set-Cookie" {
			resp.Cookies = append(resp.Cookies, vs...)
			continue
		}
		// Payload 2.0 has one value per header: join as RFC 9110 allows.
		resp.Headers[k] = strings.Join(vs, ", ")
	}
	if head {
		return resp, true
	}
	b := w.body.Bytes()
	if isText(w.header) && utf8.Valid(b) {
		resp.Body = string(b)
	} else {
		resp.Body = base64.StdEncoding.EncodeToString(b)
		resp.IsBase64Encoded = true
	}
	if len(resp.Body) > max {
		return events.APIGatewayV2HTTPResponse{}, false
	}
	if len(b) > 0 {
		resp.Headers["Content-Length"] = strconv.Itoa(len(b))
	}
	return resp, true
}

// isText reports whether a body can travel as a JSON string unchanged:
// UTF-8 text and JSON, not encoded. Everything else (PDF, XLSX, images,
// gzip) is base64.
func isText(h http.Header) bool {
	if enc := h.Get("Content-Encoding"); enc != "" && enc != "identity" {
		return false
	}
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		return false
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return false
	}
	switch {
	case strings.HasPrefix(mt, "text/"),
		mt == "application/json", strings.HasSuffix(mt, "+json"),
		mt == "application/xml", strings.HasSuffix(mt, "+xml"),
		mt == "application/javascript", mt == "application/x-www-form-urlencoded":
		return true
	}
	return false
}

var (
	_ http.ResponseWriter = (*responseWriter)(nil)
	_ http.Flusher        = (*responseWriter)(nil)
)
