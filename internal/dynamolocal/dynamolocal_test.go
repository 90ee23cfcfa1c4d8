package dynamolocal

import (
	"net/http"
	"strings"
	"testing"
)

// Without the emulator, Start skips unless emulators are required.
func TestStartSkipsWhenMissing(t *testing.T) {
	Stop()
	defer Stop()
	t.Setenv("BPT_DYNAMODB_LOCAL_DIR", t.TempDir())
	t.Setenv("BPT_REQUIRE_EMULATORS", "")
	var ran bool
	sub := t.Run("start", func(t *testing.T) {
		Start(t)
		ran = true
	})
	if !sub || ran {
		t.Fatalf("Start with no emulator: got passed=%v ran past Start=%v, want a skip", sub, ran)
	}
}

// The emulator answers ListTables on the endpoint Start returns.
func TestStart(t *testing.T) {
	Stop()
	defer Stop()
	endpoint := Start(t)
	if !strings.HasPrefix(endpoint, "http://127.0.0.1:") {
		t.Fatalf("endpoint: got %q, want http://127.0.0.1:PORT", endpoint)
	}
	if err := waitReady(endpoint, 5e9); err != nil {
		t.Fatal(err)
	}
	if again := Start(t); again != endpoint {
		t.Fatalf("second Start: got %q, want the same emulator %q", again, endpoint)
	}
	Stop()
	resp, err := http.Post(endpoint, "application/x-amz-json-1.0", strings.NewReader("{}"))
	if err == nil {
		resp.Body.Close()
		t.Fatalf("after Stop the emulator still answers at %s", endpoint)
	}
}
