package http

import (
	"github.com/bptracker/bptracker"
)

// routes is the whole route table. Every route declares the action it
// performs; patient actions are decided by the service for the {pid} in the
// path, service actions here before the handler runs.
func (s *Server) routes() []Route {
	rs := []Route{
		{Pattern: "GET /healthz", Action: bptracker.ActionPublic, Public: true, Handle: s.handleHealth},
		{Pattern: "GET /api/v1/openapi.json", Action: bptracker.ActionPublic, Public: true, Handle: handleOpenAPI},

		{Pattern: "POST /api/v1/session", Action: actionSignIn, Public: true, Handle: s.handleSignIn},
		{Pattern: "POST /api/v1/session/mfa", Action: actionSignIn, Public: true, Handle: s.handleMFA},
		{Pattern: "POST /api/v1/signup", Action: actionSignIn, Public: true, Handle: s.handleSignUp},
		{Pattern: "GET /api/v1/session", Action: bptracker.ActionSignedIn, NoTouch: true, Handle: s.handleSession},
		{Pattern: "POST /api/v1/session/keepalive", Action: bptracker.ActionSignedIn, Handle: s.handleKeepalive},
		{Pattern: "DELETE /api/v1/session", Action: bptracker.ActionSignedIn, Handle: s.handleSignOut},
		{Pattern: "GET /api/v1/sessions", Action: bptracker.ActionOwnAccount, Handle: s.handleSessions},
		{Pattern: "DELETE /api/v1/sessions", Action: bptracker.ActionOwnAccount, Handle: s.handleSignOutEverywhere},

		{Pattern: "GET /api/v1/me", Action: bptracker.ActionOwnAccount, Handle: s.handleMe},
		{Pattern: "PATCH /api/v1/me", Action: bptracker.ActionOwnAccount, Handle: s.handleUpdateMe},
		{Pattern: "POST /api/v1/me/password", Action: bptracker.ActionOwnAccount, Handle: s.handleChangePassword},

		{Pattern: "POST /api/v1/patients/{pid}/readings", Action: bptracker.ActionWriteHealth, Handle: s.handleCreateReading},
		{Pattern: "GET /api/v1/patients/{pid}/readings", Action: bptracker.ActionReadHealth, Handle: s.handleFindReadings},
		{Pattern: "GET /api/v1/patients/{pid}/readings/{id}", Action: bptracker.ActionReadHealth, Handle: s.handleFindReading},
		{Pattern: "PATCH /api/v1/patients/{pid}/readings/{id}", Action: bptracker.ActionWriteHealth, Handle: s.handleUpdateReading},
		{Pattern: "DELETE /api/v1/patients/{pid}/readings/{id}", Action: bptracker.ActionWriteHealth, Handle: s.handleDeleteReading},
		{Pattern: "GET /api/v1/patients/{pid}/summary", Action: bptracker.ActionReadHealth, Handle: s.handleSummary},
		{Pattern: "GET /api/v1/patients/{pid}/home-report", Action: bptracker.ActionReadHealth, Handle: s.handleHomeReport},
	}
	return append(rs, s.extras...)
}
