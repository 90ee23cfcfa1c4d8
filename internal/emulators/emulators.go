// Package emulators starts the local stand-ins for AWS that tests run
// against — local-kms, cognito-local and the Lambda runtime interface
// emulator — each on a free loopback port, stopped when the test ends.
//
// When a stand-in is not installed the test is skipped with a message
// saying how to install it, unless BPT_REQUIRE_EMULATORS=1 (as make test
// sets), in which case it fails.
package emulators

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Dummy credentials and region the emulators accept.
const (
	AccessKeyID     = "x"
	SecretAccessKey = "x"
	Region          = "eu-west-2"
)

// Root returns the module root (the directory holding go.mod).
func Root(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("emulators: go.mod not found above the working directory")
		}
		dir = parent
	}
}

// missing skips or fails the test for an emulator that is not installed.
func missing(tb testing.TB, what, install string) {
	tb.Helper()
	msg := fmt.Sprintf("%s is not installed (%s)", what, install)
	if os.Getenv("BPT_REQUIRE_EMULATORS") == "1" {
		tb.Fatal(msg + "; BPT_REQUIRE_EMULATORS=1 requires it")
	}
	tb.Skip(msg)
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Process is a started emulator.
type Process struct {
	Endpoint string // http://127.0.0.1:PORT
	Port     int
	Dir      string // its working or data directory

	cmd      *exec.Cmd
	mu       sync.Mutex
	output   bytes.Buffer
	done     chan struct{}
	stopOnce sync.Once
}

// Stop ends the process (and what it started) and waits for it; the
// test's cleanup does the same, so calling Stop is optional.
func (p *Process) Stop() {
	p.stopOnce.Do(func() {
		stop(p.cmd)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
		}
	})
}

// Output returns what the process wrote so far (stdout and stderr).
func (p *Process) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.output.String()
}

func (p *Process) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.output.Write(b)
}

// WaitOutput waits until the output matches re and returns the submatches
// of the first match.
func (p *Process) WaitOutput(tb testing.TB, re *regexp.Regexp, timeout time.Duration) []string {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(p.Output()); m != nil {
			return m
		}
		time.Sleep(10 * time.Millisecond)
	}
	tb.Fatalf("emulators: output never matched %s; output:\n%s", re, p.Output())
	return nil
}

// start runs cmd and stops it (its process group) at cleanup.
func start(tb testing.TB, cmd *exec.Cmd, port int, dir string) *Process {
	tb.Helper()
	p := &Process{Endpoint: "http://127.0.0.1:" + strconv.Itoa(port), Port: port, Dir: dir, cmd: cmd, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p, p
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		tb.Fatalf("emulators: start %s: %v", cmd.Path, err)
	}
	go func() {
		cmd.Wait()
		close(p.done)
	}()
	tb.Cleanup(p.Stop)
	return p
}

// waitHTTP waits until something answers HTTP on the port.
func (p *Process) waitHTTP(tb testing.TB, path string, timeout time.Duration) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			tb.Fatalf("emulators: %s exited; output:\n%s", p.cmd.Path, p.Output())
		default:
		}
		resp, err := client.Get(p.Endpoint + path)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	tb.Fatalf("emulators: %s not ready after %v; output:\n%s", p.cmd.Path, timeout, p.Output())
}

// toolsBin is where make installs Go tools: $BPT_TOOLS_BIN or bin/tools.
func toolsBin(tb testing.TB) string {
	tb.Helper()
	if d := os.Getenv("BPT_TOOLS_BIN"); d != "" {
		return d
	}
	return filepath.Join(Root(tb), "bin", "tools")
}

// LocalKMSPath is where make installs local-kms.
func LocalKMSPath(tb testing.TB) string {
	tb.Helper()
	if p := os.Getenv("BPT_LOCAL_KMS"); p != "" {
		return p
	}
	return filepath.Join(toolsBin(tb), "local-kms")
}

// StartLocalKMS starts local-kms with its data in a temporary directory.
// It binds every interface (local-kms has no option to bind loopback only),
// so it runs on a random test-only port.
func StartLocalKMS(tb testing.TB) *Process {
	tb.Helper()
	bin := LocalKMSPath(tb)
	if _, err := os.Stat(bin); err != nil {
		missing(tb, "local-kms", "make tools installs it into bin/tools")
	}
	dir := tb.TempDir()
	port := FreePort(tb)
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(port), "KMS_DATA_PATH="+dir,
		"KMS_REGION="+Region, "KMS_ACCOUNT_ID=111122223333")
	cmd.Dir = dir
	p := start(tb, cmd, port, dir)
	p.waitHTTP(tb, "/", 10*time.Second)
	return p
}

// CognitoLocalDir is the directory holding node_modules/cognito-local.
func CognitoLocalDir(tb testing.TB) string {
	tb.Helper()
	if d := os.Getenv("BPT_NODE_TOOLS"); d != "" {
		return d
	}
	return filepath.Join(Root(tb), "tools")
}

// StartCognitoLocal starts cognito-local with its state in a temporary
// directory. Its JWKS is at Endpoint + "/" + poolID + "/.well-known/jwks.json".
func StartCognitoLocal(tb testing.TB) *Process {
	tb.Helper()
	script := filepath.Join(CognitoLocalDir(tb), "node_modules", "cognito-local", "lib", "bin", "start.js")
	if _, err := os.Stat(script); err != nil {
		missing(tb, "cognito-local", "cd tools && npm ci installs it")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing(tb, "node", "needed to run cognito-local")
	}
	dir := tb.TempDir()
	// cognito-local's own default makes the email the username of every
	// new pool; Cognito's default, and our pools, use plain usernames.
	if err := os.MkdirAll(filepath.Join(dir, ".cognito"), 0o700); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".cognito", "config.json"),
		[]byte(`{"UserPoolDefaults":{"UsernameAttributes":[]}}`), 0o600); err != nil {
		tb.Fatal(err)
	}
	port := FreePort(tb)
	cmd := exec.Command(node, script)
	cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(port), "HOST=127.0.0.1", "DEBUG=")
	cmd.Dir = dir
	p := start(tb, cmd, port, dir)
	p.waitHTTP(tb, "/health", 30*time.Second)
	return p
}

// RIEPath is where make installs the runtime interface emulator.
func RIEPath(tb testing.TB) string {
	tb.Helper()
	if p := os.Getenv("BPT_LAMBDA_RIE"); p != "" {
		return p
	}
	return filepath.Join(toolsBin(tb), "aws-lambda-rie")
}

// RequireRIE returns the emulator's path, skipping (or failing) the test
// when it is not installed; call it before costly set-up.
func RequireRIE(tb testing.TB) string {
	tb.Helper()
	bin := RIEPath(tb)
	if _, err := os.Stat(bin); err != nil {
		missing(tb, "aws-lambda-rie", "make tools installs it into bin/tools")
	}
	return bin
}

// RIE is a running runtime interface emulator.
type RIE struct {
	*Process
}

// StartRIE runs bootstrap (a Lambda binary built for this machine) under the
// runtime interface emulator with env added to its environment. The
// function initialises on the first invocation.
func StartRIE(tb testing.TB, bootstrap string, env ...string) *RIE {
	tb.Helper()
	bin := RequireRIE(tb)
	port := FreePort(tb)
	cmd := exec.Command(bin, "--runtime-interface-emulator-address", "127.0.0.1:"+strconv.Itoa(port), bootstrap)
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = filepath.Dir(bootstrap)
	p := start(tb, cmd, port, cmd.Dir)
	p.waitTCP(tb, 10*time.Second)
	return &RIE{p}
}

func (p *Process) waitTCP(tb testing.TB, timeout time.Duration) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(p.Port), time.Second)
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	tb.Fatalf("emulators: %s not listening after %v; output:\n%s", p.cmd.Path, timeout, p.Output())
}

// Invoke posts an event to the function and returns the raw response.
func (r *RIE) Invoke(ctx context.Context, event []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		r.Endpoint+"/2015-03-31/functions/function/invocations", bytes.NewReader(event))
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return b, fmt.Errorf("emulators: invoke: status %d", resp.StatusCode)
	}
	return b, nil
}

// InitReport matches the emulator's cold-start line, e.g.
// "INIT REPORT(durationMs: 12.3)".
var InitReport = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)

// InitDuration returns the init duration the emulator reported for the
// cold start, waiting up to timeout for the report.
func (r *RIE) InitDuration(tb testing.TB, timeout time.Duration) time.Duration {
	tb.Helper()
	m := r.WaitOutput(tb, InitReport, timeout)
	ms, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		tb.Fatalf("emulators: INIT REPORT %q: %v", m[0], err)
	}
	return time.Duration(ms * float64(time.Millisecond))
}

// AWS is the SDK configuration every emulator accepts.
func AWS() aws.Config {
	return aws.Config{Region: Region, Credentials: credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, "")}
}
