package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/pquerna/otp/totp"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/dynamo"
	"github.com/bptracker/bptracker/internal/dynamolocal"
	"github.com/bptracker/bptracker/internal/emulators"
)

func TestMain(m *testing.M) {
	code := m.Run()
	dynamolocal.Stop()
	os.Exit(code)
}

// buildBootstrap builds the function as make lambda does, with the
// Makefile's LAMBDA_FLAGS, for goarch ("": this machine's).
func buildBootstrap(tb testing.TB, goarch string) string {
	tb.Helper()
	out := filepath.Join(tb.TempDir(), "bootstrap")
	args := append(append([]string{"build"}, lambdaFlags(tb)...), "-o", out, ".")
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if goarch != "" {
		cmd.Env = append(cmd.Env, "GOOS=linux", "GOARCH="+goarch)
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("build bootstrap: %v\n%s", err, b)
	}
	return out
}

// lambdaFlags returns the Makefile's LAMBDA_FLAGS as go build arguments.
func lambdaFlags(tb testing.TB) []string {
	tb.Helper()
	cmd := exec.Command("make", "-s", "--no-print-directory", "lambda-flags")
	cmd.Dir = emulators.Root(tb)
	// Not the flags of a make that runs these tests.
	cmd.Env = append(os.Environ(), "MAKEFLAGS=", "MAKELEVEL=")
	b, err := cmd.Output()
	if err != nil {
		tb.Fatalf("make lambda-flags: %v", err)
	}
	args, err := splitArgs(strings.TrimSpace(string(b)))
	if err != nil || len(args) == 0 {
		tb.Fatalf("make lambda-flags printed %q: %v", b, err)
	}
	return args
}

// splitArgs splits s into words as a shell would, for the quoting the
// Makefile uses: single or double quotes, no escapes.
func splitArgs(s string) ([]string, error) {
	var args []string
	var word strings.Builder
	inWord := false
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			word.WriteRune(r)
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				args = append(args, word.String())
				word.Reset()
				inWord = false
			}
		default:
			word.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated %c quote", quote)
	}
	if inWord {
		args = append(args, word.String())
	}
	return args, nil
}

func TestSplitArgs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{`-tags a,b -trimpath -ldflags='-s -w' -gcflags='x/...=-l'`, []string{"-tags", "a,b", "-trimpath", "-ldflags=-s -w", "-gcflags=x/...=-l"}},
		{`  a  "b c"d '' `, []string{"a", "b cd", ""}},
		{``, nil},
	}
	for _, tt := range tests {
		got, err := splitArgs(tt.in)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("splitArgs(%q): got %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := splitArgs(`-ldflags='-s`); err == nil {
		t.Errorf("unterminated quote: no error")
	}
}

const originSecret = "origin-secret-0123456789abcdef"

// functionEnv starts DynamoDB Local, local-kms and cognito-local, prepares
// a table, a key and a pool, builds bootstrap and returns it with the
// function's environment. Each emulator skips the test when missing (or
// fails it under BPT_REQUIRE_EMULATORS=1).
func functionEnv(tb testing.TB, table string) (bin string, env []string) {
	tb.Helper()
	ctx := context.Background()
	ddb := dynamolocal.Start(tb)
	kmsProc := emulators.StartLocalKMS(tb)
	cog := emulators.StartCognitoLocal(tb)
	emulators.RequireRIE(tb)

	// DynamoDB Local outlives a benchmark's rounds: a new table each time.
	table = fmt.Sprintf("%s-%d", table, time.Now().UnixNano())
	if err := dynamo.CreateTable(ctx, dynamo.Config{Table: table, Endpoint: ddb, AWS: emulators.AWS()}); err != nil {
		tb.Fatalf("CreateTable: %v", err)
	}
	kmsClient := kms.New(kms.Options{Region: emulators.Region, BaseEndpoint: aws.String(kmsProc.Endpoint),
		Credentials: credentials.NewStaticCredentialsProvider(emulators.AccessKeyID, emulators.SecretAccessKey, "")})
	key, err := kmsClient.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		tb.Fatalf("CreateKey: %v", err)
	}
	pool := emulators.NewCognitoPool(tb, cog)
	return buildBootstrap(tb, ""), []string{
		"AWS_ACCESS_KEY_ID=" + emulators.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + emulators.SecretAccessKey,
		"AWS_REGION=" + emulators.Region,
		"BPT_STORE=dynamodb", "BPT_DYNAMODB_TABLE=" + table, "BPT_DYNAMODB_ENDPOINT=" + ddb,
		"BPT_KEYS=kms", "BPT_KMS_KEY_ID=" + *key.KeyMetadata.KeyId, "BPT_KMS_ENDPOINT=" + kmsProc.Endpoint,
		"BPT_IDENTITY=cognito", "BPT_COGNITO_USER_POOL_ID=" + pool.PoolID, "BPT_COGNITO_CLIENT_ID=" + pool.ClientID,
		"BPT_COGNITO_CLIENT_SECRET=" + pool.ClientSecret, "BPT_COGNITO_ENDPOINT=" + cog.Endpoint, "BPT_COGNITO_ISSUER=" + pool.Issuer,
		"BPT_ORIGIN_SECRET=" + originSecret, "BPT_ALLOW_SIGNUP=true",
	}
}

// healthEvent is a GET /healthz event through CloudFront.
func healthEvent() []byte {
	b, _ := json.Marshal(events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "$default", RawPath: "/healthz",
		Headers: map[string]string{"host": "abc.lambda-url.eu-west-2.on.aws", "x-origin-verify": originSecret},
		RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "req-health",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: "/healthz", SourceIP: "198.51.100.7"}},
	})
	return b
}

// TestRIE runs the built function under the Lambda runtime interface
// emulator with DynamoDB Local, local-kms and cognito-local behind it, and
// drives it with API Gateway v2 events: the origin check, sign-up, sign-in
// with first-time TOTP set-up through Cognito, cookies both ways, readings,
// the list and summary, a grant, an export, sign-out, and then verifies the
// audit trail the function wrote. It logs the emulator's init duration and
// the first-request latency.
func TestRIE(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts four programs")
	}
	ctx := context.Background()
	bin, env := functionEnv(t, "bptracker-rie")
	rie := emulators.StartRIE(t, bin, env...)
	const secret = originSecret

	n := 0
	invoke := func(t *testing.T, method, path, body string, cookies []string, headers map[string]string) events.APIGatewayV2HTTPResponse {
		t.Helper()
		n++
		ev := events.APIGatewayV2HTTPRequest{
			Version: "2.0", RouteKey: "$default", RawPath: path, Cookies: cookies, Body: body,
			Headers: map[string]string{"host": "abc.lambda-url.eu-west-2.on.aws", "user-agent": "rie-test", "x-origin-verify": secret},
			RequestContext: events.APIGatewayV2HTTPRequestContext{
				RequestID: "req-" + strings.Repeat("0", 3) + string(rune('a'+n%26)),
				HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
					Method: method, Path: path, Protocol: "HTTP/1.1", SourceIP: "198.51.100.7", UserAgent: "rie-test"},
			},
		}
		if body != "" {
			ev.Headers["content-type"] = "application/json"
		}
		for k, v := range headers {
			if v == "" {
				delete(ev.Headers, k)
			} else {
				ev.Headers[k] = v
			}
		}
		in, _ := json.Marshal(ev)
		out, err := rie.Invoke(ctx, in)
		if err != nil {
			t.Fatalf("invoke %s %s: %v\n%s\nemulator output:\n%s", method, path, err, out, rie.Output())
		}
		var resp events.APIGatewayV2HTTPResponse
		if err := json.Unmarshal(out, &resp); err != nil {
			t.Fatalf("response %s: %v", out, err)
		}
		return resp
	}
	expect := func(t *testing.T, resp events.APIGatewayV2HTTPResponse, status int) map[string]any {
		t.Helper()
		if resp.StatusCode != status {
			t.Fatalf("status: got %d, want %d; body %s", resp.StatusCode, status, resp.Body)
		}
		var m map[string]any
		if resp.Body != "" {
			if err := json.Unmarshal([]byte(resp.Body), &m); err != nil {
				t.Fatalf("body %q: %v", resp.Body, err)
			}
		}
		return m
	}

	start := time.Now()
	resp := invoke(t, "GET", "/healthz", "", nil, nil)
	first := time.Since(start)
	expect(t, resp, 200)
	if got := resp.Headers["X-Request-Id"]; !strings.HasPrefix(got, "req-") {
		t.Errorf("X-Request-Id: got %q, want the event's request id", got)
	}
	initDur := rie.InitDuration(t, 5*time.Second)
	t.Logf("cold start: INIT REPORT %v; first request (init + invoke, seen by the client) %v", initDur, first.Round(time.Millisecond))
	if l := initLogRE.FindString(rie.Output()); l != "" {
		t.Logf("init phases (cumulative): %s", l)
	}
	start = time.Now()
	expect(t, invoke(t, "GET", "/healthz", "", nil, nil), 200)
	t.Logf("warm request: %v", time.Since(start).Round(time.Millisecond))

	t.Run("OriginCheck", func(t *testing.T) {
		expect(t, invoke(t, "GET", "/healthz", "", nil, map[string]string{"x-origin-verify": ""}), 403)
		expect(t, invoke(t, "GET", "/healthz", "", nil, map[string]string{"x-origin-verify": "wrong-secret-0123456789abcdef"}), 403)
	})

	t.Run("SignUpAndSignIn", func(t *testing.T) {
		const email, pw = "rie-patient@example.test", "a passphrase long enough for the test"
		expect(t, invoke(t, "POST", "/api/v1/signup", `{"email":"`+email+`","password":"`+pw+`","name":"R"}`, nil, nil), 201)
		resp := invoke(t, "POST", "/api/v1/session", `{"email":"`+email+`","password":"`+pw+`"}`, nil, nil)
		body := expect(t, resp, 200)
		if body["status"] != "mfa_setup_required" {
			t.Fatalf("sign-in status: got %v, want mfa_setup_required", body["status"])
		}
		secretCode, _ := body["totp_secret"].(string)
		pending := cookie(t, resp.Cookies, "__Host-bpt_pending")
		code, err := totp.GenerateCode(secretCode, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		resp = invoke(t, "POST", "/api/v1/session/mfa", `{"code":"`+code+`"}`, []string{pending}, nil)
		if got := expect(t, resp, 200)["status"]; got != "active" {
			t.Fatalf("MFA status: got %v, want active", got)
		}
		session := cookie(t, resp.Cookies, "__Host-bpt_session")
		sc := []string{session}
		expect(t, invoke(t, "GET", "/api/v1/session", "", sc, nil), 200)
		expect(t, invoke(t, "GET", "/api/v1/session", "", nil, nil), 401)

		// The core journey's health data through the function: readings
		// (one severe), a validation error, the list, the summary, a grant
		// (an invitation, since no account has the address), an export.
		at := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		expect(t, invoke(t, "POST", "/api/v1/patients/me/readings", `{"taken_at":"`+at+`","systolic":128,"diastolic":82,"note":"after a walk"}`, sc, nil), 201)
		if got := expect(t, invoke(t, "POST", "/api/v1/patients/me/readings", `{"taken_at":"`+at+`","systolic":190,"diastolic":121}`, sc, nil), 201); got["severe"] != true {
			t.Fatalf("severe reading: %v", got)
		}
		if got := expect(t, invoke(t, "POST", "/api/v1/patients/me/readings", `{"taken_at":"`+at+`","systolic":80,"diastolic":90}`, sc, nil), 400); got["error"] == nil {
			t.Fatalf("invalid reading: %v", got)
		}
		list := expect(t, invoke(t, "GET", "/api/v1/patients/me/readings", "", sc, nil), 200)
		if rs, _ := list["readings"].([]any); len(rs) != 2 {
			t.Fatalf("readings: %v", list)
		}
		if sum := expect(t, invoke(t, "GET", "/api/v1/patients/me/summary", "", sc, nil), 200); sum["count"] != float64(2) || sum["severe_count"] != float64(1) {
			t.Fatalf("summary: %v", sum)
		}
		grant := expect(t, invoke(t, "POST", "/api/v1/patients/me/grants", `{"grantee_email":"dr@example.test","role":"provider","access":"read"}`, sc, nil), 201)
		if inv, _ := grant["invitation"].(map[string]any); inv == nil || !strings.Contains(inv["url"].(string), "/invite/") {
			t.Fatalf("grant to a new address: %v", grant)
		}
		csv := invoke(t, "GET", "/api/v1/patients/me/export?format=csv", "", sc, nil)
		if csv.StatusCode != 200 || !strings.Contains(csv.Body, "128") {
			t.Fatalf("CSV export: %d %.200s", csv.StatusCode, csv.Body)
		}

		expect(t, invoke(t, "DELETE", "/api/v1/session", "", sc, nil), 204)
		expect(t, invoke(t, "GET", "/api/v1/session", "", sc, nil), 401)

		// The audit trail the function wrote verifies, and holds the events.
		db, err := dynamo.Open(ctx, dynamo.Config{Table: envValue(env, "BPT_DYNAMODB_TABLE"), Endpoint: envValue(env, "BPT_DYNAMODB_ENDPOINT"), AWS: emulators.AWS()})
		if err != nil {
			t.Fatal(err)
		}
		n, err := bptracker.VerifyAudit(ctx, db)
		if err != nil {
			t.Fatalf("audit verify: %v", err)
		}
		if n < 8 {
			t.Fatalf("audit events = %d; want sign-in, readings, list, summary, grant, export and sign-out events", n)
		}
	})
}

func envValue(env []string, name string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, name+"="); ok {
			return v
		}
	}
	return ""
}

// cookie returns "name=value" for the Set-Cookie in cookies named name.
func cookie(t *testing.T, cookies []string, name string) string {
	t.Helper()
	for _, c := range cookies {
		if v, ok := strings.CutPrefix(c, name+"="); ok {
			v, _, _ = strings.Cut(v, ";")
			return name + "=" + v
		}
	}
	t.Fatalf("no %s cookie in %q", name, cookies)
	return ""
}

var initLogRE = regexp.MustCompile(`\{[^\n]*"msg":"init"[^\n]*\}`)

// BenchmarkColdStart starts the function under the runtime emulator once
// per iteration and reports the emulator's init duration, the latency of
// the first request as the client sees it (process start, init and the
// request), and the size of the linux/arm64 binary that make lambda ships.
func BenchmarkColdStart(b *testing.B) {
	bin, env := functionEnv(b, "bptracker-bench")
	arm := buildBootstrap(b, "arm64")
	if fi, err := os.Stat(arm); err == nil {
		b.ReportMetric(float64(fi.Size())/1e6, "arm64-MB")
	}
	ctx := context.Background()
	var initTotal, firstTotal time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		rie := emulators.StartRIE(b, bin, env...)
		if _, err := rie.Invoke(ctx, healthEvent()); err != nil {
			b.Fatalf("invoke: %v\n%s", err, rie.Output())
		}
		firstTotal += time.Since(start)
		initTotal += rie.InitDuration(b, 5*time.Second)
		rie.Stop()
	}
	b.ReportMetric(float64(initTotal.Microseconds())/1e3/float64(b.N), "init-ms")
	b.ReportMetric(float64(firstTotal.Microseconds())/1e3/float64(b.N), "first-request-ms")
}
