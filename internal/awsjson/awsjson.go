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
	"net/http/httptrace"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/bptracker/bptracker/internal/awsenv"
)

// Client calls one service. Its exported fields adapt it to the service;
// set them before the first call.
type Client struct {
	// Unsigned names the operations sent without a signature or
	// credentials: those the service authorises by a token, session or
	// secret in the request (as the SDK's auth scheme resolver does for
	// Cognito's InitiateAuth, for example).
	Unsigned map[string]bool
	// Once names the operations that must not reach the service twice,
	// such as one that spends a one-time code. They are retried only when
	// the service cannot have processed the failed attempt: no connection
	// was made, or the service answered that it was throttled.
	Once map[string]bool
	// Final names error codes that are not retried although the SDK's
	// standard retryer would retry them, where the service gives a code a
	// meaning of its own (Cognito's LimitExceededException: too many
	// attempts, which a retry only adds to).
	Final map[string]bool

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
	Status    int
	Code      string // e.g. "ParameterNotFound"
	Message   string
	RequestID string // x-amzn-RequestId, what AWS support asks for
}

func (e *Error) Error() string {
	s := e.Code
	if e.Message != "" {
		s += ": " + e.Message
	}
	s += fmt.Sprintf(" (HTTP %d", e.Status)
	if e.RequestID != "" {
		s += ", request id " + e.RequestID
	}
	return s + ")"
}

// throttled reports an answer refusing the request unprocessed, because
// the caller sends too many.
func (e *Error) throttled() bool {
	switch e.Code {
	case "ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded",
		"ThrottledException", "LimitExceededException":
		return true
	}
	return e.Status == http.StatusTooManyRequests
}

// transient reports a failure of the service that may pass.
func (e *Error) transient() bool {
	return e.Code == "InternalFailure" || e.Code == "ServiceUnavailable" || e.Status >= 500
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
		// After a connection is made the request may have been processed.
		var connected atomic.Bool
		trace := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { connected.Store(true) }})
		err := c.attempt(trace, op, body, hash, out)
		if err == nil || ctx.Err() != nil || attempt == MaxAttempts || !c.retryable(op, err, connected.Load()) {
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

// retryable reports whether an attempt of op that failed with err is tried
// again; connected says whether it reached the service.
func (c *Client) retryable(op string, err error, connected bool) bool {
	if errors.Is(err, errUnreadable) {
		return false
	}
	var e *Error
	if !errors.As(err, &e) {
		// No answer: try again, unless the request may have been
		// processed and must not be sent twice.
		return !connected || !c.Once[op]
	}
	switch {
	case c.Final[e.Code]:
		return false
	case e.throttled():
		return true
	case e.transient():
		return !c.Once[op]
	}
	return false
}

// attempt sends op once.
func (c *Client) attempt(ctx context.Context, op string, body []byte, hash string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint+"/", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", c.prefix+"."+op)
	if !c.Unsigned[op] {
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
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		// A body cut short still leaves the status and the error type
		// header, which decide whether to retry.
		e := parseError(resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), b)
		e.RequestID = resp.Header.Get("X-Amzn-RequestId")
		return e
	}
	if err == nil {
		err = json.Unmarshal(b, out)
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w: %w", c.prefix, op, errUnreadable, err)
	}
	return nil
}

// errUnreadable marks a success answer whose body could not be read or
// decoded. The service has processed the request, so it is not sent again
// (the SDK does not retry a deserialization error either): a second
// AdminCreateUser, say, would be refused because the first one worked.
var errUnreadable = errors.New("unreadable answer")

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
