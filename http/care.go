package http

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/service"
)

// link builds an absolute app URL (invitation and reset links): from the
// configured public URL, or from CloudFront's X-Forwarded-Host when the
// origin check vouches for it, or else from the request's Host (fine for a
// link shown to the caller, never for one mailed to someone else: a forged
// Host would send the code to the forger's site).
func (s *Server) link(r *http.Request, path string) string {
	if s.publicURL != nil {
		u := *s.publicURL
		u.Path = strings.TrimSuffix(u.Path, "/") + path
		return u.String()
	}
	if h := r.Header.Get("X-Forwarded-Host"); s.trustForwardedHost && h != "" {
		return (&url.URL{Scheme: "https", Host: h, Path: path}).String()
	}
	scheme := "https"
	if r.TLS == nil && isLoopbackHost(r.Host) {
		scheme = "http"
	}
	return (&url.URL{Scheme: scheme, Host: r.Host, Path: path}).String()
}

// mailLinks reports whether links in mail can be trusted: they must not
// come from a header the requester chose.
func (s *Server) mailLinks() bool { return s.publicURL != nil || s.trustForwardedHost }

func isLoopbackHost(h string) bool {
	u := url.URL{Host: h}
	switch u.Hostname() {
	case "localhost", "127.0.0.1", "::1":
		return true
	}
	return false
}

type invitationBody struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (s *Server) handleCreateGrant(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	var in service.GrantInput
	if err := decode(r, &in); err != nil {
		return err
	}
	g, inv, err := s.svc.CreateGrant(r.Context(), a, patientID(r, a), in)
	if err != nil {
		return err
	}
	if inv != nil {
		return writeJSON(w, http.StatusCreated, map[string]any{"invitation": invitationBody{URL: s.link(r, "/invite/"+inv.Code), ExpiresAt: inv.ExpiresAt}})
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"grant": g})
}

func (s *Server) handleGrants(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	gs, invs, err := s.svc.Grants(r.Context(), a, patientID(r, a))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"grants": gs, "invitations": invs})
}

func (s *Server) handleRevokeGrant(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	if err := s.svc.RevokeGrant(r.Context(), a, patientID(r, a), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleStaffInvite(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	var in struct {
		Email string         `json:"email"`
		Role  bptracker.Role `json:"role"`
		Name  string         `json:"name"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	inv, err := s.svc.StaffInvite(r.Context(), a, in.Email, in.Role)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"invitation": invitationBody{URL: s.link(r, "/invite/"+inv.Code), ExpiresAt: inv.ExpiresAt}})
}

func (s *Server) handleAcceptInvitation(w http.ResponseWriter, r *http.Request, _ *service.Actor) error {
	var in struct {
		Password string `json:"password"`
		Name     string `json:"name"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	u, err := s.svc.AcceptInvitation(r.Context(), requestInfo(r), r.PathValue("code"), in.Password, in.Name)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"user": u})
}

func (s *Server) handleResetPassword(w http.ResponseWriter, r *http.Request, _ *service.Actor) error {
	var in struct {
		Password string `json:"password"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := s.svc.ResetPassword(r.Context(), requestInfo(r), r.PathValue("code"), in.Password); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleRequestReset(w http.ResponseWriter, r *http.Request, _ *service.Actor) error {
	var in struct {
		Email string `json:"email"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if !s.mailLinks() {
		return bptracker.Errorf(bptracker.ENOTIMPLEMENTED, "password reset by email needs the server's public address (--public-url); ask your practice for a reset link")
	}
	if err := s.svc.RequestReset(r.Context(), requestInfo(r), in.Email, func(code string) string { return s.link(r, "/reset/"+code) }); err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, map[string]string{"status": "if an account has this address, a reset link is on its way"})
}

func (s *Server) handlePanel(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	list, err := s.svc.Panel(r.Context(), a)
	if err != nil {
		return err
	}
	// Riskiest first by default; ?sort=name, ?flag= one of the panel flags.
	q := r.URL.Query()
	if flag := q.Get("flag"); flag != "" {
		if flag != service.FlagSevere7d && flag != service.FlagAboveTarget && flag != service.FlagNoReading14d {
			return fieldError("flag", "flag must be "+service.FlagSevere7d+", "+service.FlagAboveTarget+" or "+service.FlagNoReading14d)
		}
		kept := list[:0]
		for _, p := range list {
			if slices.Contains(p.Flags, flag) {
				kept = append(kept, p)
			}
		}
		list = kept
	}
	switch q.Get("sort") {
	case "", "risk":
	case "name":
		slices.SortStableFunc(list, func(x, y *service.PanelEntry) int { return strings.Compare(x.Name, y.Name) })
	default:
		return fieldError("sort", "sort must be risk or name")
	}
	return writeJSON(w, http.StatusOK, map[string]any{"patients": list})
}

func (s *Server) handleSetClinical(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	var in service.ClinicalSettings
	if err := decode(r, &in); err != nil {
		return err
	}
	u, err := s.svc.SetClinical(r.Context(), a, patientID(r, a), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"id": u.ID, "target": u.Target, "guideline": u.Guideline})
}

func (s *Server) handlePatientResetLink(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	inv, err := s.svc.ProviderResetLink(r.Context(), a, patientID(r, a))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"reset": invitationBody{URL: s.link(r, "/reset/"+inv.Code), ExpiresAt: inv.ExpiresAt}})
}

func (s *Server) handleAccessLog(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	evs, next, err := s.svc.AccessLog(r.Context(), a, patientID(r, a), r.URL.Query().Get("cursor"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"events": evs, "next_cursor": nilIfEmpty(next)})
}

func nilIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (s *Server) handleAdminUsers(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	q := r.URL.Query()
	f := bptracker.UserFilter{Role: bptracker.Role(q.Get("role")), Status: bptracker.UserStatus(q.Get("status")), Cursor: q.Get("cursor")}
	users, next, err := s.svc.ListUsers(r.Context(), a, f, q.Get("q"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"users": users, "next_cursor": nilIfEmpty(next)})
}

func (s *Server) handleAdminChangeUser(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	var in service.UserChange
	if err := decode(r, &in); err != nil {
		return err
	}
	res, err := s.svc.ChangeUser(r.Context(), a, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	if res.Reset != nil {
		return writeJSON(w, http.StatusOK, map[string]any{"reset": invitationBody{URL: s.link(r, "/reset/"+res.Reset.Code), ExpiresAt: res.Reset.ExpiresAt}})
	}
	if res.User == nil {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	return writeJSON(w, http.StatusOK, map[string]any{"user": res.User})
}

func (s *Server) handleAdminAudit(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	q := r.URL.Query()
	from, err := timeParam(r, "from", time.UTC)
	if err != nil {
		return err
	}
	to, err := timeParam(r, "to", time.UTC)
	if err != nil {
		return err
	}
	n, err := intParam(r, "limit", 1, 5000)
	if err != nil {
		return err
	}
	format := q.Get("format")
	if format != "" && format != "json" && format != "csv" {
		return fieldError("format", "format must be json or csv")
	}
	f := bptracker.AuditFilter{ActorID: q.Get("actor"), PatientID: q.Get("patient"), Action: q.Get("action"), From: from, To: to, Limit: n, Cursor: q.Get("cursor")}
	evs, next, err := s.svc.SearchAudit(r.Context(), a, f)
	if err != nil {
		return err
	}
	if format != "csv" {
		if evs == nil {
			evs = []*bptracker.AuditEvent{}
		}
		return writeJSON(w, http.StatusOK, map[string]any{"events": evs, "next_cursor": nilIfEmpty(next)})
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="audit.csv"`)
	cw := csv.NewWriter(w)
	cw.Write([]string{"time", "chain", "seq", "id", "actor_id", "actor_role", "action", "patient_id", "resource_id", "outcome", "via", "source_ip", "user_agent", "request_id", "detail", "hash"})
	for _, e := range evs {
		cw.Write([]string{e.Time.Format(time.RFC3339Nano), e.Chain, strconv.FormatInt(e.Seq, 10), e.ID, e.ActorID, string(e.ActorRole), e.Action,
			e.PatientID, e.ResourceID, e.Outcome, e.Via, csvSafe(e.SourceIP), csvSafe(e.UserAgent), e.RequestID, csvSafe(e.Detail), e.Hash})
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe neutralises text a spreadsheet would run as a formula.
func csvSafe(v string) string {
	if v != "" && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' || v[0] == '\r') {
		return "'" + v
	}
	return v
}

func fieldError(field, msg string) error {
	return &bptracker.Error{Code: bptracker.EINVALID, Message: msg, Fields: map[string]string{field: msg}}
}

func (s *Server) handleOpenBreakGlass(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	var in struct {
		PatientID string `json:"patient_id"`
		Reason    string `json:"reason"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	b, err := s.svc.OpenBreakGlass(r.Context(), a, in.PatientID, in.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"break_glass": b})
}

func (s *Server) handleBreakGlassList(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	bs, err := s.svc.BreakGlassList(r.Context(), a)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"break_glass": bs})
}

func (s *Server) handleCloseBreakGlass(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	if err := s.svc.CloseBreakGlass(r.Context(), a, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleEraseMe(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	var in struct {
		Password string `json:"password"`
		Code     string `json:"code"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := s.svc.EraseMe(r.Context(), a, in.Password, in.Code); err != nil {
		return err
	}
	setCookie(w, SessionCookie, "", time.Time{})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleMFAReplace(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	var in struct {
		Password string `json:"password"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	out, err := s.svc.BeginMFAReplace(r.Context(), a, in.Password)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleMFAConfirm(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	var in struct {
		Code string `json:"code"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	codes, err := s.svc.ConfirmMFAReplace(r.Context(), a, in.Code)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"recovery_codes": codes})
}
