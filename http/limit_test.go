package http_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bphttp "github.com/bptracker/bptracker/http"
	"github.com/bptracker/bptracker/keyring"
	"github.com/bptracker/bptracker/service"
	"github.com/bptracker/bptracker/sqlite"
	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/keyset"
)

// TestSignInRateLimit: sign-in requests from one address past the limit
// answer 429, whatever the credentials.
func TestSignInRateLimit(t *testing.T) {
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	kh, _ := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	kek, _ := aead.New(kh)
	keys, err := keyring.New(context.Background(), kek, db, time.Minute, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	cfg := service.DefaultConfig()
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httptest.NewServer(bphttp.NewServer(service.New(db, keys, nil, cfg), bphttp.Options{Logger: cfg.Logger, SignInLimit: 3}))
	defer srv.Close()
	for i := 1; i <= 5; i++ {
		resp, err := srv.Client().Post(srv.URL+"/api/v1/session", "application/json", strings.NewReader(`{"email":"a@example.org","password":"wrong password 123"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want := 401
		if i > 3 {
			want = 429
		}
		if resp.StatusCode != want {
			t.Fatalf("attempt %d: status %d, want %d", i, resp.StatusCode, want)
		}
	}
}
