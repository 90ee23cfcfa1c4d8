package http

import (
	"net/http"
	"time"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/service"
)

func setCookie(w http.ResponseWriter, name, value string, expires time.Time) {
	c := &http.Cookie{Name: name, Value: value, Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode}
	if value == "" {
		c.MaxAge = -1
	} else {
		c.Expires = expires
	}
	http.SetCookie(w, c)
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request, _ *service.Actor) error {
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

type credentials struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Name     string `json:"name"`
}

func (s *Server) handleSignIn(w http.ResponseWriter, r *http.Request, _ *service.Actor) error {
	var in credentials
	if err := decode(r, &in); err != nil {
		return err
	}
	out, tok, err := s.svc.SignIn(r.Context(), requestInfo(r), in.Email, in.Password)
	if err != nil {
		return err
	}
	setCookie(w, PendingCookie, tok, time.Now().Add(s.svc.Config().PendingLifetime))
	return writeJSON(w, http.StatusOK, out)
}

type sessionBody struct {
	Status             string          `json:"status,omitempty"`
	User               *bptracker.User `json:"user"`
	RecoveryCodes      []string        `json:"recovery_codes,omitempty"`
	IdleTimeoutSeconds int             `json:"idle_timeout_seconds"`
	IdleExpiresAt      time.Time       `json:"idle_expires_at"`
	ExpiresAt          time.Time       `json:"expires_at"`
}

func (s *Server) sessionBody(a *service.Actor) sessionBody {
	return sessionBody{User: a.User, IdleTimeoutSeconds: int(s.svc.Config().IdleTimeout.Seconds()),
		IdleExpiresAt: s.svc.IdleExpiresAt(a), ExpiresAt: a.Session.ExpiresAt}
}

func (s *Server) handleMFA(w http.ResponseWriter, r *http.Request, _ *service.Actor) error {
	var in struct {
		Code string `json:"code"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	c, _ := r.Cookie(PendingCookie)
	pending := ""
	if c != nil {
		pending = c.Value
	}
	out, err := s.svc.CompleteMFA(r.Context(), requestInfo(r), pending, in.Code)
	if err != nil {
		return err
	}
	setCookie(w, PendingCookie, "", time.Time{})
	setCookie(w, SessionCookie, out.Token, out.Session.ExpiresAt)
	body := s.sessionBody(&service.Actor{User: out.User, Session: out.Session})
	body.Status, body.RecoveryCodes = "active", out.RecoveryCodes
	return writeJSON(w, http.StatusOK, body)
}

func (s *Server) handleSignUp(w http.ResponseWriter, r *http.Request, _ *service.Actor) error {
	var in credentials
	if err := decode(r, &in); err != nil {
		return err
	}
	u, err := s.svc.SignUp(r.Context(), requestInfo(r), in.Email, in.Password, in.Name)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"user": u})
}

func (s *Server) handleSession(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	return writeJSON(w, http.StatusOK, s.sessionBody(a))
}

func (s *Server) handleKeepalive(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	if err := s.svc.Keepalive(r.Context(), a); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleSignOut(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	if err := s.svc.SignOut(r.Context(), a); err != nil {
		return err
	}
	setCookie(w, SessionCookie, "", time.Time{})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleSessions(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	list, err := s.svc.Sessions(r.Context(), a)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"sessions": list})
}

func (s *Server) handleSignOutEverywhere(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	if err := s.svc.SignOutEverywhere(r.Context(), a); err != nil {
		return err
	}
	setCookie(w, SessionCookie, "", time.Time{})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	return writeJSON(w, http.StatusOK, a.User)
}

func (s *Server) handleUpdateMe(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	var in service.ProfileUpdate
	if err := decode(r, &in); err != nil {
		return err
	}
	u, err := s.svc.UpdateMe(r.Context(), a, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, u)
}

func (s *Server) handleChangePassword(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	var in struct {
		Current string `json:"current_password"`
		New     string `json:"new_password"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := s.svc.ChangePassword(r.Context(), a, in.Current, in.New); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
