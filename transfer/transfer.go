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

// Bucket is the transfer bucket.
type Bucket struct {
	cfg      aws.Config
	name     string
	endpoint string // "" for AWS; else path-style, e.g. a test server
	client   *http.Client
	signer   *v4.Signer
	now      func() time.Time
}

// New returns the bucket name in cfg's region. endpoint, when set, is used
// with path-style addresses (endpoint/bucket/key).
func New(cfg aws.Config, name, endpoint string) *Bucket {
	return &Bucket{cfg: cfg, name: name, endpoint: strings.TrimSuffix(endpoint, "/"),
		client: &http.Client{Timeout: 30 * time.Second}, signer: v4.NewSigner(), now: time.Now}
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

func (b *Bucket) put(ctx context.Context, key string, header http.Header, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, b.objectURL(key), bytes.NewReader(body))
	if err != nil {
		return err
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
		return err
	}
	if err := b.signer.SignHTTP(ctx, creds, req, hash, "s3", b.cfg.Region, b.now(),
		func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }); err != nil {
		return err
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return fmt.Errorf("transfer: put: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("transfer: put: S3 answered %d: %s", resp.StatusCode, s3Code(msg))
	}
	return nil
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
