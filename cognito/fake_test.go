package cognito_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/cognito"
	"github.com/bptracker/bptracker/internal/awsfake"
	"github.com/bptracker/bptracker/internal/emulators"
)

// The tests in this file run against awsfake.Cognito, a protocol-level fake
// of the Cognito JSON API, for what cognito-local cannot do: a pool that
// requires MFA (the MFA_SETUP challenge with AssociateSoftwareToken and
// VerifySoftwareToken on the challenge Session), AdminSetUserMFAPreference
// and AdminUserGlobalSignOut (ResetMFA), a SECRET_HASH that is checked,
// refusal of disabled users, and revocation of tokens issued after MFA.

type fakePool struct {
	fake *awsfake.Cognito
	dir  *directory
}

func newFakePool(t *testing.T) *fakePool {
	t.Helper()
	return &fakePool{fake: awsfake.NewCognito(t), dir: newDirectory()}
}

func (fp *fakePool) provider(t *testing.T, mod func(*cognito.Config)) *cognito.Provider {
	t.Helper()
	cfg := cognito.Config{
		AWS: emulators.AWS(), Endpoint: fp.fake.URL, UserPoolID: fp.fake.PoolID, ClientID: fp.fake.ClientID, ClientSecret: fp.fake.ClientSecret,
		Issuer: fp.fake.Issuer(), UserIDByEmail: fp.dir.userIDByEmail,
	}
	if mod != nil {
		mod(&cfg)
	}
	p, err := cognito.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// create makes an account through the provider.
func (fp *fakePool) create(t *testing.T, p *cognito.Provider, userID, email, password string) string {
	t.Helper()
	sub, err := p.CreateAccount(context.Background(), userID, email, password)
	if err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	fp.dir.add(email, userID)
	return sub
}

// enrol signs in for the first time and sets up TOTP; it returns the secret.
func enrol(t *testing.T, p *cognito.Provider, email, password string) (string, *bptracker.SignInResult) {
	t.Helper()
	ctx := context.Background()
	step, err := p.BeginSignIn(ctx, email, password)
	if err != nil {
		t.Fatalf("BeginSignIn: %v", err)
	}
	if got, want := step.Next, "mfa_setup"; got != want {
		t.Fatalf("next: got %q, want %q", got, want)
	}
	res, err := p.FinishSignIn(ctx, step, code(t, step.TOTPSecret))
	if err != nil {
		t.Fatalf("FinishSignIn: %v", err)
	}
	return step.TOTPSecret, res
}

const (
	fakeUser     = "0190f5a2-0000-7000-8000-0000000000aa"
	fakeEmail    = "sam@example.test"
	fakePassword = "a long enough passphrase"
)

func TestMFASetupChallenge(t *testing.T) {
	fp := newFakePool(t)
	p := fp.provider(t, nil)
	ctx := context.Background()
	sub := fp.create(t, p, fakeUser, fakeEmail, fakePassword)

	step, err := p.BeginSignIn(ctx, fakeEmail, fakePassword)
	if err != nil {
		t.Fatalf("BeginSignIn: %v", err)
	}
	if step.Next != "mfa_setup" || step.TOTPSecret == "" || step.UserID != fakeUser {
		t.Fatalf("step: got %+v, want mfa_setup with a secret", step)
	}
	// The secret came from AssociateSoftwareToken with the challenge
	// session, not an access token: none has been issued yet.
	calls := fp.fake.Calls()
	last := calls[len(calls)-1]
	if !strings.HasSuffix(last.Target, ".AssociateSoftwareToken") || !strings.Contains(string(last.Body), `"Session"`) ||
		strings.Contains(string(last.Body), `"AccessToken"`) {
		t.Errorf("last call: got %s %s, want AssociateSoftwareToken with a Session", last.Target, last.Body)
	}

	_, err = p.FinishSignIn(ctx, step, wrongCode(t, step.TOTPSecret))
	wantCode(t, err, bptracker.EUNAUTHORIZED)
	if fp.fake.User(fakeUser).MFAEnabled {
		t.Fatalf("MFA enabled after a wrong code")
	}

	res, err := p.FinishSignIn(ctx, step, code(t, step.TOTPSecret))
	if err != nil {
		t.Fatalf("FinishSignIn: %v", err)
	}
	if got, _ := cognito.TokenSubject(res.Tokens); got != sub {
		t.Errorf("token subject: got %q, want %q", got, sub)
	}
	want := []string{"AdminCreateUser", "AdminSetUserPassword", "InitiateAuth", "AssociateSoftwareToken",
		"VerifySoftwareToken", "VerifySoftwareToken", "RespondToAuthChallenge", "SetUserMFAPreference"}
	if got := fp.fake.Targets(); !slices.Equal(got, want) {
		t.Errorf("calls:\n got %v\nwant %v", got, want)
	}
	if u := fp.fake.User(fakeUser); !u.MFAEnabled || u.TOTPSecret != step.TOTPSecret {
		t.Errorf("fake user after setup: MFA %v, secret matches %v", u.MFAEnabled, u.TOTPSecret == step.TOTPSecret)
	}

	t.Run("ErrSessionReused", func(t *testing.T) {
		_, err := p.FinishSignIn(ctx, step, code(t, step.TOTPSecret))
		wantCode(t, err, bptracker.EUNAUTHORIZED)
	})

	t.Run("SignInWithMFA", func(t *testing.T) {
		step, err := p.BeginSignIn(ctx, fakeEmail, fakePassword)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := step.Next, "mfa"; got != want {
			t.Fatalf("next: got %q, want %q", got, want)
		}
		secret := fp.fake.User(fakeUser).TOTPSecret
		_, err = p.FinishSignIn(ctx, step, wrongCode(t, secret))
		wantCode(t, err, bptracker.EUNAUTHORIZED)
		step, err = p.BeginSignIn(ctx, fakeEmail, fakePassword)
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.FinishSignIn(ctx, step, code(t, secret))
		if err != nil {
			t.Fatalf("FinishSignIn: %v", err)
		}
		// Sign-out revokes this session's refresh token only.
		before := fp.fake.RefreshTokens(fakeUser)
		if err := p.SignOut(ctx, got.Tokens); err != nil {
			t.Fatalf("SignOut: %v", err)
		}
		if after := fp.fake.RefreshTokens(fakeUser); after != before-1 {
			t.Errorf("refresh tokens: got %d after sign-out, want %d", after, before-1)
		}
	})
}

func TestSecretHash(t *testing.T) {
	fp := newFakePool(t)
	good := fp.provider(t, nil)
	fp.create(t, good, fakeUser, fakeEmail, fakePassword)
	// A provider with the wrong client secret sends a SECRET_HASH the fake
	// refuses, as Cognito does.
	bad := fp.provider(t, func(c *cognito.Config) { c.ClientSecret = "not-the-secret" })
	_, err := bad.BeginSignIn(context.Background(), fakeEmail, fakePassword)
	wantCode(t, err, bptracker.EUNAUTHORIZED)
	if _, err := good.BeginSignIn(context.Background(), fakeEmail, fakePassword); err != nil {
		t.Errorf("right secret: %v", err)
	}
}

func TestResetMFA(t *testing.T) {
	fp := newFakePool(t)
	p := fp.provider(t, nil)
	ctx := context.Background()
	fp.create(t, p, fakeUser, fakeEmail, fakePassword)
	oldSecret, _ := enrol(t, p, fakeEmail, fakePassword)
	if fp.fake.RefreshTokens(fakeUser) == 0 {
		t.Fatal("no refresh token after sign-in")
	}

	if err := p.ResetMFA(ctx, fakeUser); err != nil {
		t.Fatalf("ResetMFA: %v", err)
	}
	if fp.fake.User(fakeUser).MFAEnabled {
		t.Errorf("MFA still enabled after reset")
	}
	if n := fp.fake.RefreshTokens(fakeUser); n != 0 {
		t.Errorf("refresh tokens after reset: got %d, want 0 (signed out everywhere)", n)
	}
	// The next sign-in sets up a new authenticator.
	newSecret, _ := enrol(t, p, fakeEmail, fakePassword)
	if newSecret == oldSecret {
		t.Errorf("same TOTP secret after reset")
	}
	err := p.ResetMFA(ctx, "0190f5a2-0000-7000-8000-000000000404")
	wantCode(t, err, bptracker.ENOTFOUND)
}

func TestDisabledUser(t *testing.T) {
	fp := newFakePool(t)
	p := fp.provider(t, nil)
	ctx := context.Background()
	fp.create(t, p, fakeUser, fakeEmail, fakePassword)
	if err := p.SetEnabled(ctx, fakeUser, false); err != nil {
		t.Fatal(err)
	}
	_, errDisabled := p.BeginSignIn(ctx, fakeEmail, fakePassword)
	wantCode(t, errDisabled, bptracker.EUNAUTHORIZED)
	_, errWrong := p.BeginSignIn(ctx, fakeEmail, "wrong passphrase here")
	if a, b := bptracker.ErrorMessage(errDisabled), bptracker.ErrorMessage(errWrong); a != b {
		t.Errorf("disabled (%q) and wrong password (%q) answer differently", a, b)
	}
	if err := p.SetEnabled(ctx, fakeUser, true); err != nil {
		t.Fatal(err)
	}
	if _, err := p.BeginSignIn(ctx, fakeEmail, fakePassword); err != nil {
		t.Errorf("sign in after enable: %v", err)
	}
}

func TestCreateAccountErrPassword(t *testing.T) {
	fp := newFakePool(t)
	p := fp.provider(t, nil)
	_, err := p.CreateAccount(context.Background(), fakeUser, fakeEmail, "short")
	wantCode(t, err, bptracker.EINVALID)
	if bptracker.ErrorFields(err)["password"] == "" {
		t.Errorf("no message for the password field")
	}
	if u := fp.fake.User(fakeUser); u != nil {
		t.Errorf("user left in the pool after a refused password")
	}
	// The id is free again.
	fp.create(t, p, fakeUser, fakeEmail, fakePassword)
}

// TestCreateAccountRemovesUser: a create that may have landed, then
// failed, leaves no user holding the email.
func TestCreateAccountRemovesUser(t *testing.T) {
	ctx := context.Background()
	// freed checks that the pool has no user and that the email is free.
	freed := func(t *testing.T, fp *fakePool, p *cognito.Provider) {
		t.Helper()
		if u := fp.fake.User(fakeUser); u != nil {
			t.Fatalf("user left in the pool")
		}
		fp.create(t, p, "0190f5a2-0000-7000-8000-0000000000bb", fakeEmail, fakePassword)
	}
	t.Run("AnswerLost", func(t *testing.T) {
		fp := newFakePool(t)
		p := fp.provider(t, nil)
		fp.fake.LoseAnswers("AdminCreateUser", 1)
		_, err := p.CreateAccount(ctx, fakeUser, fakeEmail, fakePassword)
		wantCode(t, err, bptracker.EINTERNAL)
		// Sent once: a second create would be refused as a conflict.
		if got, want := fp.fake.Targets(), []string{"AdminCreateUser", "AdminDeleteUser"}; !slices.Equal(got, want) {
			t.Errorf("calls: got %v, want %v", got, want)
		}
		freed(t, fp, p)
	})
	t.Run("ServerError", func(t *testing.T) {
		fp := newFakePool(t)
		p := fp.provider(t, nil)
		create := fp.fake.Handler("AdminCreateUser")
		fp.fake.Handle("AdminCreateUser", func(b []byte) (any, *awsfake.Error) {
			create(b)
			return nil, &awsfake.Error{Status: 500, Type: "InternalErrorException"}
		})
		_, err := p.CreateAccount(ctx, fakeUser, fakeEmail, fakePassword)
		wantCode(t, err, bptracker.EINTERNAL)
		fp.fake.Handle("AdminCreateUser", create)
		freed(t, fp, p)
	})
	t.Run("NoSub", func(t *testing.T) {
		fp := newFakePool(t)
		p := fp.provider(t, nil)
		create := fp.fake.Handler("AdminCreateUser")
		fp.fake.Handle("AdminCreateUser", func(b []byte) (any, *awsfake.Error) {
			if _, e := create(b); e != nil {
				return nil, e
			}
			return map[string]any{"User": map[string]any{"Username": fakeUser}}, nil
		})
		_, err := p.CreateAccount(ctx, fakeUser, fakeEmail, fakePassword)
		wantCode(t, err, bptracker.EINTERNAL)
		if got, want := fp.fake.Targets(), []string{"AdminCreateUser", "AdminDeleteUser"}; !slices.Equal(got, want) {
			t.Errorf("calls: got %v, want %v (no password set for a user without a sub)", got, want)
		}
		fp.fake.Handle("AdminCreateUser", create)
		freed(t, fp, p)
	})
	t.Run("RemoveFails", func(t *testing.T) {
		fp := newFakePool(t)
		p := fp.provider(t, nil)
		fp.fake.LoseAnswers("AdminCreateUser", 1)
		fp.fake.Handle("AdminDeleteUser", func([]byte) (any, *awsfake.Error) {
			return nil, &awsfake.Error{Status: 500, Type: "InternalErrorException"}
		})
		_, err := p.CreateAccount(ctx, fakeUser, fakeEmail, fakePassword)
		if err == nil || !strings.Contains(err.Error(), "remove user "+fakeUser) {
			t.Errorf("got %v, want an error naming the user left behind", err)
		}
		if strings.Contains(err.Error(), fakeEmail) {
			t.Errorf("error %q names the email", err)
		}
	})
}

// TestCreateAccountErrTaken: a refused create removes nothing.
func TestCreateAccountErrTaken(t *testing.T) {
	fp := newFakePool(t)
	p := fp.provider(t, nil)
	ctx := context.Background()
	fp.create(t, p, fakeUser, fakeEmail, fakePassword)
	t.Run("Email", func(t *testing.T) {
		_, err := p.CreateAccount(ctx, "0190f5a2-0000-7000-8000-0000000000bb", fakeEmail, fakePassword)
		wantCode(t, err, bptracker.ECONFLICT)
	})
	t.Run("UserID", func(t *testing.T) {
		// User ids are fresh: a taken one is a fault, not the person's
		// "account exists".
		_, err := p.CreateAccount(ctx, fakeUser, "other@example.test", fakePassword)
		wantCode(t, err, bptracker.EINTERNAL)
	})
	if u := fp.fake.User(fakeUser); u == nil || u.Email != fakeEmail {
		t.Errorf("the existing user was changed or removed: %+v", u)
	}
	if got := fp.fake.Targets(); slices.Contains(got, "AdminDeleteUser") {
		t.Errorf("calls %v: a refused create removed a user", got)
	}
}

func TestChangePasswordErrRevoke(t *testing.T) {
	fp := newFakePool(t)
	p := fp.provider(t, nil)
	fp.create(t, p, fakeUser, fakeEmail, fakePassword)
	// A pool that lets the password alone sign in hands out tokens, which
	// ChangePassword revokes at once.
	fp.fake.Handle("InitiateAuth", func([]byte) (any, *awsfake.Error) {
		return map[string]any{"AuthenticationResult": map[string]any{"AccessToken": "a", "RefreshToken": "r"}}, nil
	})
	fp.fake.Handle("RevokeToken", func([]byte) (any, *awsfake.Error) {
		return nil, &awsfake.Error{Status: 500, Type: "InternalErrorException"}
	})
	err := p.ChangePassword(context.Background(), fakeUser, fakePassword, "another long passphrase")
	wantCode(t, err, bptracker.EINTERNAL)
	if u := fp.fake.User(fakeUser); u.Password != fakePassword {
		t.Errorf("password changed although the proof's tokens were not revoked")
	}
}

func TestChallengeOffersTOTP(t *testing.T) {
	tests := []struct {
		name, challenge, param, value string
	}{
		{"ChooseNoTOTP", "SELECT_MFA_TYPE", "MFAS_CAN_CHOOSE", `["SMS_MFA"]`},
		{"ChooseNotJSON", "SELECT_MFA_TYPE", "MFAS_CAN_CHOOSE", `SOFTWARE_TOKEN_MFA`},
		{"ChooseMissing", "SELECT_MFA_TYPE", "", ""},
		{"SetupNoTOTP", "MFA_SETUP", "MFAS_CAN_SETUP", `["SMS_MFA"]`},
		{"SetupNotJSON", "MFA_SETUP", "MFAS_CAN_SETUP", `SOFTWARE_TOKEN_MFA`},
		{"SetupMissing", "MFA_SETUP", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fp := newFakePool(t)
			p := fp.provider(t, nil)
			fp.create(t, p, fakeUser, fakeEmail, fakePassword)
			fp.fake.Handle("InitiateAuth", func([]byte) (any, *awsfake.Error) {
				params := map[string]string{}
				if tt.param != "" {
					params[tt.param] = tt.value
				}
				return map[string]any{"ChallengeName": tt.challenge, "Session": "s", "ChallengeParameters": params}, nil
			})
			_, err := p.BeginSignIn(context.Background(), fakeEmail, fakePassword)
			wantCode(t, err, bptracker.EINTERNAL)
			if got := fp.fake.Targets(); got[len(got)-1] != "InitiateAuth" {
				t.Errorf("calls %v: went on without TOTP on offer", got)
			}
		})
	}
}

func TestErrorMapping(t *testing.T) {
	tests := []struct {
		awsType string
		want    string
	}{
		{"NotAuthorizedException", bptracker.EUNAUTHORIZED},
		{"UserNotFoundException", bptracker.EUNAUTHORIZED},
		{"TooManyRequestsException", bptracker.ERATELIMIT},
		{"LimitExceededException", bptracker.ERATELIMIT},
		{"TooManyFailedAttemptsException", bptracker.ERATELIMIT},
		{"PasswordResetRequiredException", bptracker.ELOCKED},
		{"UserNotConfirmedException", bptracker.ELOCKED},
		{"InternalErrorException", bptracker.EINTERNAL},
		{"ResourceNotFoundException", bptracker.EINTERNAL},
	}
	for _, tt := range tests {
		t.Run(tt.awsType, func(t *testing.T) {
			fp := newFakePool(t)
			p := fp.provider(t, nil)
			fp.create(t, p, fakeUser, fakeEmail, fakePassword)
			fp.fake.Handle("InitiateAuth", func([]byte) (any, *awsfake.Error) {
				return nil, &awsfake.Error{Type: tt.awsType, Message: "detail about " + fakeEmail}
			})
			_, err := p.BeginSignIn(context.Background(), fakeEmail, fakePassword)
			wantCode(t, err, tt.want)
			if strings.Contains(err.Error(), fakeEmail) || strings.Contains(bptracker.ErrorMessage(err), fakeEmail) {
				t.Errorf("error %q passes on Cognito's message", err)
			}
			if tt.want == bptracker.EINTERNAL && !strings.Contains(err.Error(), "request id fake-request-id") {
				t.Errorf("internal error %q does not keep the request id", err)
			}
		})
	}
	t.Run("CodeMismatch", func(t *testing.T) {
		fp := newFakePool(t)
		p := fp.provider(t, nil)
		fp.create(t, p, fakeUser, fakeEmail, fakePassword)
		enrol(t, p, fakeEmail, fakePassword)
		step, err := p.BeginSignIn(context.Background(), fakeEmail, fakePassword)
		if err != nil {
			t.Fatal(err)
		}
		for _, awsType := range []string{"CodeMismatchException", "ExpiredCodeException"} {
			fp.fake.Handle("RespondToAuthChallenge", func([]byte) (any, *awsfake.Error) {
				return nil, &awsfake.Error{Type: awsType, Message: "Invalid code"}
			})
			_, err = p.FinishSignIn(context.Background(), step, "123456")
			wantCode(t, err, bptracker.EUNAUTHORIZED)
		}
	})
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestVerifyToken(t *testing.T) {
	fp := newFakePool(t)
	clk := &clock{t: time.Now()}
	p := fp.provider(t, func(c *cognito.Config) { c.Now = clk.now })
	ctx := context.Background()
	f := fp.fake
	verify := func(token string) error {
		_, err := cognito.Verify(ctx, p, token, "u-1")
		return err
	}
	base := func() jwt.MapClaims {
		now := clk.now()
		return jwt.MapClaims{"sub": "s-1", "iss": f.Issuer(), "client_id": f.ClientID, "token_use": "access",
			"username": "u-1", "iat": now.Unix(), "exp": now.Add(15 * time.Minute).Unix()}
	}
	with := func(k string, v any) jwt.MapClaims {
		c := base()
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}

	sub, err := cognito.Verify(ctx, p, f.SignToken(base()), "u-1")
	if err != nil {
		t.Fatalf("valid token: %v", err)
	}
	if sub != "s-1" {
		t.Errorf("sub: got %q, want s-1", sub)
	}

	tests := []struct {
		name  string
		token string
	}{
		{"WrongIssuer", f.SignToken(with("iss", "https://cognito-idp.eu-west-2.amazonaws.com/other"))},
		{"WrongClient", f.SignToken(with("client_id", "other"))},
		{"IDTokenUse", f.SignToken(with("token_use", "id"))},
		{"OtherUser", f.SignToken(with("username", "u-2"))},
		{"NoUsername", f.SignToken(with("username", nil))},
		{"NoTokenUse", f.SignToken(with("token_use", nil))},
		{"NoExpiry", f.SignToken(with("exp", nil))},
		{"Expired", f.SignToken(with("exp", clk.now().Add(-time.Minute).Unix()))},
		{"NoSubject", f.SignToken(with("sub", nil))},
		{"Tampered", func() string {
			tok := f.SignToken(base())
			parts := strings.Split(tok, ".")
			c := base()
			c["sub"] = "someone-else"
			b, _ := json.Marshal(c)
			parts[1] = base64.RawURLEncoding.EncodeToString(b)
			return strings.Join(parts, ".")
		}()},
		{"HS256", func() string {
			tok := jwt.NewWithClaims(jwt.SigningMethodHS256, base())
			tok.Header["kid"] = "fake-1"
			s, _ := tok.SignedString([]byte("guessable"))
			return s
		}()},
		{"None", func() string {
			tok := jwt.NewWithClaims(jwt.SigningMethodNone, base())
			tok.Header["kid"] = "fake-1"
			s, _ := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
			return s
		}()},
		{"Garbage", "not.a.token"},
		{"Empty", ""},
		{"NotYetValid", f.SignToken(with("nbf", clk.now().Add(2*time.Minute).Unix()))},
		{"ExpiredBeyondLeeway", f.SignToken(with("exp", clk.now().Add(-31*time.Second).Unix()))},
		{"ExpNotNumber", f.SignToken(with("exp", "never"))},
		{"ExtraSegment", f.SignToken(base()) + ".e30"},
		{"NoKid", func() string {
			tok := jwt.NewWithClaims(jwt.SigningMethodRS256, base())
			s, _ := tok.SignedString(fakeKey(t))
			return s
		}()},
		{"RS512", func() string {
			// A valid RS256 token relabelled: the algorithm is not the token's choice.
			parts := strings.Split(f.SignToken(base()), ".")
			parts[0] = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS512","kid":"fake-1","typ":"JWT"}`))
			return strings.Join(parts, ".")
		}()},
		{"OtherKeySameKid", func() string {
			tok := jwt.NewWithClaims(jwt.SigningMethodRS256, base())
			tok.Header["kid"] = "fake-1"
			s, _ := tok.SignedString(fakeKey(t))
			return s
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := verify(tt.token); err == nil {
				t.Errorf("accepted")
			}
		})
	}

	t.Run("Leeway", func(t *testing.T) {
		// 30 seconds of clock skew either way.
		for name, claims := range map[string]jwt.MapClaims{
			"JustExpired":   with("exp", clk.now().Add(-20*time.Second).Unix()),
			"NotBeforeNow":  with("nbf", clk.now().Add(20*time.Second).Unix()),
			"FractionalExp": with("exp", float64(clk.now().Add(time.Minute).Unix())+0.5),
		} {
			if err := verify(f.SignToken(claims)); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	})

	t.Run("JWKSCache", func(t *testing.T) {
		start := cognito.JWKSFetches(p)
		for range 5 {
			if err := verify(f.SignToken(base())); err != nil {
				t.Fatal(err)
			}
		}
		if got := cognito.JWKSFetches(p); got != start {
			t.Errorf("fetches for known keys: got %d, want %d", got, start)
		}
		// Unknown key ids refetch at most once a minute.
		unknown := jwt.NewWithClaims(jwt.SigningMethodRS256, base())
		unknown.Header["kid"] = "rotated"
		for range 5 {
			tok, _ := unknown.SignedString(fakeKey(t))
			if err := verify(tok); err == nil {
				t.Fatal("a token signed by an unknown key was accepted")
			}
		}
		if got := cognito.JWKSFetches(p); got != start {
			t.Errorf("fetches within a minute of the last: got %d, want %d", got, start)
		}
		clk.add(2 * time.Minute)
		tok, _ := unknown.SignedString(fakeKey(t))
		verify(tok)
		if got, want := cognito.JWKSFetches(p), start+1; got != want {
			t.Errorf("fetches after a minute: got %d, want %d", got, want)
		}
		// After the cache lifetime the set is fetched again.
		clk.add(2 * time.Hour)
		if err := verify(f.SignToken(base())); err != nil {
			t.Fatal(err)
		}
		if got, want := cognito.JWKSFetches(p), start+2; got != want {
			t.Errorf("fetches after the TTL: got %d, want %d", got, want)
		}
	})
}

// TestJWKSOutage: once the cached keys are stale and the JWKS endpoint
// fails, the set is fetched at most once a minute, by one caller at a
// time, and the stale keys still verify.
func TestJWKSOutage(t *testing.T) {
	fp := newFakePool(t)
	clk := &clock{t: time.Now()}
	p := fp.provider(t, func(c *cognito.Config) { c.Now = clk.now })
	ctx := context.Background()
	token := func() string {
		now := clk.now()
		return fp.fake.SignToken(jwt.MapClaims{"sub": "s-1", "iss": fp.fake.Issuer(), "client_id": fp.fake.ClientID,
			"token_use": "access", "username": "u-1", "iat": now.Unix(), "exp": now.Add(15 * time.Minute).Unix()})
	}
	verify := func() error {
		_, err := cognito.Verify(ctx, p, token(), "u-1")
		return err
	}
	if err := verify(); err != nil {
		t.Fatal(err)
	}

	// The endpoint now fails; a request blocks until released.
	var mu sync.Mutex
	hits := 0
	release := make(chan struct{})
	fp.fake.HandleGet("/"+fp.fake.PoolID+"/.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
		<-release
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
	})
	served := func() int {
		mu.Lock()
		defer mu.Unlock()
		return hits
	}
	clk.add(2 * time.Hour) // past the cache lifetime

	// The first caller fetches and waits; others meanwhile use the
	// stale keys at once rather than queueing behind the fetch.
	first := make(chan error)
	go func() { first <- verify() }()
	for served() == 0 {
		time.Sleep(time.Millisecond)
	}
	for range 5 {
		if err := verify(); err != nil {
			t.Fatalf("stale key during the fetch: %v", err)
		}
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatalf("stale key after the fetch failed: %v", err)
	}

	for _, step := range []time.Duration{0, 30 * time.Second, 29 * time.Second} {
		clk.add(step)
		for range 5 {
			if err := verify(); err != nil {
				t.Fatalf("stale key during the outage: %v", err)
			}
		}
	}
	if got, want := served(), 1; got != want {
		t.Errorf("JWKS requests within a minute: got %d, want %d", got, want)
	}
	clk.add(2 * time.Second)
	if err := verify(); err != nil {
		t.Fatal(err)
	}
	if got, want := served(), 2; got != want {
		t.Errorf("JWKS requests after a minute: got %d, want %d", got, want)
	}
	if got, want := cognito.JWKSFetches(p), 3; got != want {
		t.Errorf("fetch attempts: got %d, want %d", got, want)
	}
}

var (
	keyOnce sync.Once
	key     *rsa.PrivateKey
)

// fakeKey is an RSA key the pool does not know.
func fakeKey(tb testing.TB) *rsa.PrivateKey {
	tb.Helper()
	keyOnce.Do(func() {
		var err error
		if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return key
}

func FuzzParseJWKS(f *testing.F) {
	f.Add(`{"keys":[{"kty":"RSA","kid":"a","use":"sig","alg":"RS256","n":"AQAB","e":"AQAB"}]}`)
	f.Add(`{"keys":[]}`)
	f.Add(`{"keys":[{"kty":"EC","kid":"b"}]}`)
	f.Add(`not json`)
	f.Add(jwksWithModulus(append(make([]byte, 255), 0xc5)))
	f.Fuzz(func(t *testing.T, s string) {
		keys, err := cognito.ParseJWKS(strings.NewReader(s))
		if err == nil && len(keys) == 0 {
			t.Fatalf("no error and no keys")
		}
		for kid, k := range keys {
			if kid == "" || k == nil || k.N.BitLen() < 2048 || k.E < 3 {
				t.Fatalf("weak or empty key %q accepted", kid)
			}
		}
	})
}

// jwksWithModulus is a JWKS of one RSA key with modulus n.
func jwksWithModulus(n []byte) string {
	return `{"keys":[{"kty":"RSA","kid":"a","use":"sig","alg":"RS256","n":"` +
		base64.RawURLEncoding.EncodeToString(n) + `","e":"AQAB"}]}`
}

func TestParseJWKSModulusSize(t *testing.T) {
	full := fakeKey(t).PublicKey.N.Bytes() // 2048 bits
	short := new(big.Int).Rsh(fakeKey(t).PublicKey.N, 1).Bytes()
	tests := []struct {
		name string
		n    []byte
		ok   bool
	}{
		{"2048Bits", full, true},
		{"LeadingZero2048Bits", append([]byte{0}, full...), true},
		{"2047Bits", short, false},
		{"ZeroPadded8Bits", append(make([]byte, 255), 0xc5), false},
		{"ZeroPadded2047Bits", append([]byte{0}, short...), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := cognito.ParseJWKS(strings.NewReader(jwksWithModulus(tt.n)))
			if ok := err == nil; ok != tt.ok {
				t.Errorf("accepted %v, want %v (%v)", ok, tt.ok, err)
			}
		})
	}
}
