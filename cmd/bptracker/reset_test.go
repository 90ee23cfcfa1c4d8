package main_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bptracker/bptracker/internal/smtpfake"
)

// TestPasswordReset: a reset link by email (same answer for unknown
// addresses), and one made by an admin; each works once and keeps MFA.
func TestPasswordReset(t *testing.T) {
	relay := smtpfake.Start(t)
	data := t.TempDir()
	for _, u := range [][]string{{"pia@example.org", "patient"}, {"root@example.org", "admin"}} {
		if out, err := bpt(t, pw+"\n", "user", "add", "--data", data, "--email", u[0], "--role", u[1]); err != nil {
			t.Fatalf("%v %s", err, out)
		}
	}
	if out, err := bpt(t, "", "serve", "--addr", "127.0.0.1:0", "--data", data, "--smtp-addr", relay.Addr, "--smtp-from", "noreply@example.org"); err == nil || !strings.Contains(out, "--public-url") {
		t.Fatalf("mail without a public URL: %v %s; want a refusal", err, out)
	}
	srv := startServer(t, data, "--smtp-addr", relay.Addr, "--smtp-from", "noreply@example.org", "--public-url", "https://bp.example.org")
	_, piaID, secret := enrolled(t, srv.url, "pia@example.org")
	anon := newClient(t, srv.url)
	anon.header.Set("X-Forwarded-Host", "evil.example")
	known := anon.expect(202, "POST", "/api/v1/password-reset", map[string]string{"email": "pia@example.org"})
	anon.header.Del("X-Forwarded-Host")
	unknown := anon.expect(202, "POST", "/api/v1/password-reset", map[string]string{"email": "nobody@example.org"})
	if !bytes.Equal(known.body, unknown.body) {
		t.Fatalf("known and unknown addresses answer differently: %s / %s", known.body, unknown.body)
	}
	var msg string
	select {
	case msg = <-relay.Messages:
	case <-time.After(5 * time.Second):
		t.Fatal("no reset mail arrived")
	}
	select {
	case extra := <-relay.Messages:
		t.Fatalf("a mail went to an address with no account: %s", extra)
	default:
	}
	if !strings.Contains(msg, "To: pia@example.org") {
		t.Fatalf("mail not addressed to the account: %s", msg)
	}
	m := regexp.MustCompile(`https://bp\.example\.org/reset/([0-9a-f]{64})`).FindStringSubmatch(msg)
	if m == nil {
		t.Fatalf("no reset link in the mail: %s", msg)
	}
	newPw := "a brand new long passphrase"
	anon.expect(400, "POST", "/api/v1/resets/"+m[1], map[string]string{"password": "short"})
	anon.expect(204, "POST", "/api/v1/resets/"+m[1], map[string]string{"password": newPw})
	anon.expect(404, "POST", "/api/v1/resets/"+m[1], map[string]string{"password": newPw + "!"})
	anon.expect(401, "POST", "/api/v1/session", map[string]string{"email": "pia@example.org", "password": pw})
	c := newClient(t, srv.url)
	c.signIn("pia@example.org", newPw, code(t, secret, time.Now().Add(30*time.Second))) // MFA kept

	// An admin's reset link.
	admin, _, _ := enrolled(t, srv.url, "root@example.org")
	var res struct {
		Reset struct{ URL string } `json:"reset"`
	}
	admin.expect(200, "PATCH", "/api/v1/admin/users/"+piaID, map[string]string{"action": "reset_link"}).json(t, &res)
	code := res.Reset.URL[strings.LastIndex(res.Reset.URL, "/")+1:]
	anon.expect(204, "POST", "/api/v1/resets/"+code, map[string]string{"password": "yet another long passphrase"})
	anon.expect(200, "POST", "/api/v1/session", map[string]string{"email": "pia@example.org", "password": "yet another long passphrase"})
}
