package http_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestOpenAPI keeps the served document true: every route of the table is
// documented with its action, and every documented operation is routed.
func TestOpenAPI(t *testing.T) {
	e := newEnv(t)
	status, body := e.do("", "GET", "/api/v1/openapi.json", "")
	if status != http.StatusOK {
		t.Fatalf("GET openapi.json: %d", status)
	}
	var doc struct {
		OpenAPI string `json:"openapi"`
		Paths   map[string]map[string]struct {
			XAction string `json:"x-action"`
		} `json:"paths"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi = %q", doc.OpenAPI)
	}
	routed := map[string]bool{}
	for _, rt := range e.routes() {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		routed[rt.Pattern] = true
		op, ok := doc.Paths[path][strings.ToLower(method)]
		if !ok {
			t.Errorf("route %s is not in openapi.json", rt.Pattern)
			continue
		}
		if want := string(rt.Action); op.XAction != want {
			t.Errorf("%s: x-action %q, want %q", rt.Pattern, op.XAction, want)
		}
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			if !routed[strings.ToUpper(method)+" "+path] {
				t.Errorf("openapi.json documents %s %s, which no route serves", strings.ToUpper(method), path)
			}
		}
	}
}
