package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/keyring"
	"github.com/bptracker/bptracker/password"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// Sealed field names (the associated data binds each ciphertext to one).
const (
	fieldUser    = "user"
	fieldReading = "reading"
	fieldPending = "pending-signin"
	fieldInvite  = "invitation"
)

// Lockout: failures 1–4 cost nothing, 5–9 slow the account down (a lock of
// 2^(n-5) seconds), the 10th locks it for LockDuration.
const (
	slowAfter    = 5
	lockAfter    = 10
	LockDuration = 15 * time.Minute
)

// openUser decrypts an account record.
func (s *Service) openUser(ctx context.Context, rec *bptracker.UserRecord) (*bptracker.User, *bptracker.UserSecrets, error) {
	var sec bptracker.UserSecrets
	if rec.Status != bptracker.UserErased {
		if err := s.keys.OpenJSON(ctx, rec.ID, fieldUser, rec.Sealed, &sec); err != nil {
			return nil, nil, err
		}
	}
	u := &bptracker.User{
		ID: rec.ID, Email: sec.Email, Name: sec.Name, Role: rec.Role, Status: rec.Status,
		TimeZone: sec.TimeZone, Guideline: sec.Guideline, Target: bptracker.DefaultTarget,
		MFAEnabled: rec.MFAEnabled, CreatedAt: rec.CreatedAt,
	}
	if u.TimeZone == "" {
		u.TimeZone = "UTC"
	}
	if !u.Guideline.Valid() {
		u.Guideline = bptracker.GuidelineACCAHA
	}
	if sec.Target != nil {
		u.Target = *sec.Target
	}
	return u, &sec, nil
}

func (s *Service) findUser(ctx context.Context, id string) (*bptracker.UserRecord, *bptracker.User, *bptracker.UserSecrets, error) {
	rec, err := s.store.FindUserByID(ctx, id)
	if err != nil {
		return nil, nil, nil, err
	}
	u, sec, err := s.openUser(ctx, rec)
	return rec, u, sec, err
}

// updateUser seals sec into rec and stores it as the next version.
func (s *Service) updateUser(ctx context.Context, rec *bptracker.UserRecord, sec *bptracker.UserSecrets, ev *bptracker.AuditEvent) error {
	if sec != nil {
		sealed, err := s.keys.SealJSON(ctx, rec.ID, fieldUser, sec)
		if err != nil {
			return err
		}
		rec.Sealed = sealed
	}
	rec.Version++
	rec.UpdatedAt = s.cfg.Now().UTC()
	return s.store.UpdateUser(ctx, rec, ev)
}

// NewUser is an account to create.
type NewUser struct {
	Email    string
	Password string // "" for an account that sets its password later
	Role     bptracker.Role
	Name     string
	TimeZone string
}

func validateNewUser(n *NewUser) error {
	f := bptracker.FieldErrors{}
	if a, err := mail.ParseAddress(n.Email); err != nil || a.Address != strings.TrimSpace(n.Email) || len(n.Email) > 254 {
		f.Add("email", "enter an email address like name@example.org")
	}
	if !n.Role.Valid() {
		f.Add("role", "role must be patient, caregiver, provider or admin")
	}
	if len(n.Name) > 200 {
		f.Add("name", "name must be at most 200 characters")
	}
	if n.TimeZone != "" {
		if _, err := time.LoadLocation(n.TimeZone); err != nil {
			f.Add("time_zone", "time_zone must be an IANA zone such as Europe/Paris")
		}
	}
	if n.Password != "" {
		if err := password.Check("password", n.Password); err != nil {
			f.Add("password", bptracker.ErrorFields(err)["password"])
		}
	}
	return f.Err()
}

// CreateUser creates an account. The actor is an admin, the system (CLI),
// or nil for self sign-up and accepted invitations.
func (s *Service) CreateUser(ctx context.Context, a *Actor, req Request, n NewUser) (*bptracker.User, error) {
	if a != nil {
		if err := s.authorizeService(ctx, a, bptracker.ActionAdminUsers); err != nil {
			return nil, err
		}
	}
	return s.createUserWithID(ctx, a, s.cfg.NewID(), req, n)
}

func (s *Service) createUserWithID(ctx context.Context, a *Actor, id string, req Request, n NewUser) (*bptracker.User, error) {
	if err := validateNewUser(&n); err != nil {
		return nil, err
	}
	now := s.cfg.Now().UTC()
	sec := &bptracker.UserSecrets{Email: keyring.NormalizeEmail(n.Email), Name: strings.TrimSpace(n.Name), TimeZone: n.TimeZone}
	sealed, err := s.keys.SealJSON(ctx, id, fieldUser, sec)
	if err != nil {
		return nil, err
	}
	rec := &bptracker.UserRecord{
		ID: id, Role: n.Role, Status: bptracker.UserActive, EmailIndex: s.keys.EmailIndex(n.Email),
		Sealed: sealed, Version: 1, CreatedAt: now, UpdatedAt: now,
	}
	if rec.ExternalID, err = s.idp.CreateAccount(ctx, id, sec.Email, n.Password); err != nil {
		return nil, err
	}
	if _, builtin := s.idp.(*Builtin); builtin && n.Password != "" {
		rec.PasswordHash = password.Hash(n.Password)
	}
	ev := s.event(a, req, "user.create", "", id, bptracker.OutcomeSuccess)
	if a == nil {
		ev.ActorID = id // self sign-up or an accepted invitation
	}
	ev.Detail = "role=" + string(n.Role)
	if err := s.store.CreateUser(ctx, rec, ev); err != nil {
		// The provider's account would be left with no user: remove it.
		if derr := s.idp.DeleteAccount(ctx, id); derr != nil {
			s.log.Error("identity provider account left after a refused create", "user", id, "err", derr)
		}
		if bptracker.ErrorCode(err) == bptracker.ECONFLICT {
			return nil, &bptracker.Error{Code: bptracker.ECONFLICT, Message: "an account with this email exists already",
				Fields: map[string]string{"email": "an account with this email exists already"}}
		}
		return nil, err
	}
	u, _, err := s.openUser(ctx, rec)
	return u, err
}

// SignUp creates a patient account for a visitor, when allowed.
func (s *Service) SignUp(ctx context.Context, req Request, email, pw, name string) (*bptracker.User, error) {
	if !s.cfg.AllowSignup {
		return nil, bptracker.Errorf(bptracker.EFORBIDDEN, "self sign-up is off; ask your practice for an invitation")
	}
	return s.CreateUser(ctx, nil, req, NewUser{Email: email, Password: pw, Role: bptracker.RolePatient, Name: name})
}

// Builtin is the built-in identity provider: argon2id passwords and TOTP
// secrets kept (sealed) in the store.
type Builtin struct{ s *Service }

var _ bptracker.IdentityProvider = (*Builtin)(nil)

func (b *Builtin) CreateAccount(ctx context.Context, userID, email, pw string) (string, error) {
	return "", nil
}

func (b *Builtin) BeginSignIn(ctx context.Context, email, pw string) (*bptracker.SignInStep, error) {
	s := b.s
	rec, err := s.store.FindUserByEmailIndex(ctx, s.keys.EmailIndex(email))
	if bptracker.ErrorCode(err) == bptracker.ENOTFOUND {
		password.Verify(pw, "") // same work as a wrong password
		return nil, errBadCredentials()
	} else if err != nil {
		return nil, err
	}
	now := s.cfg.Now()
	if now.Before(rec.LockedUntil) {
		return &bptracker.SignInStep{UserID: rec.ID}, errLocked(rec.LockedUntil.Sub(now))
	}
	if rec.Status != bptracker.UserActive || !password.Verify(pw, rec.PasswordHash) {
		return &bptracker.SignInStep{UserID: rec.ID}, b.failure(ctx, rec)
	}
	if rec.MFAEnabled {
		return &bptracker.SignInStep{UserID: rec.ID, Next: "mfa"}, nil
	}
	_, _, sec, err := s.findUser(ctx, rec.ID)
	if err != nil {
		return nil, err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "BP Tracker", AccountName: sec.Email, SecretSize: 20, Algorithm: otp.AlgorithmSHA1, Digits: otp.DigitsSix, Period: 30})
	if err != nil {
		return nil, err
	}
	return &bptracker.SignInStep{UserID: rec.ID, Next: "mfa_setup", TOTPSecret: key.Secret()}, nil
}

func (b *Builtin) FinishSignIn(ctx context.Context, step *bptracker.SignInStep, code string) (*bptracker.SignInResult, error) {
	s := b.s
	rec, _, sec, err := s.findUser(ctx, step.UserID)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Now()
	if now.Before(rec.LockedUntil) {
		return nil, errLocked(rec.LockedUntil.Sub(now))
	}
	if rec.Status != bptracker.UserActive {
		return nil, errBadCredentials()
	}
	res := &bptracker.SignInResult{UserID: rec.ID}
	code = strings.TrimSpace(code)
	switch step.Next {
	case "mfa_setup":
		st, ok := matchTOTP(step.TOTPSecret, code, now, rec.TOTPLastStep)
		if !ok {
			return nil, b.failure(ctx, rec)
		}
		codes, hashes := recoveryCodes()
		sec.TOTPSecret, sec.RecoveryCodes = step.TOTPSecret, hashes
		rec.MFAEnabled, rec.TOTPLastStep = true, st
		res.RecoveryCodes = codes
	case "mfa":
		if st, ok := matchTOTP(sec.TOTPSecret, code, now, rec.TOTPLastStep); ok {
			rec.TOTPLastStep = st
		} else if i := matchRecovery(sec.RecoveryCodes, code); i >= 0 {
			sec.RecoveryCodes = append(sec.RecoveryCodes[:i:i], sec.RecoveryCodes[i+1:]...)
		} else {
			return nil, b.failure(ctx, rec)
		}
	default:
		return nil, errBadCredentials()
	}
	rec.FailedAttempts, rec.LockedUntil = 0, time.Time{}
	// A concurrent update of the same account makes this a conflict: the
	// code stays unused and the person tries again.
	if err := s.updateUser(ctx, rec, sec, nil); err != nil {
		return nil, err
	}
	return res, nil
}

// failure counts a failed password or code, slows the account down and then
// locks it; the lockout is audited.
func (b *Builtin) failure(ctx context.Context, rec *bptracker.UserRecord) error {
	s := b.s
	now := s.cfg.Now()
	rec.FailedAttempts++
	var ev *bptracker.AuditEvent
	switch n := rec.FailedAttempts; {
	case n >= lockAfter:
		rec.LockedUntil = now.Add(LockDuration)
		ev = s.event(nil, Request{}, "session.lockout", "", rec.ID, bptracker.OutcomeSuccess)
		ev.Detail = fmt.Sprintf("failures=%d", n)
	case n >= slowAfter:
		rec.LockedUntil = now.Add(time.Duration(1<<(n-slowAfter)) * time.Second)
	}
	if err := s.updateUser(ctx, rec, nil, ev); err != nil && bptracker.ErrorCode(err) != bptracker.ECONFLICT {
		return err
	}
	if rec.FailedAttempts >= lockAfter {
		return errLocked(LockDuration)
	}
	return errBadCredentials()
}

func (b *Builtin) ChangePassword(ctx context.Context, userID, oldPw, newPw string) error {
	rec, err := b.s.store.FindUserByID(ctx, userID)
	if err != nil {
		return err
	}
	if !password.Verify(oldPw, rec.PasswordHash) {
		return &bptracker.Error{Code: bptracker.EINVALID, Message: "the current password is not right",
			Fields: map[string]string{"current_password": "the current password is not right"}}
	}
	return b.SetPassword(ctx, userID, newPw)
}

// SetPassword stores a new password's hash; the service has checked the
// password against the app's rules.
func (b *Builtin) SetPassword(ctx context.Context, userID, newPw string) error {
	rec, err := b.s.store.FindUserByID(ctx, userID)
	if err != nil {
		return err
	}
	rec.PasswordHash = password.Hash(newPw)
	rec.FailedAttempts, rec.LockedUntil = 0, time.Time{}
	return b.s.updateUser(ctx, rec, nil, nil)
}

func (b *Builtin) ResetMFA(ctx context.Context, userID string) error {
	rec, _, sec, err := b.s.findUser(ctx, userID)
	if err != nil {
		return err
	}
	rec.MFAEnabled = false
	sec.TOTPSecret, sec.RecoveryCodes = "", nil
	return b.s.updateUser(ctx, rec, sec, nil)
}

func (b *Builtin) SetEnabled(ctx context.Context, userID string, enabled bool) error { return nil }

// DeleteAccount has nothing to do: built-in credentials live in the user
// record, which erasure clears.
func (b *Builtin) DeleteAccount(ctx context.Context, userID string) error { return nil }
func (b *Builtin) SignOut(ctx context.Context, tokens string) error       { return nil }

// matchTOTP checks code against the steps around now (one either side, for
// clock drift) that are later than last, so each code works once.
func matchTOTP(secret, code string, now time.Time, last int64) (int64, bool) {
	if secret == "" || len(code) != 6 {
		return 0, false
	}
	cur := now.Unix() / 30
	for _, st := range []int64{cur - 1, cur, cur + 1} {
		if st <= last {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, time.Unix(st*30, 0), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return st, true
		}
	}
	return 0, false
}

// recoveryCodes returns ten one-time codes and their hashes. The codes carry
// 50 bits each, so a fast hash is enough.
func recoveryCodes() (codes, hashes []string) {
	for range 10 {
		b := make([]byte, 7)
		rand.Read(b)
		c := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))[:10]
		c = c[:5] + "-" + c[5:]
		codes, hashes = append(codes, c), append(hashes, hashRecovery(c))
	}
	return codes, hashes
}

func hashRecovery(c string) string {
	c = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(c), "-", ""))
	sum := sha256.Sum256([]byte("bptracker-recovery:" + c))
	return hex.EncodeToString(sum[:])
}

func matchRecovery(hashes []string, code string) int {
	h := hashRecovery(code)
	for i, x := range hashes {
		if subtle.ConstantTimeCompare([]byte(x), []byte(h)) == 1 {
			return i
		}
	}
	return -1
}

func errBadCredentials() error {
	return bptracker.Errorf(bptracker.EUNAUTHORIZED, "the email, password or code is not right")
}

func errLocked(d time.Duration) error {
	return bptracker.Errorf(bptracker.ELOCKED, "too many failed attempts; try again in %s", d.Round(time.Second))
}

// BeginMFAReplace starts replacing the caller's authenticator (built-in
// accounts): after the password is confirmed, a new secret waits for its
// first code.
func (s *Service) BeginMFAReplace(ctx context.Context, a *Actor, pw string) (*SignInOutcome, error) {
	if _, ok := s.idp.(*Builtin); !ok {
		return nil, bptracker.Errorf(bptracker.ENOTIMPLEMENTED, "ask an administrator to reset your MFA")
	}
	rec, _, sec, err := s.findUser(ctx, a.User.ID)
	if err != nil {
		return nil, err
	}
	if !password.Verify(pw, rec.PasswordHash) {
		return nil, fieldError("password", "the password is not right")
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "BP Tracker", AccountName: sec.Email, SecretSize: 20, Algorithm: otp.AlgorithmSHA1, Digits: otp.DigitsSix, Period: 30})
	if err != nil {
		return nil, err
	}
	sec.PendingTOTPSecret = key.Secret()
	if err := s.updateUser(ctx, rec, sec, nil); err != nil {
		return nil, err
	}
	return &SignInOutcome{Status: "mfa_setup_required", TOTPSecret: key.Secret(), OTPAuthURI: otpauthURI(sec.Email, key.Secret())}, nil
}

// ConfirmMFAReplace checks the first code of the new secret and makes it
// the account's, with fresh recovery codes.
func (s *Service) ConfirmMFAReplace(ctx context.Context, a *Actor, code string) ([]string, error) {
	rec, _, sec, err := s.findUser(ctx, a.User.ID)
	if err != nil {
		return nil, err
	}
	if sec.PendingTOTPSecret == "" {
		return nil, bptracker.Errorf(bptracker.EINVALID, "start with your password to replace your authenticator")
	}
	st, ok := matchTOTP(sec.PendingTOTPSecret, strings.TrimSpace(code), s.cfg.Now(), 0)
	if !ok {
		return nil, fieldError("code", "the code is not right; check the time on your phone")
	}
	codes, hashes := recoveryCodes()
	sec.TOTPSecret, sec.PendingTOTPSecret, sec.RecoveryCodes = sec.PendingTOTPSecret, "", hashes
	rec.MFAEnabled, rec.TOTPLastStep = true, st
	if err := s.updateUser(ctx, rec, sec, s.event(a, a.Request, "mfa.replace", "", a.User.ID, bptracker.OutcomeSuccess)); err != nil {
		return nil, err
	}
	return codes, nil
}
