package service

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/password"
)

// ProfileUpdate changes the caller's own profile; nil fields stay.
type ProfileUpdate struct {
	Name      *string              `json:"name"`
	TimeZone  *string              `json:"time_zone"`
	Guideline *bptracker.Guideline `json:"guideline"`
}

// UpdateMe changes the caller's name, time zone or guideline.
func (s *Service) UpdateMe(ctx context.Context, a *Actor, up ProfileUpdate) (*bptracker.User, error) {
	f := bptracker.FieldErrors{}
	if up.Name != nil && (utf8.RuneCountInString(*up.Name) > 200 || !utf8.ValidString(*up.Name)) {
		f.Add("name", "name must be at most 200 characters")
	}
	if up.TimeZone != nil {
		if _, err := time.LoadLocation(*up.TimeZone); err != nil || *up.TimeZone == "" || *up.TimeZone == "Local" {
			f.Add("time_zone", "time_zone must be an IANA zone such as Europe/Paris")
		}
	}
	if up.Guideline != nil && !up.Guideline.Valid() {
		f.Add("guideline", "guideline must be acc_aha or esh")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	rec, _, sec, err := s.findUser(ctx, a.User.ID)
	if err != nil {
		return nil, err
	}
	if up.Name != nil {
		sec.Name = strings.TrimSpace(*up.Name)
	}
	if up.TimeZone != nil {
		sec.TimeZone = *up.TimeZone
	}
	if up.Guideline != nil {
		sec.Guideline = *up.Guideline
	}
	ev := s.event(a, a.Request, "profile.update", "", a.User.ID, bptracker.OutcomeSuccess)
	if err := s.updateUser(ctx, rec, sec, ev); err != nil {
		return nil, err
	}
	u, _, err := s.openUser(ctx, rec)
	return u, err
}

// ChangePassword changes the caller's password after checking the current one.
func (s *Service) ChangePassword(ctx context.Context, a *Actor, current, next string) error {
	// The common-password rule is the app's, whatever the identity
	// provider: checked here, before Cognito or the built-in store sees it.
	if err := password.Check("new_password", next); err != nil {
		return err
	}
	err := s.idp.ChangePassword(ctx, a.User.ID, current, next)
	outcome := bptracker.OutcomeSuccess
	if err != nil {
		outcome = bptracker.OutcomeFailure
	}
	if aerr := s.audit(ctx, s.event(a, a.Request, "password.change", "", a.User.ID, outcome)); aerr != nil {
		return aerr
	}
	return err
}

// SetUserPassword sets a password without the old one (operator CLI).
func (s *Service) SetUserPassword(ctx context.Context, a *Actor, userID, pw string) error {
	if err := password.Check("password", pw); err != nil {
		return err
	}
	if err := s.idp.SetPassword(ctx, userID, pw); err != nil {
		return err
	}
	return s.audit(ctx, s.event(a, a.Request, "password.set", "", userID, bptracker.OutcomeSuccess))
}

// FindUserByEmail returns an account by email (operator tools).
func (s *Service) FindUserByEmail(ctx context.Context, email string) (*bptracker.User, error) {
	rec, err := s.store.FindUserByEmailIndex(ctx, s.keys.EmailIndex(email))
	if err != nil {
		return nil, err
	}
	u, _, err := s.openUser(ctx, rec)
	return u, err
}
