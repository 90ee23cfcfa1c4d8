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
		{Pattern: "POST /api/v1/me/mfa/reset", Action: bptracker.ActionOwnAccount, Handle: s.handleMFAReplace},
		{Pattern: "POST /api/v1/me/mfa", Action: bptracker.ActionOwnAccount, Handle: s.handleMFAConfirm},
		{Pattern: "DELETE /api/v1/me", Action: bptracker.ActionOwnAccount, Handle: s.handleEraseMe},

		{Pattern: "POST /api/v1/invitations", Action: bptracker.ActionInvite, Handle: s.handleStaffInvite},
		{Pattern: "POST /api/v1/invitations/{code}/accept", Action: actionSignIn, Public: true, Handle: s.handleAcceptInvitation},
		{Pattern: "POST /api/v1/password-reset", Action: actionSignIn, Public: true, Handle: s.handleRequestReset},
		{Pattern: "POST /api/v1/resets/{code}", Action: actionSignIn, Public: true, Handle: s.handleResetPassword},
		{Pattern: "GET /api/v1/patients", Action: bptracker.ActionPanel, Handle: s.handlePanel},

		{Pattern: "POST /api/v1/patients/{pid}/readings", Action: bptracker.ActionWriteHealth, Handle: s.handleCreateReading},
		{Pattern: "GET /api/v1/patients/{pid}/readings", Action: bptracker.ActionReadHealth, Handle: s.handleFindReadings},
		{Pattern: "GET /api/v1/patients/{pid}/readings/{id}", Action: bptracker.ActionReadHealth, Handle: s.handleFindReading},
		{Pattern: "PATCH /api/v1/patients/{pid}/readings/{id}", Action: bptracker.ActionWriteHealth, Handle: s.handleUpdateReading},
		{Pattern: "DELETE /api/v1/patients/{pid}/readings/{id}", Action: bptracker.ActionWriteHealth, Handle: s.handleDeleteReading},
		{Pattern: "GET /api/v1/patients/{pid}/summary", Action: bptracker.ActionReadHealth, Handle: s.handleSummary},
		{Pattern: "GET /api/v1/patients/{pid}/home-report", Action: bptracker.ActionReadHealth, Handle: s.handleHomeReport},
		{Pattern: "POST /api/v1/patients/{pid}/imports", Action: bptracker.ActionWriteHealth, Handle: s.handleImport, MaxBody: maxImportBody},
		{Pattern: "GET /api/v1/patients/{pid}/imports", Action: bptracker.ActionWriteHealth, Handle: s.handleImportJobs},
		{Pattern: "GET /api/v1/patients/{pid}/imports/{id}", Action: bptracker.ActionWriteHealth, Handle: s.handleImportJob},
		{Pattern: "POST /api/v1/patients/{pid}/imports/{id}/continue", Action: bptracker.ActionWriteHealth, Handle: s.handleContinueImport},
		{Pattern: "GET /api/v1/patients/{pid}/export", Action: bptracker.ActionReadHealth, Handle: s.handleExport},
		{Pattern: "GET /api/v1/patients/{pid}/archive", Action: bptracker.ActionAccessLog, Handle: s.handleArchive},
		{Pattern: "PATCH /api/v1/patients/{pid}/settings", Action: bptracker.ActionSetClinical, Handle: s.handleSetClinical},
		{Pattern: "POST /api/v1/patients/{pid}/reset-link", Action: bptracker.ActionResetLink, Handle: s.handlePatientResetLink},

		{Pattern: "POST /api/v1/patients/{pid}/grants", Action: bptracker.ActionShare, Handle: s.handleCreateGrant},
		{Pattern: "GET /api/v1/patients/{pid}/grants", Action: bptracker.ActionReadSharing, Handle: s.handleGrants},
		{Pattern: "DELETE /api/v1/patients/{pid}/grants/{id}", Action: bptracker.ActionShare, Handle: s.handleRevokeGrant},
		{Pattern: "GET /api/v1/patients/{pid}/access-log", Action: bptracker.ActionAccessLog, Handle: s.handleAccessLog},

		{Pattern: "GET /api/v1/admin/users", Action: bptracker.ActionAdminUsers, Handle: s.handleAdminUsers},
		{Pattern: "POST /api/v1/admin/users", Action: bptracker.ActionAdminUsers, Handle: s.handleStaffInvite},
		{Pattern: "PATCH /api/v1/admin/users/{id}", Action: bptracker.ActionAdminUsers, Handle: s.handleAdminChangeUser},
		{Pattern: "GET /api/v1/admin/audit", Action: bptracker.ActionAdminAudit, Handle: s.handleAdminAudit},
		{Pattern: "POST /api/v1/admin/break-glass", Action: bptracker.ActionBreakGlass, Handle: s.handleOpenBreakGlass},
		{Pattern: "GET /api/v1/admin/break-glass", Action: bptracker.ActionBreakGlass, Handle: s.handleBreakGlassList},
		{Pattern: "DELETE /api/v1/admin/break-glass/{id}", Action: bptracker.ActionBreakGlass, Handle: s.handleCloseBreakGlass},
	}
	return append(rs, s.extras...)
}
