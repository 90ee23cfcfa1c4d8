package kek

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

// awsJSON calls one AWS service that speaks the JSON 1.1 protocol (POST /,
// X-Amz-Target: Prefix.Operation, JSON bodies, blobs as base64), signed
// with the SDK's SigV4 signer.
//
// KMS and SSM are reached this way rather than through their SDK clients
// because each SDK client registers a schema for every operation of its
// service when the program starts: 1.7 MB of the Lambda function for the
// three calls made here (Encrypt, Decrypt, GetParameter). DynamoDB and
// Cognito, used for dozens of calls, keep their SDK clients.
type awsJSON struct {
	cfg      aws.Config
	service  string // signing name and endpoint prefix, e.g. "kms"
	prefix   string // X-Amz-Target prefix, e.g. "TrentService"
	endpoint string // e.g. https://kms.eu-west-2.amazonaws.com
	client   *http.Client
	signer   *v4.Signer
}

// maxAttempts and the backoff follow the SDK's standard retryer: three
// attempts, jittered exponential backoff, for throttling, server errors
// and failed connections.
const maxAttempts = 3

func newAWSJSON(cfg aws.Config, service, prefix, endpoint string) *awsJSON {
	if endpoint == "" {
		endpoint = regionalEndpoint(service, cfg.Region)
	}
	// Three attempts of at most 5 s stay inside the function's 25-second
	// timeout, so a KMS outage is an error, not a timed-out invocation.
	hc := &http.Client{Timeout: 5 * time.Second}
	if c, ok := cfg.HTTPClient.(*http.Client); ok && c != nil {
		hc = c
	}
	return &awsJSON{cfg: cfg, service: service, prefix: prefix, endpoint: strings.TrimSuffix(endpoint, "/"), client: hc, signer: v4.NewSigner()}
}

// regionalEndpoint is the service's public endpoint in region.
func regionalEndpoint(service, region string) string {
	return "https://" + service + "." + region + "." + awsenv.DNSSuffix(region)
}

// apiError is an error answer from the service.
type apiError struct {
	Status  int
	Code    string // e.g. "ParameterNotFound"
	Message string
}

func (e *apiError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("%s (HTTP %d)", e.Code, e.Status)
	}
	return fmt.Sprintf("%s: %s (HTTP %d)", e.Code, e.Message, e.Status)
}

func (e *apiError) retryable() bool {
	switch e.Code {
	case "ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded",
		"ThrottledException", "LimitExceededException", "InternalFailure", "ServiceUnavailable":
		return true
	}
	return e.Status >= 500 || e.Status == http.StatusTooManyRequests
}

// call runs op with the JSON of in and decodes the answer into out.
func (a *awsJSON) call(ctx context.Context, op string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	for attempt := 1; ; attempt++ {
		err := a.attempt(ctx, op, body, hash, out)
		var ae *apiError
		retry := err != nil && ctx.Err() == nil && (!errors.As(err, &ae) || ae.retryable())
		if !retry || attempt == maxAttempts {
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

func (a *awsJSON) attempt(ctx context.Context, op string, body []byte, hash string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.endpoint+"/", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", a.prefix+"."+op)
	if a.cfg.Credentials == nil {
		return errors.New("no AWS credentials configured")
	}
	creds, err := a.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("AWS credentials: %w", err)
	}
	if err := a.signer.SignHTTP(ctx, creds, req, hash, a.service, a.cfg.Region, time.Now()); err != nil {
		return err
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return parseAPIError(resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: unreadable answer: %w", a.prefix, op, err)
	}
	return nil
}

// parseAPIError reads a JSON 1.1 error: {"__type": "ns#Code", "message"}
// (some services write "Message"), the code also in X-Amzn-ErrorType.
func parseAPIError(status int, header string, body []byte) *apiError {
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
	return &apiError{Status: status, Code: code, Message: msg}
}
