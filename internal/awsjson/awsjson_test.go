package awsjson_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/bptracker/bptracker/internal/awsjson"
)

func testConfig() aws.Config {
	return aws.Config{Region: "eu-west-2", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "TOKEN")}
}

// reply is one canned answer.
type reply struct {
	status int
	header string // X-Amzn-ErrorType
	body   string
}

// server serves the replies in turn (the last one again when they run
// out), recording the requests and their bodies.
type server struct {
	*httptest.Server
	mu     sync.Mutex
	seen   []*http.Request
	bodies []string
}

func serve(t *testing.T, replies ...reply) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.seen = append(s.seen, r)
		s.bodies = append(s.bodies, string(b))
		rep := replies[min(len(s.seen), len(replies))-1]
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if rep.header != "" {
			w.Header().Set("X-Amzn-ErrorType", rep.header)
		}
		w.WriteHeader(rep.status)
		io.WriteString(w, rep.body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.seen)
}

// The KMS API's Decrypt, as far as the tests need it.
type kmsRequest struct {
	KeyId          string
	CiphertextBlob []byte `json:",omitempty"`
}

type kmsResponse struct {
	CiphertextBlob []byte
	Plaintext      []byte
}

func TestCallRequest(t *testing.T) {
	srv := serve(t, reply{200, "", `{"Plaintext":"aGk="}`})
	var out kmsResponse
	err := awsjson.New(testConfig(), "kms", "TrentService", srv.URL).Call(context.Background(), "Decrypt",
		kmsRequest{KeyId: "k", CiphertextBlob: []byte("ct")}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if string(out.Plaintext) != "hi" {
		t.Errorf("plaintext %q, want the base64 blob decoded", out.Plaintext)
	}
	r := srv.seen[0]
	for header, want := range map[string]string{
		"X-Amz-Target":         "TrentService.Decrypt",
		"Content-Type":         "application/x-amz-json-1.1",
		"X-Amz-Security-Token": "TOKEN",
	} {
		if got := r.Header.Get(header); got != want {
			t.Errorf("%s: %q, want %q", header, got, want)
		}
	}
	if auth := r.Header.Get("Authorization"); !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKID/") || !strings.Contains(auth, "/eu-west-2/kms/aws4_request") {
		t.Errorf("Authorization %q: want a SigV4 signature for kms in eu-west-2", auth)
	}
	if srv.bodies[0] != `{"KeyId":"k","CiphertextBlob":"Y3Q="}` {
		t.Errorf("body %s", srv.bodies[0])
	}
}

func TestCallRetries(t *testing.T) {
	t.Run("Throttled", func(t *testing.T) {
		srv := serve(t,
			reply{400, "", `{"__type":"com.amazonaws.kms#ThrottlingException","message":"Rate exceeded"}`},
			reply{503, "", `not json`},
			reply{200, "", `{"CiphertextBlob":"Y3Q="}`})
		var out kmsResponse
		if err := awsjson.New(testConfig(), "kms", "TrentService", srv.URL).Call(context.Background(), "Encrypt", kmsRequest{KeyId: "k"}, &out); err != nil {
			t.Fatalf("after two retryable failures: %v", err)
		}
		if srv.attempts() != 3 || string(out.CiphertextBlob) != "ct" {
			t.Errorf("%d attempts, blob %q: want 3 and the third answer", srv.attempts(), out.CiphertextBlob)
		}
	})
	t.Run("GivesUp", func(t *testing.T) {
		srv := serve(t, reply{503, "", `{"__type":"InternalFailure"}`})
		err := awsjson.New(testConfig(), "kms", "TrentService", srv.URL).Call(context.Background(), "Encrypt", kmsRequest{KeyId: "k"}, &kmsResponse{})
		var ae *awsjson.Error
		if !errors.As(err, &ae) || ae.Code != "InternalFailure" || srv.attempts() != awsjson.MaxAttempts {
			t.Errorf("err %v after %d attempts: want InternalFailure after %d", err, srv.attempts(), awsjson.MaxAttempts)
		}
	})
	t.Run("ClientErrorNotRetried", func(t *testing.T) {
		srv := serve(t, reply{400, "", `{"__type":"ParameterNotFound","message":""}`})
		err := awsjson.New(testConfig(), "ssm", "AmazonSSM", srv.URL).Call(context.Background(), "GetParameter", struct{}{}, &struct{}{})
		var ae *awsjson.Error
		if !errors.As(err, &ae) || ae.Code != "ParameterNotFound" || srv.attempts() != 1 {
			t.Errorf("err %v after %d attempts: want ParameterNotFound at once", err, srv.attempts())
		}
	})
}

func TestCallErrParse(t *testing.T) {
	tests := []struct {
		header, body string
		code, msg    string
	}{
		{"", `{"__type":"com.amazonaws.kms#NotFoundException","message":"Key not found"}`, "NotFoundException", "Key not found"},
		{"", `{"__type":"AccessDeniedException","Message":"no"}`, "AccessDeniedException", "no"},
		{"ValidationException:http://internal.amazon.com/", `{}`, "ValidationException", ""},
		{"", `<html>bad gateway</html>`, "Bad Request", ""},
	}
	for _, tt := range tests {
		srv := serve(t, reply{400, tt.header, tt.body})
		err := awsjson.New(testConfig(), "kms", "TrentService", srv.URL).Call(context.Background(), "Decrypt", struct{}{}, &struct{}{})
		var e *awsjson.Error
		if !errors.As(err, &e) || e.Status != 400 || e.Code != tt.code || e.Message != tt.msg {
			t.Errorf("%q %q: got %v, want %q %q", tt.header, tt.body, err, tt.code, tt.msg)
		}
	}
}

func TestCallErrRequestID(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Amzn-RequestId", "0b1c2d3e-request")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"__type":"ValidationException","message":"bad"}`)
	}))
	t.Cleanup(srv.Close)
	err := awsjson.New(testConfig(), "kms", "TrentService", srv.URL).Call(context.Background(), "Decrypt", struct{}{}, &struct{}{})
	var e *awsjson.Error
	if !errors.As(err, &e) || e.RequestID != "0b1c2d3e-request" || !strings.Contains(err.Error(), "request id 0b1c2d3e-request") {
		t.Errorf("got %v, want the request id kept", err)
	}
}

func TestRegionalEndpoint(t *testing.T) {
	for region, want := range map[string]string{
		"eu-west-2":  "https://kms.eu-west-2.amazonaws.com",
		"cn-north-1": "https://kms.cn-north-1.amazonaws.com.cn",
	} {
		if got := awsjson.RegionalEndpoint("kms", region); got != want {
			t.Errorf("%s: %s, want %s", region, got, want)
		}
	}
}

func TestCallUnsigned(t *testing.T) {
	srv := serve(t, reply{200, "", `{}`})
	// No credentials at all: an unsigned call needs none.
	c := awsjson.New(aws.Config{Region: "eu-west-2"}, "cognito-idp", "AWSCognitoIdentityProviderService", srv.URL)
	c.Unsigned = map[string]bool{"InitiateAuth": true}
	if err := c.Call(context.Background(), "InitiateAuth", struct{ ClientId string }{"c"}, &struct{}{}); err != nil {
		t.Fatal(err)
	}
	r := srv.seen[0]
	for _, h := range []string{"Authorization", "X-Amz-Date", "X-Amz-Security-Token"} {
		if v := r.Header.Get(h); v != "" {
			t.Errorf("unsigned call has %s %q", h, v)
		}
	}
	if got, want := r.Header.Get("X-Amz-Target"), "AWSCognitoIdentityProviderService.InitiateAuth"; got != want {
		t.Errorf("X-Amz-Target %q, want %q", got, want)
	}
	// Other operations are still signed, and need credentials.
	err := c.Call(context.Background(), "AdminGetUser", struct{}{}, &struct{}{})
	if err == nil || !strings.Contains(err.Error(), "credentials") {
		t.Errorf("signed call without credentials: got %v, want a credentials error", err)
	}
}

// counter counts round trips.
type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func (c *counter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func TestCallRetriesOnce(t *testing.T) {
	newClient := func(url string, rt http.RoundTripper) *awsjson.Client {
		cfg := testConfig()
		cfg.HTTPClient = &http.Client{Timeout: 200 * time.Millisecond, Transport: rt}
		c := awsjson.New(cfg, "cognito-idp", "AWSCognitoIdentityProviderService", url)
		c.Once = map[string]bool{"VerifySoftwareToken": true}
		c.Final = map[string]bool{"LimitExceededException": true}
		return c
	}
	call := func(c *awsjson.Client, op string) error {
		return c.Call(context.Background(), op, struct{}{}, &struct{}{})
	}
	// Answers that may come after the request was processed: sent once.
	for _, rep := range []reply{
		{500, "", `{"__type":"InternalErrorException","message":"boom"}`},
		{503, "", `not json`},
	} {
		srv := serve(t, rep)
		call(newClient(srv.URL, nil), "VerifySoftwareToken")
		if got := srv.attempts(); got != 1 {
			t.Errorf("once-only operation, answer %d %s: %d attempts, want 1", rep.status, rep.body, got)
		}
		call(newClient(srv.URL, nil), "AdminGetUser")
		if got := srv.attempts(); got != 1+awsjson.MaxAttempts {
			t.Errorf("other operation, answer %d %s: %d attempts, want %d", rep.status, rep.body, got-1, awsjson.MaxAttempts)
		}
	}
	t.Run("UnreadableSuccess", func(t *testing.T) {
		// A success answer says the request was processed, whatever its
		// body: no operation is sent again, as in the SDK.
		for _, op := range []string{"VerifySoftwareToken", "AdminCreateUser"} {
			srv := serve(t, reply{200, "", `not json`})
			err := call(newClient(srv.URL, nil), op)
			var e *awsjson.Error
			if err == nil || errors.As(err, &e) || srv.attempts() != 1 {
				t.Errorf("%s: err %v after %d attempts: want an unreadable-answer error after 1", op, err, srv.attempts())
			}
		}
		// The body cut short: the status was sent, the answer lost.
		var mu sync.Mutex
		n := 0
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			n++
			mu.Unlock()
			w.Header().Set("Content-Length", "100")
			io.WriteString(w, `{"User":`)
		}))
		t.Cleanup(srv.Close)
		err := call(newClient(srv.URL, nil), "AdminCreateUser")
		mu.Lock()
		defer mu.Unlock()
		if err == nil || n != 1 {
			t.Errorf("truncated success answer: err %v after %d attempts: want an error after 1", err, n)
		}
	})
	t.Run("Throttled", func(t *testing.T) {
		// A throttled request was not processed: safe to send again.
		srv := serve(t, reply{400, "", `{"__type":"TooManyRequestsException"}`}, reply{200, "", `{}`})
		if err := call(newClient(srv.URL, nil), "VerifySoftwareToken"); err != nil || srv.attempts() != 2 {
			t.Errorf("err %v after %d attempts: want success on the second", err, srv.attempts())
		}
	})
	t.Run("Final", func(t *testing.T) {
		srv := serve(t, reply{400, "", `{"__type":"LimitExceededException"}`})
		err := call(newClient(srv.URL, nil), "AdminGetUser")
		var e *awsjson.Error
		if !errors.As(err, &e) || e.Code != "LimitExceededException" || srv.attempts() != 1 {
			t.Errorf("err %v after %d attempts: want LimitExceededException at once", err, srv.attempts())
		}
		// Without Final it is throttling, as in the SDK.
		srv = serve(t, reply{400, "", `{"__type":"LimitExceededException"}`})
		awsjson.New(testConfig(), "kms", "TrentService", srv.URL).Call(context.Background(), "Encrypt", struct{}{}, &struct{}{})
		if got := srv.attempts(); got != awsjson.MaxAttempts {
			t.Errorf("KMS LimitExceededException: %d attempts, want %d", got, awsjson.MaxAttempts)
		}
	})
	t.Run("Timeout", func(t *testing.T) {
		// The request arrived and may be processed after the client gave up.
		release := make(chan struct{})
		var mu sync.Mutex
		n := 0
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			n++
			mu.Unlock()
			<-release
		}))
		t.Cleanup(srv.Close)
		t.Cleanup(func() { close(release) })
		attempts := func() int {
			mu.Lock()
			defer mu.Unlock()
			return n
		}
		if err := call(newClient(srv.URL, nil), "VerifySoftwareToken"); err == nil || attempts() != 1 {
			t.Errorf("once-only operation timed out: err %v after %d attempts, want an error after 1", err, attempts())
		}
		if err := call(newClient(srv.URL, nil), "AdminGetUser"); err == nil || attempts() != 1+awsjson.MaxAttempts {
			t.Errorf("other operation timed out: err %v after %d attempts, want an error after %d", err, attempts()-1, awsjson.MaxAttempts)
		}
	})
	t.Run("NotConnected", func(t *testing.T) {
		// Nothing listens: no request can have been processed.
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL
		srv.Close()
		rt := &counter{}
		if err := call(newClient(url, rt), "VerifySoftwareToken"); err == nil || rt.count() != awsjson.MaxAttempts {
			t.Errorf("connection refused: err %v after %d attempts, want an error after %d", err, rt.count(), awsjson.MaxAttempts)
		}
	})
}
