package transfer_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/bptracker/bptracker/transfer"
)

// fakeS3 is a protocol-level stand-in for the two S3 requests the package
// makes (there is no S3 emulator here): a SigV4-signed PUT of an object
// with its payload hash, and a GET through a pre-signed URL. It checks that
// each request carries the signature's parts, not the signature itself.
type fakeS3 struct {
	*httptest.Server
	mu      sync.Mutex
	objects map[string]object
	deny    bool
	stall   bool // PUTs never answer
	slow    int  // PUTs left to answer SlowDown
	puts    int
}

type object struct {
	header http.Header
	body   []byte
}

func newFakeS3(t *testing.T) *fakeS3 {
	f := &fakeS3{objects: map[string]object{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeS3) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.puts
}

func (f *fakeS3) serve(w http.ResponseWriter, r *http.Request) {
	denied := func() {
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch r.Method {
	case http.MethodPut:
		f.puts++
		if f.stall {
			f.mu.Unlock()
			io.ReadAll(r.Body) // then the server sees the client go
			<-r.Context().Done()
			f.mu.Lock()
			return
		}
		if f.slow > 0 {
			f.slow--
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`)
			return
		}
		body, _ := io.ReadAll(r.Body)
		sum := sha256.Sum256(body)
		auth := r.Header.Get("Authorization")
		if f.deny || !strings.Contains(auth, "/eu-west-2/s3/aws4_request") || r.Header.Get("X-Amz-Content-Sha256") != hex.EncodeToString(sum[:]) ||
			r.Header.Get("X-Amz-Security-Token") != "TOKEN" {
			denied()
			return
		}
		f.objects[r.URL.Path] = object{header: r.Header.Clone(), body: body}
	case http.MethodGet:
		q := r.URL.Query()
		if q.Get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256" || q.Get("X-Amz-Expires") != "300" || q.Get("X-Amz-Signature") == "" ||
			!strings.Contains(q.Get("X-Amz-Credential"), "/eu-west-2/s3/aws4_request") || q.Get("X-Amz-Security-Token") != "TOKEN" {
			denied()
			return
		}
		o, ok := f.objects[r.URL.Path]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		for _, h := range []string{"Content-Type", "Content-Disposition", "Content-Encoding"} {
			w.Header().Set(h, o.header.Get(h))
		}
		w.Write(o.body)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

func config() aws.Config {
	return aws.Config{Region: "eu-west-2", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "TOKEN")}
}

func TestSend(t *testing.T) {
	s3 := newFakeS3(t)
	b := transfer.New(config(), "bpt-transfers", s3.URL)
	body := bytes.Repeat([]byte("%PDF-1.7 "), 100_000)
	header := http.Header{"Content-Type": {"application/pdf"}, "Content-Disposition": {`attachment; filename="readings.pdf"`}}
	link, err := b.Send(context.Background(), header, body)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^` + regexp.QuoteMeta(s3.URL) + `/bpt-transfers/exports/[0-9a-f]{32}\?`).MatchString(link) {
		t.Errorf("link %s: want the bucket's exports/ prefix and a random key", link)
	}
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !bytes.Equal(got, body) {
		t.Fatalf("GET the link: %d, %d bytes; want 200 and the %d bytes sent", resp.StatusCode, len(got), len(body))
	}
	if resp.Header.Get("Content-Disposition") != header.Get("Content-Disposition") || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("download headers %v: want the export's type and file name", resp.Header)
	}

	other, err := b.Send(context.Background(), header, body)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Split(other, "?")[0] == strings.Split(link, "?")[0] {
		t.Errorf("two exports share the key %s", link)
	}
}

func TestSendRefused(t *testing.T) {
	s3 := newFakeS3(t)
	s3.deny = true
	_, err := transfer.New(config(), "bpt-transfers", s3.URL).Send(context.Background(), http.Header{}, []byte("x"))
	if err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Fatalf("err %v: want S3's AccessDenied", err)
	}
}

// TestSendStalled: a PUT that S3 never answers gives up before the
// caller's deadline, leaving it time to answer.
func TestSendStalled(t *testing.T) {
	s3 := newFakeS3(t)
	s3.stall = true
	ctx, cancel := context.WithTimeout(context.Background(), 2500*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := transfer.New(config(), "bpt-transfers", s3.URL).Send(ctx, http.Header{}, []byte("x"))
	if err == nil {
		t.Fatal("a stalled PUT succeeded")
	}
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Fatalf("the stalled PUT took %v; want it ended 2 s before the caller's deadline", d)
	}
	if ctx.Err() != nil {
		t.Fatal("the caller's deadline passed")
	}
}

// TestSendSlowDown: S3's SlowDown is tried once more; twice is an error.
func TestSendSlowDown(t *testing.T) {
	s3 := newFakeS3(t)
	b := transfer.New(config(), "bpt-transfers", s3.URL)
	s3.slow = 1
	if _, err := b.Send(context.Background(), http.Header{}, []byte("x")); err != nil || s3.count() != 2 {
		t.Fatalf("one SlowDown: %v after %d PUTs; want success after 2", err, s3.count())
	}
	s3.mu.Lock()
	s3.slow, s3.puts = 2, 0
	s3.mu.Unlock()
	if _, err := b.Send(context.Background(), http.Header{}, []byte("x")); err == nil || !strings.Contains(err.Error(), "SlowDown") || s3.count() != 2 {
		t.Fatalf("two SlowDowns: %v after %d PUTs; want SlowDown after 2", err, s3.count())
	}
}

// TestSendHTTPClient: the AWS config's HTTP client carries the requests.
func TestSendHTTPClient(t *testing.T) {
	s3 := newFakeS3(t)
	var n int
	cfg := config()
	cfg.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		n++
		return http.DefaultTransport.RoundTrip(r)
	})}
	if _, err := transfer.New(cfg, "bpt-transfers", s3.URL).Send(context.Background(), http.Header{}, []byte("x")); err != nil || n != 1 {
		t.Fatalf("Send: %v, %d requests through the config's client; want 1", err, n)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestRegionalAddress(t *testing.T) {
	// Without an endpoint the object is addressed virtual-host style in the
	// bucket's region.
	link, err := transfer.PresignForTest(transfer.New(config(), "bpt-transfers", ""), "exports/k")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Split(link, "?")[0]; got != "https://bpt-transfers.s3.eu-west-2.amazonaws.com/exports/k" {
		t.Errorf("address %s", got)
	}
}
