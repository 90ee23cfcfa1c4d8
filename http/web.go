package http

import (
	_ "embed"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/service"
)

//go:embed openapi.json
var openAPI []byte

func handleOpenAPI(w http.ResponseWriter, r *http.Request, _ *service.Actor) error {
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write(openAPI)
	return err
}

// serveWeb serves the web app's files, and index.html for app routes so a
// reload of /history works.
func (s *Server) serveWeb(w http.ResponseWriter, r *http.Request) {
	if s.web == nil || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		writeError(w, r, bptracker.Errorf(bptracker.ENOTFOUND, "not found"))
		return
	}
	name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
	if name == "" {
		name = "index.html"
	}
	if st, err := fs.Stat(s.web, name); err != nil || st.IsDir() {
		if path.Ext(name) != "" { // a missing asset, not an app route
			http.NotFound(w, r)
			return
		}
		name = "index.html"
	}
	if strings.HasPrefix(name, "assets/") {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	http.ServeFileFS(w, r, s.web, name)
}
