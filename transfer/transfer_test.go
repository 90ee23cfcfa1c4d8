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

func (f *fakeS3) serve(w http.ResponseWriter, r *http.Request) {
	denied := func() {
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch r.Method {
	case http.MethodPut:
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
