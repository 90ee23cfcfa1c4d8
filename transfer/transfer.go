// Package transfer hands the browser a response too large for Lambda (6 MB)
// through S3: the body is put in the transfer bucket under exports/ and the
// browser is redirected to a pre-signed GET that works for five minutes.
// The bucket encrypts at rest and deletes the copies after a day (the CDK
// app sets both); the export itself was audited by the handler that made it.
//
// Two plain signed HTTP requests, made with the SDK's SigV4 signer, rather
// than the S3 SDK client: that client would add several megabytes to the
// function for a PUT and a pre-signed URL.
package transfer

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/bptracker/bptracker/internal/awsenv"
)

// LinkLifetime is how long a download link works.
const LinkLifetime = 5 * time.Minute

// PutTimeout bounds one PUT, well inside the function's 25-second timeout:
// a stalled S3 then fails the PUT and the browser is answered 503, rather
// than the invocation timing out. A deadline on the caller's context, less
// answerMargin to answer in, bounds it further.
const PutTimeout = 10 * time.Second

const (
	answerMargin = 2 * time.Second
	retryPause   = 250 * time.Millisecond
)

// Bucket is the transfer bucket.
type Bucket struct {
	cfg      aws.Config
	name     string
	endpoint string // "" for AWS; else path-style, e.g. a test server
	client   aws.HTTPClient
	signer   *v4.Signer
	now      func() time.Time
}

// New returns the bucket name in cfg's region. endpoint, when set, is used
// with path-style addresses (endpoint/bucket/key). Requests go through
// cfg.HTTPClient when it is set.
func New(cfg aws.Config, name, endpoint string) *Bucket {
	var client aws.HTTPClient = &http.Client{}
	if cfg.HTTPClient != nil {
		client = cfg.HTTPClient
	}
	return &Bucket{cfg: cfg, name: name, endpoint: strings.TrimSuffix(endpoint, "/"),
		client: client, signer: v4.NewSigner(), now: time.Now}
}

func (b *Bucket) objectURL(key string) string {
	if b.endpoint != "" {
		return b.endpoint + "/" + b.name + "/" + key
	}
	return "https://" + b.name + ".s3." + b.cfg.Region + "." + awsenv.DNSSuffix(b.cfg.Region) + "/" + key
}

// Send stores body with the headers a download needs (type, disposition,
// encoding) and returns a pre-signed link to it. Keys are random: they say
// nothing about whose export it is.
func (b *Bucket) Send(ctx context.Context, header http.Header, body []byte) (string, error) {
	var id [16]byte
	rand.Read(id[:])
	key := "exports/" + hex.EncodeToString(id[:])
	if err := b.put(ctx, key, header, body); err != nil {
		return "", err
	}
	return b.presign(ctx, key)
}

func (b *Bucket) credentials(ctx context.Context) (aws.Credentials, error) {
	if b.cfg.Credentials == nil {
		return aws.Credentials{}, errors.New("transfer: no AWS credentials configured")
	}
	return b.cfg.Credentials.Retrieve(ctx)
}

// put stores the object, trying once more when S3 answers a server error
// (SlowDown, its throttling answer, is a 503) and time is left.
func (b *Bucket) put(ctx context.Context, key string, header http.Header, body []byte) error {
	retry, err := b.putOnce(ctx, key, header, body)
	if !retry {
		return err
	}
	select {
	case <-time.After(retryPause):
	case <-ctx.Done():
		return err
	}
	_, err = b.putOnce(ctx, key, header, body)
	return err
}

// putOnce makes one PUT within PutTimeout and the caller's deadline; retry
// says whether S3 answered a server error.
func (b *Bucket) putOnce(ctx context.Context, key string, header http.Header, body []byte) (retry bool, err error) {
	timeout := PutTimeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl)-answerMargin)
	}
	if timeout <= 0 {
		return false, errors.New("transfer: put: no time left before the deadline")
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, b.objectURL(key), bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	for _, h := range []string{"Content-Type", "Content-Disposition", "Content-Encoding"} {
		if v := header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	req.ContentLength = int64(len(body))
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", hash)
	creds, err := b.credentials(ctx)
	if err != nil {
		return false, err
	}
	if err := b.signer.SignHTTP(ctx, creds, req, hash, "s3", b.cfg.Region, b.now(),
		func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }); err != nil {
		return false, err
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return false, fmt.Errorf("transfer: put: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return resp.StatusCode >= 500, fmt.Errorf("transfer: put: S3 answered %d: %s", resp.StatusCode, s3Code(msg))
	}
	return false, nil
}

// s3Code picks the error code out of an S3 XML error body.
func s3Code(body []byte) string {
	s := string(body)
	if i := strings.Index(s, "<Code>"); i >= 0 {
		if j := strings.Index(s[i:], "</Code>"); j > 0 {
			return s[i+len("<Code>") : i+j]
		}
	}
	return "no error code"
}

func (b *Bucket) presign(ctx context.Context, key string) (string, error) {
	u, err := url.Parse(b.objectURL(key))
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("X-Amz-Expires", strconv.Itoa(int(LinkLifetime/time.Second)))
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", err
	}
	creds, err := b.credentials(ctx)
	if err != nil {
		return "", err
	}
	link, _, err := b.signer.PresignHTTP(ctx, creds, req, "UNSIGNED-PAYLOAD", "s3", b.cfg.Region, b.now(),
		func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	return link, err
}
