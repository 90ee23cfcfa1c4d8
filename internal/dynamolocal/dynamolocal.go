// Package dynamolocal starts DynamoDB Local (the DynamoDBLocal.jar shipped in
// the npm package amplify-dynamodb-simulator) for tests: one in-memory
// emulator per test binary on a free port, stopped by Stop or, failing that,
// when the test process dies.
//
// The emulator directory is $BPT_DYNAMODB_LOCAL_DIR or, by default,
// tools/node_modules/amplify-dynamodb-simulator/emulator under the module
// root. When Java or the jar is missing, tests skip, unless
// BPT_REQUIRE_EMULATORS=1, in which case they fail.
package dynamolocal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Env holds credentials and a region for clients of the emulator. It runs
// with -sharedDb, so every credential and region sees the same tables: a
// program under test started with other values still finds them.
var Env = []string{"AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=x", "AWS_REGION=us-east-1"}

var (
	mu       sync.Mutex
	cmd      *exec.Cmd
	endpoint string
	startErr error
	stderr   bytes.Buffer
)

// Start returns the endpoint of the test binary's emulator, starting it on
// first use. It also sets the AWS environment variables of Env when they are
// unset, so the standard credential chain finds them.
func Start(tb testing.TB) string {
	tb.Helper()
	mu.Lock()
	defer mu.Unlock()
	if endpoint == "" && startErr == nil {
		endpoint, startErr = start()
		if startErr == nil {
			for _, kv := range Env {
				k, v, _ := strings.Cut(kv, "=")
				if os.Getenv(k) == "" {
					os.Setenv(k, v)
				}
			}
		}
	}
	if startErr != nil {
		var missing *missingError
		if errors.As(startErr, &missing) && os.Getenv("BPT_REQUIRE_EMULATORS") != "1" {
			tb.Skipf("DynamoDB Local is not installed (%v); run `cd tools && npm ci`, or set BPT_REQUIRE_EMULATORS=1 to fail instead", startErr)
		}
		tb.Fatalf("DynamoDB Local: %v", startErr)
	}
	return endpoint
}

// Stop kills the emulator, if it runs. Call it from TestMain after m.Run.
func Stop() {
	mu.Lock()
	defer mu.Unlock()
	if cmd != nil && cmd.Process != nil {
		cmd.Process.Kill()
		cmd.Wait()
	}
	cmd, endpoint, startErr = nil, "", nil
}

type missingError struct{ what string }

func (e *missingError) Error() string { return e.what + " not found" }

// Dir returns the emulator directory.
func Dir() (string, error) {
	if d := os.Getenv("BPT_DYNAMODB_LOCAL_DIR"); d != "" {
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, "tools", "node_modules", "amplify-dynamodb-simulator", "emulator"), nil
		}
		if filepath.Dir(d) == d {
			return "", &missingError{"go.mod above " + wd}
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func start() (string, error) {
	dir, err := Dir()
	if err != nil {
		return "", err
	}
	jar := filepath.Join(dir, "DynamoDBLocal.jar")
	if _, err := os.Stat(jar); err != nil {
		return "", &missingError{jar}
	}
	java, err := exec.LookPath("java")
	if err != nil {
		return "", &missingError{"java"}
	}
	port, err := freePort()
	if err != nil {
		return "", err
	}
	c := exec.Command(java, "-Xmx512m", "-Djava.library.path="+filepath.Join(dir, "DynamoDBLocal_lib"),
		"-jar", jar, "-inMemory", "-sharedDb", "-disableTelemetry", "-port", fmt.Sprint(port))
	c.Dir = dir
	c.Stdout, c.Stderr = &stderr, &stderr
	// The emulator dies with the test binary even if Stop is never called.
	c.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := c.Start(); err != nil {
		return "", err
	}
	cmd = c
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	if err := waitReady(url, 60*time.Second); err != nil {
		c.Process.Kill()
		c.Wait()
		cmd = nil
		return "", fmt.Errorf("%w; output: %s", err, stderr.String())
	}
	return url, nil
}

// waitReady polls ListTables until the emulator answers. Any JSON answer,
// even an authentication error, means it listens.
func waitReady(url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810.ListTables")
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x")
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode < 500 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("DynamoDB Local did not answer ListTables within %v", timeout)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
