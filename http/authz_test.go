package http_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/bptracker/bptracker"
	bphttp "github.com/bptracker/bptracker/http"
	"github.com/bptracker/bptracker/keyring"
	"github.com/bptracker/bptracker/service"
	"github.com/bptracker/bptracker/sqlite"
	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/keyset"
)

// env is an in-process server over a real SQLite store, with sessions
// created directly so the matrix does not spend time on TOTP.
type env struct {
	t   testing.TB
	db  *sqlite.DB
	svc *service.Service
	srv *httptest.Server
}

func newEnv(t testing.TB) *env { return newEnvWith(t, nil) }

// newEnvWith builds the env with the service's store wrapped by wrap.
func newEnvWith(t testing.TB, wrap func(bptracker.Store) bptracker.Store) *env {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	kh, _ := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	kek, _ := aead.New(kh)
	keys, err := keyring.New(context.Background(), kek, db, time.Minute, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	cfg := service.DefaultConfig()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg.Logger = quiet
	var store bptracker.Store = db
	if wrap != nil {
		store = wrap(db)
	}
	svc := service.New(store, keys, nil, cfg)
	handler := bphttp.NewServer(svc, bphttp.Options{Logger: quiet})
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	return &env{t: t, db: db, svc: svc, srv: srv}
}

// user creates an account and an active session, returning id and token.
func (e *env) user(role bptracker.Role, name string) (string, string) {
	e.t.Helper()
	u, err := e.svc.CreateUser(context.Background(), nil, service.Request{}, service.NewUser{
		Email: strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.org", Password: "correct horse battery staple", Role: role, Name: name})
	if err != nil {
		e.t.Fatal(err)
	}
	tok := fmt.Sprintf("%064x", len(name)*7919+int(time.Now().UnixNano()%1e9))
	now := time.Now().UTC()
	err = e.db.CreateSession(context.Background(), &bptracker.Session{IDHash: service.HashToken(tok), UserID: u.ID,
		State: bptracker.SessionActive, CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(time.Hour)})
	if err != nil {
		e.t.Fatal(err)
	}
	return u.ID, tok
}

func (e *env) grant(patient, grantee string, role bptracker.Role, access bptracker.Access, expires, revoked *time.Time) {
	e.t.Helper()
	g := &bptracker.Grant{ID: fmt.Sprintf("g-%s-%d", grantee, time.Now().UnixNano()), PatientID: patient, GranteeID: grantee, Role: role,
		Access: access, ExpiresAt: expires, RevokedAt: revoked, CreatedBy: patient, CreatedAt: time.Now().UTC()}
	if err := e.db.CreateGrant(context.Background(), g, nil); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) do(tok, method, path, body string) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		req.AddCookie(&http.Cookie{Name: bphttp.SessionCookie, Value: tok})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// actor is one column of the matrix: a role and its relation to patient P.
type actor struct {
	name string
	role bptracker.Role
	rel  string // self, none, read, write, revoked, expired, break-glass
	tok  string
	id   string
}

// TestAuthorizationMatrix checks every route of the table against every
// role and relation to the patient. A route without an action, or whose
// outcome disagrees with the policy, fails.
func TestAuthorizationMatrix(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	pid, ptok := e.user(bptracker.RolePatient, "Pat Patient")
	past, future := time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour)
	var actors []*actor
	add := func(name string, role bptracker.Role, rel string) *actor {
		id, tok := e.user(role, name)
		a := &actor{name: name, role: role, rel: rel, tok: tok, id: id}
		actors = append(actors, a)
		return a
	}
	actors = append(actors, &actor{name: "patient (self)", role: bptracker.RolePatient, rel: "self", tok: ptok, id: pid})
	add("Other Patient", bptracker.RolePatient, "none")
	add("Provider None", bptracker.RoleProvider, "none")
	e.grant(pid, add("Provider Read", bptracker.RoleProvider, "read").id, bptracker.RoleProvider, bptracker.AccessRead, &future, nil)
	e.grant(pid, add("Provider Write", bptracker.RoleProvider, "write").id, bptracker.RoleProvider, bptracker.AccessWrite, nil, nil)
	e.grant(pid, add("Provider Revoked", bptracker.RoleProvider, "revoked").id, bptracker.RoleProvider, bptracker.AccessWrite, nil, &past)
	add("Caregiver None", bptracker.RoleCaregiver, "none")
	e.grant(pid, add("Caregiver Read", bptracker.RoleCaregiver, "read").id, bptracker.RoleCaregiver, bptracker.AccessRead, nil, nil)
	e.grant(pid, add("Caregiver Write", bptracker.RoleCaregiver, "write").id, bptracker.RoleCaregiver, bptracker.AccessWrite, nil, nil)
	e.grant(pid, add("Caregiver Expired", bptracker.RoleCaregiver, "expired").id, bptracker.RoleCaregiver, bptracker.AccessWrite, &past, nil)
	add("Admin None", bptracker.RoleAdmin, "none")
	bg := add("Admin Break Glass", bptracker.RoleAdmin, "break-glass")
	if err := e.db.CreateBreakGlass(ctx, &bptracker.BreakGlass{ID: "bg1", AdminID: bg.id, PatientID: pid, Reason: "emergency department called",
		CreatedAt: time.Now().UTC(), ExpiresAt: time.Now().Add(time.Hour).UTC()}, nil); err != nil {
		t.Fatal(err)
	}
	otherUser, _ := e.user(bptracker.RolePatient, "Someone Else")

	// fresh makes the resource a route's {id} names, per request, so a
	// permitted delete does not change what the next cell sees.
	freshReading := func() string {
		rv, err := e.svc.CreateReading(ctx, &service.Actor{User: &bptracker.User{ID: pid, Role: bptracker.RolePatient}},
			pid, service.ReadingInput{TakenAt: time.Now().Add(-time.Hour).Format(time.RFC3339), Systolic: 120, Diastolic: 80})
		if err != nil {
			t.Fatal(err)
		}
		return rv.ID
	}
	freshGrant := func() string {
		id := fmt.Sprintf("gx-%d", time.Now().UnixNano())
		e.db.CreateGrant(ctx, &bptracker.Grant{ID: id, PatientID: pid, GranteeID: otherUser, Role: bptracker.RoleCaregiver, Access: bptracker.AccessRead, CreatedBy: pid, CreatedAt: time.Now()}, nil)
		return id
	}
	bodies := map[string]string{
		"POST /api/v1/patients/{pid}/readings":       `{"taken_at":"2026-01-01T08:00:00Z","systolic":120,"diastolic":80}`,
		"PATCH /api/v1/patients/{pid}/readings/{id}": `{"version":1,"note":"x"}`,
		"PATCH /api/v1/patients/{pid}/settings":      `{"guideline":"esh"}`,
		"POST /api/v1/patients/{pid}/grants":         `{"grantee_email":"new.person@example.org","role":"caregiver","access":"read"}`,
		"PATCH /api/v1/me":                           `{"name":"New Name"}`,
		"POST /api/v1/me/password":                   `{"current_password":"wrong","new_password":"another long passphrase"}`,
		"POST /api/v1/me/mfa/reset":                  `{"password":"wrong"}`,
		"POST /api/v1/me/mfa":                        `{"code":"000000"}`,
		"DELETE /api/v1/me":                          `{"password":"wrong","code":"000000"}`,
		"POST /api/v1/invitations":                   `{"email":"invitee@example.org","role":"patient"}`,
		"POST /api/v1/admin/users":                   `{"email":"invitee2@example.org","role":"patient"}`,
		"PATCH /api/v1/admin/users/{id}":             `{"action":"unlock"}`,
		"POST /api/v1/admin/break-glass":             `{"patient_id":"` + pid + `","reason":"the patient collapsed in clinic"}`,
	}
	skip := map[string]bool{ // routes that end the caller's own session
		"DELETE /api/v1/session":  true,
		"DELETE /api/v1/sessions": true,
	}
	routes := e.routes()
	var table strings.Builder
	for i, a := range actors {
		fmt.Fprintf(&table, "  %2d = %s (%s)\n", i+1, a.name, a.rel)
	}
	fmt.Fprintf(&table, "%-52s", "route \\ actor")
	for i := range actors {
		fmt.Fprintf(&table, " %3d", i+1)
	}
	table.WriteString("\n")
	cells := 0
	for _, rt := range routes {
		if rt.Action == "" {
			t.Errorf("route %s declares no action", rt.Pattern)
			continue
		}
		if rt.Public || skip[rt.Pattern] {
			continue
		}
		method, path, _ := strings.Cut(rt.Pattern, " ")
		patientRoute := strings.Contains(path, "{pid}")
		fmt.Fprintf(&table, "%-52s", rt.Pattern)
		for _, a := range actors {
			p := strings.Replace(path, "{pid}", pid, 1)
			if a.rel == "self" {
				p = strings.Replace(path, "{pid}", "me", 1)
			}
			switch {
			case strings.Contains(p, "/readings/{id}"):
				p = strings.Replace(p, "{id}", freshReading(), 1)
			case strings.Contains(p, "/grants/{id}"):
				p = strings.Replace(p, "{id}", freshGrant(), 1)
			case strings.Contains(p, "/admin/users/{id}"):
				p = strings.Replace(p, "{id}", otherUser, 1)
			case strings.Contains(p, "/break-glass/{id}"):
				p = strings.Replace(p, "{id}", "bg-none", 1)
			}
			var allowed bool
			if patientRoute {
				allowed = decide(a, rt.Action)
			} else {
				allowed = bptracker.DecideService(a.role, rt.Action)
			}
			status, body := e.do(a.tok, method, p, bodies[rt.Pattern])
			denied := (patientRoute && status == 404 && strings.Contains(body, `"not found"`)) || (!patientRoute && status == 403)
			if allowed == denied {
				t.Errorf("%s as %s (%s): status %d %.120s; policy allows: %v", rt.Pattern, a.name, a.rel, status, body, allowed)
			}
			if status == 401 || status >= 500 {
				t.Errorf("%s as %s: status %d %.200s", rt.Pattern, a.name, status, body)
			}
			mark := "  ."
			if allowed {
				mark = " ok"
			}
			table.WriteString(" " + mark)
			cells++
		}
		table.WriteString("\n")
	}
	t.Logf("authorization matrix (%d cells; ok = allowed, . = refused):\n%s", cells, table.String())
}

// decide is the policy's answer for an actor's relation to patient P.
func decide(a *actor, action bptracker.Action) bool {
	now := time.Now()
	past, future := now.Add(-time.Hour), now.Add(time.Hour)
	var rel bptracker.Relation
	switch a.rel {
	case "self":
		rel.Self = true
	case "read", "write", "revoked", "expired":
		g := &bptracker.Grant{ID: "g", Role: a.role, Access: bptracker.AccessRead}
		if a.rel != "read" {
			g.Access = bptracker.AccessWrite
		}
		if a.rel == "revoked" {
			g.RevokedAt = &past
		}
		if a.rel == "expired" {
			g.ExpiresAt = &past
		}
		rel.Grant = g
	case "break-glass":
		rel.BreakGlass = &bptracker.BreakGlass{ID: "b", ExpiresAt: future}
	}
	return bptracker.Decide(a.role, action, rel, now)
}

func (e *env) routes() []bphttp.Route {
	s := bphttp.New(e.svc, bphttp.Options{})
	rs := s.Routes()
	sort.Slice(rs, func(i, j int) bool { return rs[i].Pattern < rs[j].Pattern })
	return rs
}
