// Package awsjson calls AWS services that speak the JSON 1.1 protocol
// (POST /, X-Amz-Target: Prefix.Operation, JSON bodies, blobs as base64),
// signed with the SDK's SigV4 signer and retried like the SDK's standard
// retryer.
//
// It exists for the Lambda binary's size: each SDK service client registers
// a schema for every operation of its service when the program starts, so
// KMS, SSM and Cognito cost the function far more than the handful of
// calls it makes to them. DynamoDB, used for dozens of calls, keeps its
// SDK client.
package awsjson

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/bptracker/bptracker/internal/awsenv"
)

// Client calls one service.
type Client struct {
	cfg      aws.Config
	service  string // signing name and endpoint prefix, e.g. "kms"
	prefix   string // X-Amz-Target prefix, e.g. "TrentService"
	endpoint string // e.g. https://kms.eu-west-2.amazonaws.com
	client   *http.Client
	signer   *v4.Signer
}

// MaxAttempts and the backoff follow the SDK's standard retryer: three
// attempts, jittered exponential backoff, for throttling, server errors
// and failed connections.
const MaxAttempts = 3

// New returns a client for service (the signing name, e.g. "kms") whose
// operations are targetPrefix.Operation (e.g. "TrentService"). endpoint ""
// is the service's regional endpoint in cfg.Region. cfg.HTTPClient is used
// when it is an *http.Client.
func New(cfg aws.Config, service, targetPrefix, endpoint string) *Client {
	if endpoint == "" {
		endpoint = RegionalEndpoint(service, cfg.Region)
	}
	// Three attempts of at most 5 s stay inside the Lambda function's
	// 25-second timeout, so an outage is an error, not a timed-out
	// invocation.
	hc := &http.Client{Timeout: 5 * time.Second}
	if c, ok := cfg.HTTPClient.(*http.Client); ok && c != nil {
		hc = c
	}
	return &Client{cfg: cfg, service: service, prefix: targetPrefix, endpoint: strings.TrimSuffix(endpoint, "/"), client: hc, signer: v4.NewSigner()}
}

// RegionalEndpoint is the service's public endpoint in region.
func RegionalEndpoint(service, region string) string {
	return "https://" + service + "." + region + "." + awsenv.DNSSuffix(region)
}

// Error is an error answer from the service.
type Error struct {
	Status  int
	Code    string // e.g. "ParameterNotFound"
	Message string
}

func (e *Error) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("%s (HTTP %d)", e.Code, e.Status)
	}
	return fmt.Sprintf("%s: %s (HTTP %d)", e.Code, e.Message, e.Status)
}

func (e *Error) retryable() bool {
	switch e.Code {
	case "ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded",
		"ThrottledException", "LimitExceededException", "InternalFailure", "ServiceUnavailable":
		return true
	}
	return e.Status >= 500 || e.Status == http.StatusTooManyRequests
}

// Call runs op with the JSON of in and decodes the answer into out.
func (c *Client) Call(ctx context.Context, op string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	for attempt := 1; ; attempt++ {
		err := c.attempt(ctx, op, body, hash, out)
		var ae *Error
		retry := err != nil && ctx.Err() == nil && (!errors.As(err, &ae) || ae.retryable())
		if !retry || attempt == MaxAttempts {
			return err
		}
		// 50–100 ms, then 100–200 ms.
		d := time.Duration(50<<(attempt-1)) * time.Millisecond
		d += rand.N(d)
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return err
		}
	}
}

func (c *Client) attempt(ctx context.Context, op string, body []byte, hash string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint+"/", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", c.prefix+"."+op)
	if c.cfg.Credentials == nil {
		return errors.New("no AWS credentials configured")
	}
	creds, err := c.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("AWS credentials: %w", err)
	}
	if err := c.signer.SignHTTP(ctx, creds, req, hash, c.service, c.cfg.Region, time.Now()); err != nil {
		return err
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return parseError(resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: unreadable answer: %w", c.prefix, op, err)
	}
	return nil
}

// parseError reads a JSON 1.1 error: {"__type": "ns#Code", "message"}
// (some services write "Message"), the code also in X-Amzn-ErrorType.
func parseError(status int, header string, body []byte) *Error {
	var e struct {
		Type     string `json:"__type"`
		Message  string `json:"message"`
		MessageU string `json:"Message"`
	}
	json.Unmarshal(body, &e) // a body that is not JSON leaves the status
	code := e.Type
	if code == "" {
		code = header
	}
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	if i := strings.IndexByte(code, ':'); i >= 0 {
		code = code[:i]
	}
	if code == "" {
		code = http.StatusText(status)
	}
	msg := e.Message
	if msg == "" {
		msg = e.MessageU
	}
	return &Error{Status: status, Code: code, Message: msg}
}
