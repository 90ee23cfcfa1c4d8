package main_test

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bptracker/bptracker/internal/dynamolocal"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	_ "modernc.org/sqlite"
)

// binary is the bptracker executable under test: $BPT_BIN (make test builds
// it) or one built here.
var binary string

func TestMain(m *testing.M) {
	binary = os.Getenv("BPT_BIN")
	var built string
	if binary == "" {
		dir, err := os.MkdirTemp("", "bptracker-e2e-")
		if err != nil {
			panic(err)
		}
		binary = filepath.Join(dir, "bptracker")
		out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
		if err != nil {
			fmt.Fprintf(os.Stderr, "build: %v\n%s", err, out)
			os.Exit(1)
		}
		built = dir
	}
	code := m.Run()
	dynamolocal.Stop()
	if built != "" {
		os.RemoveAll(built)
	}
	os.Exit(code)
}

// storeEnv selects the store of every command a test runs (empty: the
// embedded SQLite default).
var storeEnv []string

// bpt runs a bptracker command with stdin and returns its output.
func bpt(t testing.TB, stdin string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = append(append(os.Environ(), "BPT_DATA="), storeEnv...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// server is a running `bptracker serve`.
type server struct {
	url string
	cmd *exec.Cmd
	log *bytes.Buffer
}

func startServer(t testing.TB, data string, extra ...string) *server {
	t.Helper()
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", data}, extra...)
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), storeEnv...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, log: &bytes.Buffer{}}
	cmd.Stderr = s.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("server did not start: %v\n%s", err, s.log)
	}
	m := regexp.MustCompile(`listening on (https?://\S+)`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("unexpected first line %q", line)
	}
	s.url = m[1]
	go io.Copy(io.Discard, stdout)
	t.Cleanup(s.stop)
	return s
}

func (s *server) stop() {
	if s.cmd.ProcessState == nil {
		s.cmd.Process.Signal(os.Interrupt)
		s.cmd.Wait()
	}
}

// client is one browser: it keeps the cookies itself, because Go's cookie
// jar will not send Secure (__Host-) cookies over plain HTTP on loopback,
// which browsers do.
type client struct {
	t       testing.TB
	base    string
	cookies map[string]string
	header  http.Header
}

func newClient(t testing.TB, base string) *client {
	return &client{t: t, base: base, cookies: map[string]string{}, header: http.Header{}}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r *response) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (r *response) errorBody(t testing.TB) (code string, fields map[string]string) {
	t.Helper()
	var e struct {
		Error struct {
			Code    string            `json:"code"`
			Message string            `json:"message"`
			Fields  map[string]string `json:"fields"`
		} `json:"error"`
	}
	r.json(t, &e)
	if e.Error.Message == "" {
		t.Fatalf("error without a message: %s", r.body)
	}
	return e.Error.Code, e.Error.Fields
}

func (c *client) do(method, path string, body any) *response {
	c.t.Helper()
	return c.doWith(method, path, nil, body)
}

// doWith sends body (JSON, or a string of JSON, or raw []byte) with the
// client's headers and then header, which can replace the JSON
// Content-Type.
func (c *client) doWith(method, path string, header map[string]string, body any) *response {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		buf, _ := json.Marshal(b)
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	for k, v := range c.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, ck := range resp.Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck.Value
		}
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: b}
}

func (c *client) expect(want int, method, path string, body any) *response {
	c.t.Helper()
	r := c.do(method, path, body)
	if r.status != want {
		c.t.Fatalf("%s %s: status %d, want %d: %.300s", method, path, r.status, want, r.body)
	}
	return r
}

func code(t testing.TB, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// signIn goes through the password and MFA steps with code, returning the
// MFA answer.
func (c *client) signIn(email, pw, mfaCode string) map[string]any {
	c.t.Helper()
	r := c.expect(200, "POST", "/api/v1/session", map[string]string{"email": email, "password": pw})
	var out map[string]any
	r.json(c.t, &out)
	if out["status"] != "mfa_required" {
		c.t.Fatalf("sign-in status = %v, want mfa_required", out["status"])
	}
	r = c.expect(200, "POST", "/api/v1/session/mfa", map[string]string{"code": mfaCode})
	r.json(c.t, &out)
	return out
}

const pw = "correct horse battery staple"

func TestEndToEnd(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { journey(t, "sqlite") })
	t.Run("dynamodb", func(t *testing.T) {
		ep := dynamolocal.Start(t)
		table := fmt.Sprintf("e2e-%d", time.Now().UnixNano())
		storeEnv = append(append([]string{}, dynamolocal.Env...), "BPT_STORE=dynamodb", "BPT_DYNAMODB_TABLE="+table, "BPT_DYNAMODB_ENDPOINT="+ep)
		defer func() { storeEnv = nil }()
		if out, err := bpt(t, "", "dynamo", "create-table"); err != nil {
			t.Fatalf("create-table: %v\n%s", err, out)
		}
		journey(t, "dynamodb")
	})
}

// journey is the core issue's walk through the product, on one store.
func journey(t *testing.T, store string) {
	data := t.TempDir()
	for _, u := range [][]string{{"alice@example.org", "patient", "Alice Example"}, {"bob@example.org", "patient", "Bob Example"}} {
		if out, err := bpt(t, pw+"\n", "user", "add", "--data", data, "--email", u[0], "--role", u[1], "--name", u[2]); err != nil {
			t.Fatalf("user add: %v\n%s", err, out)
		}
	}
	if out, err := bpt(t, "password\n", "user", "add", "--data", data, "--email", "weak@example.org"); err == nil || !strings.Contains(out, "common") && !strings.Contains(out, "at least") {
		t.Fatalf("user add with a weak password: err %v, output %q; want a refusal naming the rule", err, out)
	}
	srv := startServer(t, data)
	alice := newClient(t, srv.url)

	// Wrong password and unknown email answer alike.
	r1 := alice.expect(401, "POST", "/api/v1/session", map[string]string{"email": "alice@example.org", "password": "wrong password here"})
	r2 := alice.expect(401, "POST", "/api/v1/session", map[string]string{"email": "nobody@example.org", "password": pw})
	if !bytes.Equal(r1.body, r2.body) {
		t.Fatalf("unknown email and wrong password answer differently: %s vs %s", r1.body, r2.body)
	}

	// First sign-in: MFA setup.
	var setup struct {
		Status, TOTPSecret, OTPAuthURI string
	}
	r := alice.expect(200, "POST", "/api/v1/session", map[string]string{"email": "alice@example.org", "password": pw})
	var raw map[string]string
	r.json(t, &raw)
	setup.Status, setup.TOTPSecret, setup.OTPAuthURI = raw["status"], raw["totp_secret"], raw["otpauth_uri"]
	if setup.Status != "mfa_setup_required" || setup.TOTPSecret == "" || !strings.HasPrefix(setup.OTPAuthURI, "otpauth://totp/") {
		t.Fatalf("first sign-in = %s, want mfa_setup_required with a secret and otpauth URI", r.body)
	}
	alice.expect(401, "GET", "/api/v1/session", nil) // not signed in before MFA
	alice.expect(401, "POST", "/api/v1/session/mfa", map[string]string{"code": "000000"})
	r = alice.expect(200, "POST", "/api/v1/session/mfa", map[string]string{"code": code(t, setup.TOTPSecret, time.Now())})
	var active struct {
		Status        string   `json:"status"`
		RecoveryCodes []string `json:"recovery_codes"`
		User          struct {
			ID, Role string
		} `json:"user"`
	}
	r.json(t, &active)
	if active.Status != "active" || len(active.RecoveryCodes) != 10 || active.User.Role != "patient" || active.User.ID == "" {
		t.Fatalf("MFA setup answer = %s", r.body)
	}
	sc := ""
	for _, c := range r.header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "__Host-bpt_session=") {
			sc = c
		}
	}
	if !strings.Contains(sc, "__Host-bpt_session=") || !strings.Contains(sc, "HttpOnly") ||
		!strings.Contains(sc, "Secure") || !strings.Contains(sc, "SameSite=Strict") || !strings.Contains(sc, "Path=/") {
		t.Fatalf("session cookie = %q, want __Host- with HttpOnly, Secure, SameSite=Strict, Path=/", sc)
	}
	alice.expect(200, "GET", "/api/v1/session", nil)
	r = alice.expect(200, "GET", "/api/v1/me", nil)
	for _, h := range []string{"Content-Security-Policy", "Strict-Transport-Security", "X-Content-Type-Options", "Referrer-Policy", "Cache-Control"} {
		if r.header.Get(h) == "" {
			t.Errorf("API response lacks %s", h)
		}
	}
	if got := r.header.Get("Content-Security-Policy"); got != "default-src 'none'; frame-ancestors 'none'" {
		t.Errorf("API CSP = %q", got)
	}
	if got := r.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("API Cache-Control = %q, want no-store", got)
	}
	alice.expect(200, "PATCH", "/api/v1/me", map[string]string{"time_zone": "America/New_York", "guideline": "acc_aha"})
	r = alice.expect(400, "PATCH", "/api/v1/me", map[string]string{"time_zone": "Mars/Olympus"})
	if _, f := r.errorBody(t); f["time_zone"] == "" {
		t.Fatalf("bad time zone: fields = %v", f)
	}

	// One reading per category, and the severe advice.
	now := time.Now()
	at := func(d time.Duration) string { return now.Add(-d).Format(time.RFC3339) }
	for i, tc := range []struct {
		sys, dia int
		want     string
	}{{110, 70, "normal"}, {125, 75, "elevated"}, {135, 85, "stage_1"}, {150, 95, "stage_2"}, {190, 125, "severe"}} {
		r := alice.expect(201, "POST", "/api/v1/patients/me/readings", map[string]any{
			"taken_at": at(time.Duration(i+1) * time.Hour), "systolic": tc.sys, "diastolic": tc.dia, "pulse": 70,
			"arm": "left", "position": "sitting", "note": "felt fine after coffee", "tags": []string{"morning"}})
		var rd map[string]any
		r.json(t, &rd)
		if rd["category"] != tc.want {
			t.Errorf("%d/%d: category %v, want %s", tc.sys, tc.dia, rd["category"], tc.want)
		}
		if sev := rd["severe"] == true; sev != (tc.want == "severe") || sev && rd["advice"] == nil {
			t.Errorf("%d/%d: severe %v advice %v", tc.sys, tc.dia, rd["severe"], rd["advice"])
		}
	}

	// Every validation error names its field.
	valid := func() map[string]any {
		return map[string]any{"taken_at": at(time.Minute), "systolic": 120, "diastolic": 80}
	}
	for field, change := range map[string]map[string]any{
		"systolic":  {"systolic": 49},
		"diastolic": {"diastolic": 201},
		"pulse":     {"pulse": 251},
		"arm":       {"arm": "up"},
		"position":  {"position": "flying"},
		"note":      {"note": strings.Repeat("n", 501)},
		"tags":      {"tags": []string{""}},
		"taken_at":  {"taken_at": now.Add(time.Hour).Format(time.RFC3339)},
		"bogus":     {"bogus": 1},
		"source":    {"source": "telepathy"},
	} {
		body := valid()
		for k, v := range change {
			body[k] = v
		}
		r := alice.expect(400, "POST", "/api/v1/patients/me/readings", body)
		if c, f := r.errorBody(t); c != "invalid" || f[field] == "" {
			t.Errorf("%s: code %q fields %v, want invalid naming %s", field, c, f, field)
		}
	}
	for _, tc := range []struct {
		body, field string
	}{
		{`{"taken_at":"2026-01-01T08:00:00Z","systolic":"120","diastolic":80}`, "systolic"},
		{`{"taken_at":"1899-12-31T08:00:00Z","systolic":120,"diastolic":80}`, "taken_at"},
		{`{"taken_at":"yesterday","systolic":120,"diastolic":80}`, "taken_at"},
		{`{"systolic":80,"diastolic":90,"taken_at":"2026-01-01T08:00:00Z"}`, "systolic"},
		{`{"systolic":120,"diastolic":80}`, "taken_at"},
	} {
		r := alice.expect(400, "POST", "/api/v1/patients/me/readings", tc.body)
		if _, f := r.errorBody(t); f[tc.field] == "" {
			t.Errorf("%s: fields %v, want %s", tc.body, f, tc.field)
		}
	}
	for _, body := range []string{`{"systolic":`, `{"systolic":120} {}`, `[]`, ``} {
		r := alice.expect(400, "POST", "/api/v1/patients/me/readings", body)
		if c, _ := r.errorBody(t); c != "invalid" {
			t.Errorf("%q: code %q, want invalid", body, c)
		}
	}
	alice.expect(413, "POST", "/api/v1/patients/me/readings", `{"note":"`+strings.Repeat("x", 70<<10)+`"}`)

	// Paging: 30 readings, newest first, no duplicates or gaps.
	for i := range 25 {
		alice.expect(201, "POST", "/api/v1/patients/me/readings", map[string]any{"taken_at": at(time.Duration(10+i) * time.Hour), "systolic": 118 + i%5, "diastolic": 76})
	}
	var ids []string
	var last time.Time
	cursor := ""
	for page := 0; ; page++ {
		q := "/api/v1/patients/me/readings?limit=7"
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		var pg struct {
			Readings []struct {
				ID      string    `json:"id"`
				TakenAt time.Time `json:"taken_at"`
			} `json:"readings"`
			Next *string `json:"next_cursor"`
		}
		alice.expect(200, "GET", q, nil).json(t, &pg)
		for _, rd := range pg.Readings {
			if !last.IsZero() && rd.TakenAt.After(last) {
				t.Fatalf("page %d: not newest first", page)
			}
			last = rd.TakenAt
			ids = append(ids, rd.ID)
		}
		if pg.Next == nil {
			break
		}
		cursor = *pg.Next
	}
	seen := map[string]bool{}
	for _, id := range ids {
		seen[id] = true
	}
	if len(ids) != 30 || len(seen) != 30 {
		t.Fatalf("paged %d readings (%d distinct), want 30", len(ids), len(seen))
	}
	alice.expect(400, "GET", "/api/v1/patients/me/readings?cursor=bm90LWEtY3Vyc29y", nil)
	alice.expect(400, "GET", "/api/v1/patients/me/readings?limit=0", nil)

	// Summary.
	var sum struct {
		Count      int            `json:"count"`
		Categories map[string]int `json:"categories"`
		Systolic   struct{ Max int }
	}
	alice.expect(200, "GET", "/api/v1/patients/me/summary", nil).json(t, &sum)
	if sum.Count != 30 || sum.Systolic.Max != 190 || sum.Categories["severe"] != 1 {
		t.Fatalf("summary = %+v, want 30 readings, max 190, one severe", sum)
	}
	alice.expect(200, "GET", "/api/v1/patients/me/home-report", nil)

	// Edit with the right and with a stale version; delete.
	id := ids[0]
	var rd struct {
		Version int    `json:"version"`
		Note    string `json:"note"`
	}
	alice.expect(200, "PATCH", "/api/v1/patients/me/readings/"+id, map[string]any{"version": 1, "systolic": 121}).json(t, &rd)
	if rd.Version != 2 {
		t.Fatalf("version after edit = %d, want 2", rd.Version)
	}
	r = alice.expect(409, "PATCH", "/api/v1/patients/me/readings/"+id, map[string]any{"version": 1, "systolic": 122})
	if c, _ := r.errorBody(t); c != "conflict" {
		t.Fatalf("stale edit code = %q, want conflict", c)
	}
	alice.expect(400, "PATCH", "/api/v1/patients/me/readings/"+id, map[string]any{"version": 2, "diastolic": 130})
	alice.expect(204, "DELETE", "/api/v1/patients/me/readings/"+id, nil)
	alice.expect(404, "GET", "/api/v1/patients/me/readings/"+id, nil)

	// Bob cannot see Alice's record: 404, not 403.
	bob := newClient(t, srv.url)
	r = bob.expect(200, "POST", "/api/v1/session", map[string]string{"email": "bob@example.org", "password": pw})
	var bobSetup map[string]string
	r.json(t, &bobSetup)
	bob.expect(200, "POST", "/api/v1/session/mfa", map[string]string{"code": code(t, bobSetup["totp_secret"], time.Now())})
	bob.expect(404, "GET", "/api/v1/patients/"+active.User.ID+"/readings/"+ids[1], nil)
	bob.expect(404, "GET", "/api/v1/patients/"+active.User.ID+"/readings", nil)
	bob.expect(404, "POST", "/api/v1/patients/"+active.User.ID+"/readings", valid())
	bob.expect(404, "GET", "/api/v1/patients/me/readings/"+ids[1], nil)

	// Cross-site requests are refused; scripts without the headers are not.
	alice.header.Set("Sec-Fetch-Site", "cross-site")
	alice.expect(403, "POST", "/api/v1/patients/me/readings", valid())
	alice.header.Del("Sec-Fetch-Site")
	alice.header.Set("Origin", "https://evil.example")
	alice.expect(403, "POST", "/api/v1/patients/me/readings", valid())
	alice.header.Del("Origin")

	// Sign out.
	alice.expect(204, "DELETE", "/api/v1/session", nil)
	alice.expect(401, "GET", "/api/v1/session", nil)

	// A recovery code works once in place of a TOTP code.
	alice.signIn("alice@example.org", pw, active.RecoveryCodes[0])
	alice.expect(204, "DELETE", "/api/v1/session", nil)
	alice.expect(200, "POST", "/api/v1/session", map[string]string{"email": "alice@example.org", "password": pw})
	alice.expect(401, "POST", "/api/v1/session/mfa", map[string]string{"code": active.RecoveryCodes[0]})

	// Lockout: repeated failures lock Bob's account, and then even the
	// right password is refused.
	mallory := newClient(t, srv.url)
	locked := 0
	for i := 0; i < 10 && locked == 0; i++ {
		r := mallory.do("POST", "/api/v1/session", map[string]string{"email": "bob@example.org", "password": "not bob's password"})
		switch r.status {
		case 401:
		case 423:
			locked = i + 1
		default:
			t.Fatalf("failure %d: status %d", i+1, r.status)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if locked == 0 {
		t.Fatal("ten failures did not lock the account")
	}
	mallory.expect(423, "POST", "/api/v1/session", map[string]string{"email": "bob@example.org", "password": pw})

	// No email or note in clear anywhere under DATA but the keys, nor in
	// the server's log.
	srv.stop()
	filepath.Walk(data, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || strings.Contains(path, string(filepath.Separator)+"keys"+string(filepath.Separator)) {
			return err
		}
		b, _ := os.ReadFile(path)
		for _, secret := range []string{"alice@example.org", "bob@example.org", "felt fine after coffee", "Alice Example"} {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s holds %q in clear", path, secret)
			}
		}
		return nil
	})
	for _, secret := range []string{"alice@example.org", "felt fine after coffee", "Alice Example"} {
		if strings.Contains(srv.log.String(), secret) {
			t.Errorf("the server log holds %q", secret)
		}
	}

	// Idle timeout: a session unused for longer than --idle-timeout ends.
	srv = startServer(t, data, "--idle-timeout", "2s")
	alice = newClient(t, srv.url)
	alice.signIn("alice@example.org", pw, active.RecoveryCodes[1])
	alice.expect(200, "GET", "/api/v1/session", nil)
	time.Sleep(2500 * time.Millisecond)
	alice.expect(401, "GET", "/api/v1/session", nil)
	srv.stop()

	// The audit trail verifies, and stops verifying when a row is changed.
	if out, err := bpt(t, "", "audit", "verify", "--data", data); err != nil {
		t.Fatalf("audit verify: %v\n%s", err, out)
	}
	if store != "sqlite" {
		return // tampering with DynamoDB items is covered in the dynamo package
	}
	db, err := sql.Open("sqlite", filepath.Join(data, "bptracker.db"))
	if err != nil {
		t.Fatal(err)
	}
	var evID string
	for _, q := range []string{"DROP TRIGGER audit_no_update"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.QueryRow("SELECT id FROM audit WHERE action = 'reading.create' ORDER BY seq LIMIT 1 OFFSET 2").Scan(&evID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("UPDATE audit SET outcome = 'failure' WHERE id = ?", evID); err != nil {
		t.Fatal(err)
	}
	db.Close()
	out, err := bpt(t, "", "audit", "verify", "--data", data)
	if err == nil || !strings.Contains(out, evID) {
		t.Fatalf("audit verify after tampering: err %v, output %q; want a failure naming event %s", err, out, evID)
	}
}

// TestServeRefusesPlainHTTP: health data does not cross a network in clear.
func TestServeRefusesPlainHTTP(t *testing.T) {
	out, err := bpt(t, "", "serve", "--addr", "0.0.0.0:0", "--data", t.TempDir())
	if err == nil || !strings.Contains(out, "refusing plain HTTP") {
		t.Fatalf("serve on 0.0.0.0 without TLS: err %v, output %q; want a refusal", err, out)
	}
	if out, err := bpt(t, "", "serve", "--tls-cert", "x.pem", "--data", t.TempDir()); err == nil || !strings.Contains(out, "go together") {
		t.Fatalf("--tls-cert without --tls-key: err %v, output %q", err, out)
	}
}

// TestServeTLS: --tls-cert and --tls-key serve HTTPS, TLS 1.2 at least.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	srv := startServer(t, filepath.Join(dir, "data"), "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.HasPrefix(srv.url, "https://") {
		t.Fatalf("url = %s, want https", srv.url)
	}
	pool := x509.NewCertPool()
	pool.AddCert(must(x509.ParseCertificate(der)))
	for _, v := range []uint16{tls.VersionTLS11, tls.VersionTLS12} {
		hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: v, MaxVersion: v}}}
		resp, err := hc.Get(srv.url + "/healthz")
		if v == tls.VersionTLS11 {
			if err == nil {
				resp.Body.Close()
				t.Fatal("a TLS 1.1 handshake succeeded")
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Strict-Transport-Security") == "" {
			t.Fatalf("healthz over TLS: %d, HSTS %q", resp.StatusCode, resp.Header.Get("Strict-Transport-Security"))
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
