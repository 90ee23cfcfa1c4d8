package bptracker

import "time"

// Action is what a request does to a patient's record (or to the service).
// Every route declares one; Decide is the only place that knows the rules.
type Action string

const (
	ActionReadHealth   Action = "health.read"        // readings, summaries, exports
	ActionWriteHealth  Action = "health.write"       // add, edit, delete, import readings
	ActionShare        Action = "sharing.manage"     // grant and revoke access
	ActionReadSharing  Action = "sharing.read"       // list grants
	ActionAccessLog    Action = "accesslog.read"     // who accessed the record
	ActionSetClinical  Action = "clinical.set"       // target range and guideline
	ActionResetLink    Action = "account.reset_link" // a provider helps a patient back in
	ActionEraseAccount Action = "account.erase"
	// Service-level actions, with no patient.
	ActionOwnAccount Action = "account.own" // profile, password, sessions: any signed-in user
	ActionPanel      Action = "panel.read"  // a provider's or carer's list of patients
	ActionInvite     Action = "staff.invite"
	ActionAdminUsers Action = "admin.users"
	ActionAdminAudit Action = "admin.audit"
	ActionBreakGlass Action = "admin.breakglass"
	ActionPublic     Action = "public" // sign-in, health, OpenAPI: no actor needed
	ActionSignedIn   Action = "signed_in"
)

// Relation is how an actor stands to a patient's record at a moment.
type Relation struct {
	Self       bool
	Grant      *Grant      // the actor's live grant on the patient, if any
	BreakGlass *BreakGlass // the admin's open break-glass access, if any
}

// Via names what an access was made under, for the audit trail.
func (r Relation) Via() string {
	switch {
	case r.Self:
		return "self"
	case r.Grant != nil:
		return "grant:" + r.Grant.ID
	case r.BreakGlass != nil:
		return "break-glass:" + r.BreakGlass.ID
	}
	return ""
}

// Decide reports whether an actor with role, standing in rel to the patient,
// may perform action on the patient's record. Deny by default.
func Decide(role Role, action Action, rel Relation, now time.Time) bool {
	if rel.Grant != nil && !rel.Grant.Live(now) {
		rel.Grant = nil
	}
	if rel.BreakGlass != nil && !rel.BreakGlass.Live(now) {
		rel.BreakGlass = nil
	}
	switch {
	case rel.Self:
		// Only patients have a record of their own.
		return role == RolePatient && isPatientAction(action)
	case rel.Grant != nil && (role == RoleProvider || role == RoleCaregiver) && rel.Grant.Role == role:
		g := rel.Grant
		switch action {
		case ActionReadHealth, ActionReadSharing:
			return true
		case ActionWriteHealth:
			return g.Access == AccessWrite
		case ActionShare:
			return g.Role == RoleCaregiver && g.Access == AccessWrite
		case ActionSetClinical, ActionResetLink:
			return g.Role == RoleProvider
		}
	case rel.BreakGlass != nil && role == RoleAdmin:
		return action == ActionReadHealth
	}
	return false
}

func isPatientAction(a Action) bool {
	switch a {
	case ActionReadHealth, ActionWriteHealth, ActionShare, ActionReadSharing, ActionAccessLog, ActionSetClinical, ActionEraseAccount:
		return true
	}
	return false
}

// DecideService reports whether role may perform a service-level action
// (one that concerns no single patient).
func DecideService(role Role, action Action) bool {
	switch action {
	case ActionPublic:
		return true
	case ActionSignedIn, ActionOwnAccount:
		return role.Valid()
	case ActionPanel:
		return role == RoleProvider || role == RoleCaregiver
	case ActionInvite:
		return role == RoleProvider || role == RoleAdmin
	case ActionAdminUsers, ActionAdminAudit, ActionBreakGlass:
		return role == RoleAdmin
	}
	return false
}
