package http_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/bptracker/bptracker"
)

// grantCounter counts the grant lookups that decide access.
type grantCounter struct {
	bptracker.Store
	n atomic.Int32
}

func (c *grantCounter) FindGrants(ctx context.Context, f bptracker.GrantFilter) ([]*bptracker.Grant, error) {
	c.n.Add(1)
	return c.Store.FindGrants(ctx, f)
}

// TestAccessLookedUpOnce: the route's access check and the service
// method's share one grant lookup per request.
func TestAccessLookedUpOnce(t *testing.T) {
	var counter *grantCounter
	e := newEnvWith(t, func(s bptracker.Store) bptracker.Store { counter = &grantCounter{Store: s}; return counter })
	pid, _ := e.user(bptracker.RolePatient, "Counted Patient")
	prov, tok := e.user(bptracker.RoleProvider, "Counted Provider")
	e.grant(pid, prov, bptracker.RoleProvider, bptracker.AccessRead, nil, nil)
	for _, path := range []string{"/api/v1/patients/" + pid + "/readings", "/api/v1/patients/" + pid + "/summary"} {
		counter.n.Store(0)
		if st, body := e.do(tok, "GET", path, ""); st != 200 {
			t.Fatalf("GET %s: %d %s", path, st, body)
		}
		if n := counter.n.Load(); n != 1 {
			t.Errorf("GET %s looked up the grants %d times, want 1", path, n)
		}
	}
	// Without a grant, the one lookup refuses.
	other, _ := e.user(bptracker.RolePatient, "Other Patient")
	counter.n.Store(0)
	if st, _ := e.do(tok, "GET", "/api/v1/patients/"+other+"/readings", ""); st != 404 {
		t.Fatalf("no grant: status %d, want 404", st)
	}
	if n := counter.n.Load(); n != 1 {
		t.Errorf("a refusal looked up the grants %d times, want 1", n)
	}
}
