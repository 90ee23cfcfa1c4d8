// Package web holds the built single-page app (web/dist) embedded for the server to serve.
package web

import "embed"

// Dist is the Vite build output; `npm run build` (make) creates it before any Go build.
//
//go:embed all:dist
var Dist embed.FS
