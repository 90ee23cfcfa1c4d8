package kek

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

func testConfig() aws.Config {
	return aws.Config{Region: "eu-west-2", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "TOKEN")}
}

// answers serves the given status/body pairs in turn, recording requests.
func answers(t *testing.T, seen *[]*http.Request, bodies *[]string, replies ...[2]string) *httptest.Server {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		*seen = append(*seen, r)
		*bodies = append(*bodies, string(b))
		i := int(n.Add(1)) - 1
		if i >= len(replies) {
			i = len(replies) - 1
		}
		status := http.StatusOK
		if replies[i][0] != "200" {
			status = http.StatusBadRequest
			if replies[i][0] == "503" {
				status = http.StatusServiceUnavailable
			}
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(status)
		io.WriteString(w, replies[i][1])
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestAWSJSONRequest(t *testing.T) {
	var seen []*http.Request
	var bodies []string
	srv := answers(t, &seen, &bodies, [2]string{"200", `{"Plaintext":"aGk="}`})
	var out kmsResponse
	err := newAWSJSON(testConfig(), "kms", "TrentService", srv.URL).call(context.Background(), "Decrypt",
		kmsRequest{KeyId: "k", CiphertextBlob: []byte("ct")}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if string(out.Plaintext) != "hi" {
		t.Errorf("plaintext %q, want the base64 blob decoded", out.Plaintext)
	}
	r := seen[0]
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
	if bodies[0] != `{"KeyId":"k","CiphertextBlob":"Y3Q="}` {
		t.Errorf("body %s", bodies[0])
	}
}

func TestAWSJSONRetries(t *testing.T) {
	t.Run("Throttled", func(t *testing.T) {
		var seen []*http.Request
		var bodies []string
		srv := answers(t, &seen, &bodies,
			[2]string{"400", `{"__type":"com.amazonaws.kms#ThrottlingException","message":"Rate exceeded"}`},
			[2]string{"503", `not json`},
			[2]string{"200", `{"CiphertextBlob":"Y3Q="}`})
		var out kmsResponse
		if err := newAWSJSON(testConfig(), "kms", "TrentService", srv.URL).call(context.Background(), "Encrypt", kmsRequest{KeyId: "k"}, &out); err != nil {
			t.Fatalf("after two retryable failures: %v", err)
		}
		if len(seen) != 3 || string(out.CiphertextBlob) != "ct" {
			t.Errorf("%d attempts, blob %q: want 3 and the third answer", len(seen), out.CiphertextBlob)
		}
	})
	t.Run("GivesUp", func(t *testing.T) {
		var seen []*http.Request
		var bodies []string
		srv := answers(t, &seen, &bodies, [2]string{"503", `{"__type":"InternalFailure"}`})
		err := newAWSJSON(testConfig(), "kms", "TrentService", srv.URL).call(context.Background(), "Encrypt", kmsRequest{KeyId: "k"}, &kmsResponse{})
		var ae *apiError
		if !errors.As(err, &ae) || ae.Code != "InternalFailure" || len(seen) != maxAttempts {
			t.Errorf("err %v after %d attempts: want InternalFailure after %d", err, len(seen), maxAttempts)
		}
	})
	t.Run("ClientErrorNotRetried", func(t *testing.T) {
		var seen []*http.Request
		var bodies []string
		srv := answers(t, &seen, &bodies, [2]string{"400", `{"__type":"ParameterNotFound","message":""}`})
		err := newAWSJSON(testConfig(), "ssm", "AmazonSSM", srv.URL).call(context.Background(), "GetParameter", struct{}{}, &struct{}{})
		var ae *apiError
		if !errors.As(err, &ae) || ae.Code != "ParameterNotFound" || len(seen) != 1 {
			t.Errorf("err %v after %d attempts: want ParameterNotFound at once", err, len(seen))
		}
	})
}

func TestParseAPIError(t *testing.T) {
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
		e := parseAPIError(400, tt.header, []byte(tt.body))
		if e.Code != tt.code || e.Message != tt.msg {
			t.Errorf("%q %q: got %q %q, want %q %q", tt.header, tt.body, e.Code, e.Message, tt.code, tt.msg)
		}
	}
}

func TestRegionalEndpoint(t *testing.T) {
	for region, want := range map[string]string{
		"eu-west-2":  "https://kms.eu-west-2.amazonaws.com",
		"cn-north-1": "https://kms.cn-north-1.amazonaws.com.cn",
	} {
		if got := regionalEndpoint("kms", region); got != want {
			t.Errorf("%s: %s, want %s", region, got, want)
		}
	}
}
