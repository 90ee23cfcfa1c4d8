package service_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/keyring"
	"github.com/bptracker/bptracker/service"
	"github.com/bptracker/bptracker/sqlite"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/keyset"
)

// clock is a fixed clock the test moves by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newService(t *testing.T) (*service.Service, *sqlite.DB, *clock) {
	t.Helper()
	return buildService(t, nil, nil)
}

// newServiceWith is newService with the configuration changed by set.
func newServiceWith(t *testing.T, set func(*service.Config)) (*service.Service, *sqlite.DB, *clock) {
	t.Helper()
	return buildService(t, nil, set)
}

// newServiceOn is newService over a wrapper of its database.
func newServiceOn(t *testing.T, wrap func(*sqlite.DB) bptracker.Store) (*service.Service, *sqlite.DB, *clock) {
	t.Helper()
	return buildService(t, wrap, nil)
}

func buildService(t *testing.T, wrap func(*sqlite.DB) bptracker.Store, set func(*service.Config)) (*service.Service, *sqlite.DB, *clock) {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clk := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	h, _ := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	kek, _ := aead.New(h)
	keys, err := keyring.New(context.Background(), kek, db, time.Minute, clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	cfg := service.DefaultConfig()
	cfg.Now = clk.Now
	if set != nil {
		set(&cfg)
	}
	var store bptracker.Store = db
	if wrap != nil {
		store = wrap(db)
	}
	return service.New(store, keys, nil, cfg), db, clk
}

const pw = "correct horse battery staple"

func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enrol creates a patient and completes the first sign-in, returning the
// TOTP secret and the session token.
func enrol(t *testing.T, s *service.Service, clk *clock, email string) (string, string) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.CreateUser(ctx, nil, service.Request{}, service.NewUser{Email: email, Password: pw, Role: bptracker.RolePatient}); err != nil {
		t.Fatal(err)
	}
	out, pending, err := s.SignIn(ctx, service.Request{}, email, pw)
	if err != nil {
		t.Fatal(err)
	}
	done, err := s.CompleteMFA(ctx, service.Request{}, pending, codeAt(t, out.TOTPSecret, clk.Now()))
	if err != nil {
		t.Fatal(err)
	}
	return out.TOTPSecret, done.Token
}

func TestLockoutSchedule(t *testing.T) {
	s, _, clk := newService(t)
	ctx := context.Background()
	enrol(t, s, clk, "lou@example.org")
	fail := func() string {
		_, _, err := s.SignIn(ctx, service.Request{}, "lou@example.org", "wrong password!!")
		return bptracker.ErrorCode(err)
	}
	for i := 1; i <= 4; i++ {
		if got := fail(); got != bptracker.EUNAUTHORIZED {
			t.Fatalf("failure %d: %s, want unauthorized", i, got)
		}
	}
	// 5th to 9th failures slow the account: 1, 2, 4, 8, 16 seconds.
	for i, wait := range []time.Duration{1, 2, 4, 8, 16} {
		if got := fail(); got != bptracker.EUNAUTHORIZED {
			t.Fatalf("failure %d: %s", 5+i, got)
		}
		if got := fail(); got != bptracker.ELOCKED {
			t.Fatalf("during the %ds slow-down: %s, want locked", wait, got)
		}
		clk.Add(wait * time.Second)
	}
	if got := fail(); got != bptracker.ELOCKED { // the 10th locks
		t.Fatalf("10th failure: %s, want locked", got)
	}
	clk.Add(service.LockDuration - time.Second)
	if _, _, err := s.SignIn(ctx, service.Request{}, "lou@example.org", pw); bptracker.ErrorCode(err) != bptracker.ELOCKED {
		t.Fatalf("the right password during the lock: %v", err)
	}
	clk.Add(2 * time.Second)
	if _, _, err := s.SignIn(ctx, service.Request{}, "lou@example.org", pw); err != nil {
		t.Fatalf("after the lock: %v", err)
	}
}

func TestSessionLifetimes(t *testing.T) {
	s, db, clk := newService(t)
	ctx := context.Background()
	secret, tok := enrol(t, s, clk, "sam@example.org")
	// Activity keeps the session alive past the idle timeout…
	for range 40 {
		clk.Add(10 * time.Minute)
		if _, err := s.Authenticate(ctx, service.Request{}, tok, true); err != nil {
			t.Fatalf("active session ended at %v: %v", clk.Now(), err)
		}
	}
	// …but not past the absolute lifetime.
	clk.Add(6 * time.Hour)
	if _, err := s.Authenticate(ctx, service.Request{}, tok, true); bptracker.ErrorCode(err) != bptracker.EUNAUTHORIZED {
		t.Fatalf("after 12 hours: %v, want signed out", err)
	}
	// Idle: a request that does not count as activity does not extend it,
	// and activity is written at most once a minute.
	tok = signIn(t, s, clk, "sam@example.org", secret)
	clk.Add(30 * time.Second)
	a, err := s.Authenticate(ctx, service.Request{}, tok, true)
	if err != nil {
		t.Fatal(err)
	}
	sess, _ := db.FindSession(ctx, a.Session.IDHash)
	if !sess.LastSeen.Equal(sess.CreatedAt) {
		t.Fatalf("activity written after 30 s (last seen %v)", sess.LastSeen)
	}
	clk.Add(14 * time.Minute)
	if _, err := s.Authenticate(ctx, service.Request{}, tok, false); err != nil {
		t.Fatalf("at 14.5 minutes idle: %v", err)
	}
	clk.Add(time.Minute)
	if _, err := s.Authenticate(ctx, service.Request{}, tok, false); bptracker.ErrorCode(err) != bptracker.EUNAUTHORIZED {
		t.Fatalf("at 15.5 minutes idle: %v, want signed out", err)
	}
}

// signIn signs an enrolled account in again, with the next step's code.
func signIn(t *testing.T, s *service.Service, clk *clock, email, secret string) string {
	t.Helper()
	ctx := context.Background()
	clk.Add(30 * time.Second)
	_, pending, err := s.SignIn(ctx, service.Request{}, email, pw)
	if err != nil {
		t.Fatal(err)
	}
	done, err := s.CompleteMFA(ctx, service.Request{}, pending, codeAt(t, secret, clk.Now()))
	if err != nil {
		t.Fatal(err)
	}
	return done.Token
}

func TestTOTPOnce(t *testing.T) {
	s, _, clk := newService(t)
	ctx := context.Background()
	secret, _ := enrol(t, s, clk, "tia@example.org")
	_, pending, err := s.SignIn(ctx, service.Request{}, "tia@example.org", pw)
	if err != nil {
		t.Fatal(err)
	}
	// The code of the step used at enrolment is refused; the next step's works.
	if _, err := s.CompleteMFA(ctx, service.Request{}, pending, codeAt(t, secret, clk.Now())); bptracker.ErrorCode(err) != bptracker.EUNAUTHORIZED {
		t.Fatalf("a reused code: %v, want refused", err)
	}
	clk.Add(30 * time.Second)
	if _, err := s.CompleteMFA(ctx, service.Request{}, pending, codeAt(t, secret, clk.Now())); err != nil {
		t.Fatalf("the next step's code: %v", err)
	}
	// A pending sign-in expires.
	_, pending, _ = s.SignIn(ctx, service.Request{}, "tia@example.org", pw)
	clk.Add(6 * time.Minute)
	if _, err := s.CompleteMFA(ctx, service.Request{}, pending, codeAt(t, secret, clk.Now())); bptracker.ErrorCode(err) != bptracker.EUNAUTHORIZED {
		t.Fatalf("MFA after the pending sign-in expired: %v", err)
	}
}

// TestImportJobConcurrent: two callers continuing one job at once write
// every reading exactly once.
func TestImportJobConcurrent(t *testing.T) {
	s, db, clk := newService(t)
	ctx := context.Background()
	enrol(t, s, clk, "kim@example.org")
	u, err := s.FindUserByEmail(ctx, "kim@example.org")
	if err != nil {
		t.Fatal(err)
	}
	a := &service.Actor{User: u}
	var csv strings.Builder
	csv.WriteString("Date,Time,Sys,Dia\n")
	for i := range 777 {
		at := clk.Now().Add(-time.Duration(i+1) * time.Hour)
		fmt.Fprintf(&csv, "%s,%s,%d,%d\n", at.Format("2006-01-02"), at.Format("15:04"), 110+i%40, 70+i%20)
	}
	res, err := s.Import(ctx, a, u.ID, []byte(csv.String()), service.ImportOptions{Async: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Job == nil || res.Job.Total != 777 {
		t.Fatalf("no job for 777 readings: %+v", res)
	}
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				v, err := s.ContinueImport(ctx, a, u.ID, res.Job.ID, time.Second)
				if err != nil || v.Status != bptracker.JobRunning {
					errs[i] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	recs, _, err := db.FindReadings(ctx, bptracker.ReadingFilter{PatientID: u.ID, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 777 {
		t.Fatalf("readings = %d, want 777", len(recs))
	}
	v, err := s.ImportJob(ctx, a, u.ID, res.Job.ID)
	if err != nil || v.Status != bptracker.JobDone || v.Done != 777 {
		t.Fatalf("job = %+v, %v", v, err)
	}
	if _, err := bptracker.VerifyAudit(ctx, db); err != nil {
		t.Fatal(err)
	}
}

// TestPasswordRulesEverywhere: the app's rules (length, the common list)
// hold for a change and for an operator's reset, whatever the provider.
func TestPasswordRulesEverywhere(t *testing.T) {
	s, _, clk := newService(t)
	ctx := context.Background()
	enrol(t, s, clk, "pat@example.org")
	u, err := s.FindUserByEmail(ctx, "pat@example.org")
	if err != nil {
		t.Fatal(err)
	}
	a := &service.Actor{User: u}
	for _, bad := range []string{"password123456", "short"} {
		if err := s.ChangePassword(ctx, a, pw, bad); bptracker.ErrorFields(err)["new_password"] == "" {
			t.Errorf("ChangePassword to %q: %v, want a new_password field error", bad, err)
		}
		if err := s.SetUserPassword(ctx, service.System(service.Request{}), u.ID, bad); bptracker.ErrorFields(err)["password"] == "" {
			t.Errorf("SetUserPassword to %q: %v, want a password field error", bad, err)
		}
	}
	if err := s.ChangePassword(ctx, a, pw, "another long passphrase"); err != nil {
		t.Fatalf("a good change: %v", err)
	}
}
