package service

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/keyring"
	"github.com/bptracker/bptracker/password"
)

// GrantInput asks for a patient's record to be shared.
type GrantInput struct {
	GranteeEmail string           `json:"grantee_email"`
	Role         bptracker.Role   `json:"role"`
	Access       bptracker.Access `json:"access"`
	ExpiresAt    *time.Time       `json:"expires_at"`
}

// GrantView is a grant with the grantee's name.
type GrantView struct {
	*bptracker.Grant
	GranteeName  string `json:"grantee_name"`
	GranteeEmail string `json:"grantee_email"`
}

// InvitationView is an invitation as its creator sees it. Code is set only
// when it is created: the store keeps its hash alone.
type InvitationView struct {
	ID        string           `json:"id"`
	Code      string           `json:"-"`
	Email     string           `json:"email"`
	Role      bptracker.Role   `json:"role"`
	Access    bptracker.Access `json:"access,omitempty"`
	PatientID string           `json:"patient_id,omitempty"`
	ExpiresAt time.Time        `json:"expires_at"`
	UsedAt    *time.Time       `json:"used_at,omitempty"`
}

// CreateGrant shares the patient's record with an existing provider or
// caregiver, or invites them when no account has the email.
func (s *Service) CreateGrant(ctx context.Context, a *Actor, patientID string, in GrantInput) (*GrantView, *InvitationView, error) {
	if _, err := s.authorize(ctx, a, bptracker.ActionShare, patientID); err != nil {
		return nil, nil, err
	}
	f := bptracker.FieldErrors{}
	if in.Role != bptracker.RoleProvider && in.Role != bptracker.RoleCaregiver {
		f.Add("role", "role must be provider or caregiver")
	}
	if in.Access != bptracker.AccessRead && in.Access != bptracker.AccessWrite {
		f.Add("access", "access must be read or write")
	}
	now := s.cfg.Now().UTC()
	if in.ExpiresAt != nil && !in.ExpiresAt.After(now) {
		f.Add("expires_at", "expires_at must be in the future")
	}
	if !strings.Contains(in.GranteeEmail, "@") || len(in.GranteeEmail) > 254 {
		f.Add("grantee_email", "enter the email address of the person to share with")
	}
	if err := f.Err(); err != nil {
		return nil, nil, err
	}
	rec, err := s.store.FindUserByEmailIndex(ctx, s.keys.EmailIndex(in.GranteeEmail))
	if bptracker.ErrorCode(err) == bptracker.ENOTFOUND {
		inv, err := s.invite(ctx, a, keyring.NormalizeEmail(in.GranteeEmail), in.Role, patientID, in.Access, in.ExpiresAt)
		return nil, inv, err
	} else if err != nil {
		return nil, nil, err
	}
	switch {
	case rec.ID == a.User.ID || rec.ID == patientID:
		return nil, nil, fieldError("grantee_email", "you cannot share a record with its own owner or with yourself")
	case rec.Role != in.Role:
		return nil, nil, fieldError("grantee_email", fmt.Sprintf("that account is not a %s account", in.Role))
	case rec.Status != bptracker.UserActive:
		return nil, nil, fieldError("grantee_email", "that account is not active")
	}
	g := &bptracker.Grant{ID: s.cfg.NewID(), PatientID: patientID, GranteeID: rec.ID, Role: in.Role, Access: in.Access,
		ExpiresAt: in.ExpiresAt, CreatedBy: a.User.ID, CreatedAt: now}
	ev := s.event(a, a.Request, "grant.create", patientID, g.ID, bptracker.OutcomeSuccess)
	ev.Detail = fmt.Sprintf("grantee=%s role=%s access=%s", rec.ID, in.Role, in.Access)
	if err := s.store.CreateGrant(ctx, g, ev); err != nil {
		return nil, nil, err
	}
	gv, err := s.grantView(ctx, g)
	return gv, nil, err
}

func fieldError(field, msg string) error {
	return &bptracker.Error{Code: bptracker.EINVALID, Message: msg, Fields: map[string]string{field: msg}}
}

func (s *Service) grantView(ctx context.Context, g *bptracker.Grant) (*GrantView, error) {
	v := &GrantView{Grant: g}
	if _, u, _, err := s.findUser(ctx, g.GranteeID); err == nil {
		v.GranteeName, v.GranteeEmail = u.Name, u.Email
	} else if bptracker.ErrorCode(err) != bptracker.ENOTFOUND {
		return nil, err
	}
	return v, nil
}

// Grants lists who may see the patient's record, and pending invitations.
func (s *Service) Grants(ctx context.Context, a *Actor, patientID string) ([]*GrantView, []*InvitationView, error) {
	if _, err := s.authorize(ctx, a, bptracker.ActionReadSharing, patientID); err != nil {
		return nil, nil, err
	}
	gs, err := s.store.FindGrants(ctx, bptracker.GrantFilter{PatientID: patientID})
	if err != nil {
		return nil, nil, err
	}
	out := []*GrantView{}
	for _, g := range gs {
		v, err := s.grantView(ctx, g)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, v)
	}
	invs, err := s.invitations(ctx, a.User.ID, func(i *bptracker.Invitation) bool { return i.PatientID == patientID })
	return out, invs, err
}

func (s *Service) invitations(ctx context.Context, creator string, keep func(*bptracker.Invitation) bool) ([]*InvitationView, error) {
	all, err := s.store.FindInvitations(ctx, creator)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Now()
	out := []*InvitationView{}
	for _, i := range all {
		if i.Kind != "invite" || i.UsedAt != nil || !now.Before(i.ExpiresAt) || !keep(i) {
			continue
		}
		var email string
		if err := s.keys.OpenJSON(ctx, i.CreatedBy, fieldInvite, i.Sealed, &email); err != nil {
			return nil, err
		}
		out = append(out, &InvitationView{ID: i.CodeHash[:16], Email: email, Role: i.Role, Access: i.Access, PatientID: i.PatientID, ExpiresAt: i.ExpiresAt})
	}
	return out, nil
}

// RevokeGrant ends a grant at once.
func (s *Service) RevokeGrant(ctx context.Context, a *Actor, patientID, grantID string) error {
	if _, err := s.authorize(ctx, a, bptracker.ActionShare, patientID); err != nil {
		return err
	}
	g, err := s.store.FindGrantByID(ctx, patientID, grantID)
	if err != nil {
		return err
	}
	if g.RevokedAt != nil {
		return nil
	}
	now := s.cfg.Now().UTC()
	g.RevokedAt = &now
	return s.store.UpdateGrant(ctx, g, s.event(a, a.Request, "grant.revoke", patientID, g.ID, bptracker.OutcomeSuccess))
}

// invite creates a single-use invitation. With patientID, accepting it also
// creates the grant.
func (s *Service) invite(ctx context.Context, a *Actor, email string, role bptracker.Role, patientID string, access bptracker.Access, grantExpires *time.Time) (*InvitationView, error) {
	now := s.cfg.Now().UTC()
	code, hash := token()
	sealed, err := s.keys.SealJSON(ctx, a.User.ID, fieldInvite, email)
	if err != nil {
		return nil, err
	}
	inv := &bptracker.Invitation{CodeHash: hash, Kind: "invite", UserID: s.cfg.NewID(), Role: role, PatientID: patientID,
		Access: access, GrantExpiresAt: grantExpires, Sealed: sealed, CreatedBy: a.User.ID, CreatedAt: now, ExpiresAt: now.Add(s.cfg.InviteLifetime)}
	ev := s.event(a, a.Request, "invitation.create", patientID, hash[:16], bptracker.OutcomeSuccess)
	ev.Detail = "role=" + string(role)
	if err := s.store.CreateInvitation(ctx, inv, ev); err != nil {
		return nil, err
	}
	return &InvitationView{ID: hash[:16], Code: code, Email: email, Role: role, Access: access, PatientID: patientID, ExpiresAt: inv.ExpiresAt}, nil
}

// StaffInvite lets an admin invite anyone, and a provider invite patients
// (who then share with the provider on joining) and other providers.
func (s *Service) StaffInvite(ctx context.Context, a *Actor, email string, role bptracker.Role) (*InvitationView, error) {
	if err := s.authorizeService(ctx, a, bptracker.ActionInvite); err != nil {
		return nil, err
	}
	if !role.Valid() {
		return nil, fieldError("role", "role must be patient, caregiver, provider or admin")
	}
	if a.User.Role == bptracker.RoleProvider && role != bptracker.RolePatient && role != bptracker.RoleProvider {
		return nil, fieldError("role", "providers invite patients and providers")
	}
	if !strings.Contains(email, "@") || len(email) > 254 {
		return nil, fieldError("email", "enter an email address like name@example.org")
	}
	if _, err := s.store.FindUserByEmailIndex(ctx, s.keys.EmailIndex(email)); err == nil {
		return nil, &bptracker.Error{Code: bptracker.ECONFLICT, Message: "an account with this email exists already", Fields: map[string]string{"email": "an account with this email exists already"}}
	}
	return s.invite(ctx, a, keyring.NormalizeEmail(email), role, "", "", nil)
}

// AcceptInvitation creates the invited account (and the grant it carries).
func (s *Service) AcceptInvitation(ctx context.Context, req Request, code, pw, name string) (*bptracker.User, error) {
	inv, err := s.store.FindInvitation(ctx, HashToken(code))
	now := s.cfg.Now()
	if err != nil || inv.Kind != "invite" || inv.UsedAt != nil || !now.Before(inv.ExpiresAt) {
		return nil, bptracker.Errorf(bptracker.ENOTFOUND, "this invitation link is not valid: it may have been used or have expired")
	}
	if err := password.Check("password", pw); err != nil {
		return nil, err
	}
	var email string
	if err := s.keys.OpenJSON(ctx, inv.CreatedBy, fieldInvite, inv.Sealed, &email); err != nil {
		return nil, err
	}
	ev := s.event(nil, req, "invitation.accept", inv.PatientID, inv.CodeHash[:16], bptracker.OutcomeSuccess)
	ev.ActorID = inv.UserID
	if err := s.store.UseInvitation(ctx, inv.CodeHash, now.UTC(), ev); err != nil {
		return nil, bptracker.Errorf(bptracker.ENOTFOUND, "this invitation link is not valid: it may have been used or have expired")
	}
	u, err := s.createUserWithID(ctx, nil, inv.UserID, req, NewUser{Email: email, Password: pw, Role: inv.Role, Name: name})
	if err != nil {
		return nil, err
	}
	creator := &Actor{User: &bptracker.User{ID: inv.CreatedBy}, Request: req}
	var g *bptracker.Grant
	switch {
	case inv.PatientID != "": // a patient (or carer) shared the record
		g = &bptracker.Grant{PatientID: inv.PatientID, GranteeID: u.ID, Role: inv.Role, Access: inv.Access, ExpiresAt: inv.GrantExpiresAt}
	case inv.Role == bptracker.RolePatient:
		// A patient invited by a provider shares with that provider.
		if _, cu, _, err := s.findUser(ctx, inv.CreatedBy); err == nil && cu.Role == bptracker.RoleProvider {
			g = &bptracker.Grant{PatientID: u.ID, GranteeID: cu.ID, Role: bptracker.RoleProvider, Access: bptracker.AccessRead}
			creator.User.ID = u.ID
		}
	}
	if g != nil {
		g.ID, g.CreatedBy, g.CreatedAt = s.cfg.NewID(), creator.User.ID, now.UTC()
		gev := s.event(creator, req, "grant.create", g.PatientID, g.ID, bptracker.OutcomeSuccess)
		gev.Detail = fmt.Sprintf("grantee=%s role=%s access=%s via=invitation", g.GranteeID, g.Role, g.Access)
		if err := s.store.CreateGrant(ctx, g, gev); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// SetClinical sets the patient's target range and guideline (the patient or
// a provider with a grant).
type ClinicalSettings struct {
	Target    *bptracker.Target    `json:"target"`
	Guideline *bptracker.Guideline `json:"guideline"`
}

// SetClinical changes a patient's target range or guideline.
func (s *Service) SetClinical(ctx context.Context, a *Actor, patientID string, in ClinicalSettings) (*bptracker.User, error) {
	rel, err := s.authorize(ctx, a, bptracker.ActionSetClinical, patientID)
	if err != nil {
		return nil, err
	}
	f := bptracker.FieldErrors{}
	if t := in.Target; t != nil && (t.SystolicLow < 70 || t.SystolicHigh > 200 || t.SystolicLow >= t.SystolicHigh) {
		f.Add("target", "the target range must run from a lower to a higher systolic value between 70 and 200")
	}
	if in.Guideline != nil && !in.Guideline.Valid() {
		f.Add("guideline", "guideline must be acc_aha or esh")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	rec, _, sec, err := s.findUser(ctx, patientID)
	if err != nil {
		return nil, err
	}
	if in.Target != nil {
		sec.Target = in.Target
	}
	if in.Guideline != nil {
		sec.Guideline = *in.Guideline
	}
	ev := s.event(a, a.Request, "clinical.set", patientID, patientID, bptracker.OutcomeSuccess)
	ev.Via = rel.Via()
	if err := s.updateUser(ctx, rec, sec, ev); err != nil {
		return nil, err
	}
	u, _, err := s.openUser(ctx, rec)
	return u, err
}

// The flags a panel entry can carry.
const (
	FlagSevere7d     = "severe_7d"      // a severe reading in the last 7 days
	FlagAboveTarget  = "above_target"   // the 7-day mean systolic above the patient's target
	FlagNoReading14d = "no_reading_14d" // no reading for 14 days
)

// PanelEntry is one patient on a provider's or carer's panel.
type PanelEntry struct {
	ID           string             `json:"id"`
	Name         string             `json:"name"`
	Access       bptracker.Access   `json:"access"`
	Latest       *ReadingView       `json:"latest"`
	Avg7         *bptracker.Pair    `json:"avg7"`
	Category     bptracker.Category `json:"category,omitempty"`
	TimeInTarget float64            `json:"time_in_target"`
	Flags        []string           `json:"flags"`
	risk         int
}

// Panel lists the patients who granted the caller access, riskiest first.
func (s *Service) Panel(ctx context.Context, a *Actor) ([]*PanelEntry, error) {
	if err := s.authorizeService(ctx, a, bptracker.ActionPanel); err != nil {
		return nil, err
	}
	gs, err := s.store.FindGrants(ctx, bptracker.GrantFilter{GranteeID: a.User.ID})
	if err != nil {
		return nil, err
	}
	now := s.cfg.Now()
	byPatient := map[string]*bptracker.Grant{}
	for _, g := range gs {
		if g.Live(now) && g.Role == a.User.Role && (byPatient[g.PatientID] == nil || g.Access == bptracker.AccessWrite) {
			byPatient[g.PatientID] = g
		}
	}
	out := []*PanelEntry{}
	for pid, g := range byPatient {
		p, err := s.patient(ctx, a, pid)
		if err != nil || p.Status != bptracker.UserActive {
			continue
		}
		e := &PanelEntry{ID: pid, Name: p.Name, Access: g.Access, Flags: []string{}}
		from := now.AddDate(0, 0, -14)
		rs, err := s.allReadings(ctx, pid, &from, nil, false)
		if err != nil {
			return nil, err
		}
		if len(rs) > 0 {
			e.Latest = view(&rs[0], p.Guideline)
		} else {
			// The newest reading may be older than two weeks.
			recs, _, err := s.store.FindReadings(ctx, bptracker.ReadingFilter{PatientID: pid, Limit: 1})
			if err != nil {
				return nil, err
			}
			if len(recs) > 0 {
				r, err := s.openReading(ctx, recs[0])
				if err != nil {
					return nil, err
				}
				e.Latest = view(r, p.Guideline)
			}
			e.Flags = append(e.Flags, FlagNoReading14d)
		}
		week := now.AddDate(0, 0, -7)
		sum := bptracker.Summarize(rs, bptracker.SummaryOptions{Guideline: p.Guideline, Target: p.Target, From: &week})
		if sum.SessionCount > 0 {
			e.Avg7 = &bptracker.Pair{Count: sum.Count, Systolic: sum.Systolic.Mean, Diastolic: sum.Diastolic.Mean}
			e.Category, e.TimeInTarget = sum.AverageCategory, sum.TimeInTarget
			e.risk = sum.AverageCategory.RankIn(p.Guideline)
			if sum.SevereCount > 0 {
				e.Flags = append(e.Flags, FlagSevere7d)
				e.risk += 100
			}
			if sum.Systolic.Mean > float64(p.Target.SystolicHigh) {
				e.Flags = append(e.Flags, FlagAboveTarget)
				e.risk += 10
			}
		}
		ev := s.event(a, a.Request, "panel.read", pid, "", bptracker.OutcomeSuccess)
		ev.Via = "grant:" + g.ID
		if err := s.audit(ctx, ev); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].risk != out[j].risk {
			return out[i].risk > out[j].risk
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// AccessEntry is one line of a patient's access log.
type AccessEntry struct {
	Time      time.Time      `json:"time"`
	ActorName string         `json:"actor_name"`
	ActorRole bptracker.Role `json:"actor_role"`
	Action    string         `json:"action"`
	Via       string         `json:"via"`
	Reason    string         `json:"reason,omitempty"`
	SourceIP  string         `json:"source_ip"`
	Outcome   string         `json:"outcome"`
}

// AccessLog lists who accessed the patient's record, newest first.
func (s *Service) AccessLog(ctx context.Context, a *Actor, patientID string, cursor string) ([]*AccessEntry, string, error) {
	if _, err := s.authorize(ctx, a, bptracker.ActionAccessLog, patientID); err != nil {
		return nil, "", err
	}
	evs, next, err := s.store.FindAuditEvents(ctx, bptracker.AuditFilter{PatientID: patientID, Limit: 200, Cursor: cursor})
	if err != nil {
		return nil, "", err
	}
	names := map[string]string{}
	reasons := map[string]string{}
	out := make([]*AccessEntry, 0, len(evs))
	for _, e := range evs {
		name, ok := names[e.ActorID]
		if !ok {
			if _, u, _, err := s.findUser(ctx, e.ActorID); err == nil {
				name = u.Name
				if name == "" {
					name = string(u.Role)
				}
			} else {
				name = "(account erased)"
			}
			names[e.ActorID] = name
		}
		entry := &AccessEntry{Time: e.Time, ActorName: name, ActorRole: e.ActorRole, Action: e.Action, Via: e.Via, SourceIP: e.SourceIP, Outcome: e.Outcome}
		if strings.HasPrefix(e.Via, "break-glass:") {
			id := strings.TrimPrefix(e.Via, "break-glass:")
			if _, ok := reasons[id]; !ok {
				if b, err := s.store.FindBreakGlassByID(ctx, id); err == nil {
					reasons[id] = b.Reason
				}
			}
			entry.Reason = reasons[id]
		}
		out = append(out, entry)
	}
	return out, next, nil
}
