package cognito_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/pquerna/otp/totp"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/cognito"
	"github.com/bptracker/bptracker/internal/emulators"
)

// directory stands in for the service's email index.
type directory struct {
	mu      sync.Mutex
	byEmail map[string]string
}

func newDirectory() *directory {
	return &directory{byEmail: map[string]string{}}
}

func (d *directory) add(email, userID string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.byEmail[email] = userID
}

func (d *directory) userIDByEmail(_ context.Context, email string) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if id, ok := d.byEmail[email]; ok {
		return id, nil
	}
	return "", bptracker.Errorf(bptracker.ENOTFOUND, "no such account")
}

// code is the current TOTP code for secret.
func code(tb testing.TB, secret string) string {
	tb.Helper()
	c, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// wrongCode is a well-formed code that no nearby time step accepts.
func wrongCode(tb testing.TB, secret string) string {
	tb.Helper()
	near := map[string]bool{}
	for _, d := range []time.Duration{-60 * time.Second, -30 * time.Second, 0, 30 * time.Second, 60 * time.Second} {
		c, err := totp.GenerateCode(secret, time.Now().Add(d))
		if err != nil {
			tb.Fatal(err)
		}
		near[c] = true
	}
	for i := 0; ; i++ {
		c := fmt.Sprintf("%06d", (123456+i*7919)%1000000)
		if !near[c] {
			return c
		}
	}
}

func wantCode(tb testing.TB, err error, code string) {
	tb.Helper()
	if got := bptracker.ErrorCode(err); got != code {
		tb.Fatalf("error code: got %q (%v), want %q", got, err, code)
	}
}

// localPool is a user pool and confidential client in cognito-local.
type localPool struct {
	client                         *cip.Client
	endpoint                       string
	poolID, clientID, clientSecret string
}

func newLocalPool(t *testing.T) *localPool {
	t.Helper()
	p := emulators.StartCognitoLocal(t)
	pool := emulators.NewCognitoPool(t, p)
	if pool.ClientSecret == "" {
		t.Fatalf("cognito-local created no client secret")
	}
	return &localPool{client: pool.Client, endpoint: p.Endpoint, poolID: pool.PoolID, clientID: pool.ClientID, clientSecret: pool.ClientSecret}
}

func (lp *localPool) provider(t *testing.T, dir *directory, mod func(*cognito.Config)) *cognito.Provider {
	t.Helper()
	cfg := cognito.Config{
		AWS: emulators.AWS(), Endpoint: lp.endpoint, UserPoolID: lp.poolID, ClientID: lp.clientID, ClientSecret: lp.clientSecret,
		Issuer:        lp.endpoint + "/" + lp.poolID,
		UserIDByEmail: dir.userIDByEmail,
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

// TestCognitoLocal runs the account journey against cognito-local: create,
// sign in with first-time TOTP setup (access-token path), the TOTP
// challenge, tokens verified against its JWKS, password change and reset,
// disable and enable, sign-out by token revocation.
func TestCognitoLocal(t *testing.T) {
	lp := newLocalPool(t)
	dir := newDirectory()
	p := lp.provider(t, dir, nil)
	ctx := context.Background()
	const (
		userID   = "0190f5a2-0000-7000-8000-000000000001"
		email    = "pat@example.test"
		password = "correct horse battery staple"
	)

	sub, err := p.CreateAccount(ctx, userID, email, password)
	if err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	if sub == "" {
		t.Fatal("CreateAccount returned no sub")
	}
	dir.add(email, userID)

	t.Run("CreateAccountErrUserIDTaken", func(t *testing.T) {
		// User ids are fresh: a taken one is a fault, and the user that
		// holds it stays (the sign-ins below use it).
		_, err := p.CreateAccount(ctx, userID, "other@example.test", password)
		wantCode(t, err, bptracker.EINTERNAL)
	})

	t.Run("BeginSignInErrUnauthorized", func(t *testing.T) {
		_, errWrong := p.BeginSignIn(ctx, email, "wrong password")
		wantCode(t, errWrong, bptracker.EUNAUTHORIZED)
		_, errUnknown := p.BeginSignIn(ctx, "nobody@example.test", password)
		wantCode(t, errUnknown, bptracker.EUNAUTHORIZED)
		if a, b := bptracker.ErrorMessage(errWrong), bptracker.ErrorMessage(errUnknown); a != b {
			t.Errorf("messages differ for a wrong password (%q) and an unknown email (%q)", a, b)
		}
		_, err := p.BeginSignIn(ctx, email, "")
		wantCode(t, err, bptracker.EUNAUTHORIZED)
	})

	// First sign-in: no MFA yet, so TOTP is set up.
	step, err := p.BeginSignIn(ctx, email, password)
	if err != nil {
		t.Fatalf("BeginSignIn: %v", err)
	}
	if got, want := step.Next, "mfa_setup"; got != want {
		t.Fatalf("first sign-in: got next %q, want %q", got, want)
	}
	if step.UserID != userID || step.TOTPSecret == "" || step.State == "" {
		t.Fatalf("first sign-in step: got %+v", step)
	}
	secret := step.TOTPSecret

	t.Run("FinishSignInErrBadCode", func(t *testing.T) {
		for _, c := range []string{wrongCode(t, secret), "12345", "abcdef", ""} {
			_, err := p.FinishSignIn(ctx, step, c)
			wantCode(t, err, bptracker.EUNAUTHORIZED)
		}
	})
	t.Run("FinishSignInErrOtherUser", func(t *testing.T) {
		other := *step
		other.UserID = "0190f5a2-0000-7000-8000-000000000099"
		_, err := p.FinishSignIn(ctx, &other, code(t, secret))
		wantCode(t, err, bptracker.EUNAUTHORIZED)
	})

	res, err := p.FinishSignIn(ctx, step, code(t, secret))
	if err != nil {
		t.Fatalf("FinishSignIn (setup): %v", err)
	}
	if res.UserID != userID || res.Tokens == "" || len(res.RecoveryCodes) != 0 {
		t.Fatalf("setup result: got %+v", res)
	}
	if got, _ := cognito.TokenSubject(res.Tokens); got != sub {
		t.Errorf("token subject: got %q, want %q", got, sub)
	}

	// The sign-in verified cognito-local's access token (claims, JWKS):
	// the keys are fetched once and kept.
	if got, want := cognito.JWKSFetches(p), 1; got != want {
		t.Errorf("JWKS fetches: got %d, want %d", got, want)
	}

	// Second sign-in: the TOTP challenge.
	var second *bptracker.SignInResult
	t.Run("SignInWithMFA", func(t *testing.T) {
		step, err := p.BeginSignIn(ctx, email, password)
		if err != nil {
			t.Fatalf("BeginSignIn: %v", err)
		}
		if got, want := step.Next, "mfa"; got != want {
			t.Fatalf("second sign-in: got next %q, want %q", got, want)
		}
		if step.TOTPSecret != "" {
			t.Errorf("TOTP secret sent again")
		}
		_, err = p.FinishSignIn(ctx, step, wrongCode(t, secret))
		wantCode(t, err, bptracker.EUNAUTHORIZED)
		// cognito-local accepts the same session again after a wrong code.
		second, err = p.FinishSignIn(ctx, step, code(t, secret))
		if err != nil {
			t.Fatalf("FinishSignIn: %v", err)
		}
		if second.UserID != userID {
			t.Errorf("user id: got %q, want %q", second.UserID, userID)
		}
	})

	// cognito-local keeps only the refresh tokens that InitiateAuth issues
	// (here: the first sign-in's), not those from RespondToAuthChallenge;
	// revoking those is tested against the fake (docs/testing.md).
	t.Run("SignOut", func(t *testing.T) {
		refresh := func(tokens string) error {
			// The refresh token is inside the opaque blob: use it as
			// Cognito would, through REFRESH_TOKEN_AUTH.
			r := refreshToken(t, tokens)
			_, err := lp.client.InitiateAuth(ctx, &cip.InitiateAuthInput{
				AuthFlow: types.AuthFlowTypeRefreshTokenAuth, ClientId: aws.String(lp.clientID),
				AuthParameters: map[string]string{"REFRESH_TOKEN": r, "SECRET_HASH": cognito.SecretHash(p, userID)},
			})
			return err
		}
		if err := refresh(res.Tokens); err != nil {
			t.Fatalf("refresh before sign-out: %v", err)
		}
		if err := p.SignOut(ctx, res.Tokens); err != nil {
			t.Fatalf("SignOut: %v", err)
		}
		if err := refresh(res.Tokens); err == nil {
			t.Errorf("refresh after sign-out: got nil error, want refusal")
		}
		// Signing out twice, or a token Cognito does not know, is fine.
		if err := p.SignOut(ctx, res.Tokens); err != nil {
			t.Errorf("second SignOut: %v", err)
		}
		if second != nil {
			if err := p.SignOut(ctx, second.Tokens); err != nil {
				t.Errorf("SignOut of the MFA sign-in: %v", err)
			}
		}
		if err := p.SignOut(ctx, ""); err != nil {
			t.Errorf("SignOut without tokens: %v", err)
		}
	})

	const newPassword = "a new and different passphrase"
	t.Run("ChangePassword", func(t *testing.T) {
		err := p.ChangePassword(ctx, userID, "not the password", newPassword)
		wantCode(t, err, bptracker.EUNAUTHORIZED)
		if err := p.ChangePassword(ctx, userID, password, newPassword); err != nil {
			t.Fatalf("ChangePassword: %v", err)
		}
		_, err = p.BeginSignIn(ctx, email, password)
		wantCode(t, err, bptracker.EUNAUTHORIZED)
		if _, err := p.BeginSignIn(ctx, email, newPassword); err != nil {
			t.Errorf("sign in with the new password: %v", err)
		}
	})

	t.Run("SetPassword", func(t *testing.T) {
		const reset = "reset link passphrase"
		if err := p.SetPassword(ctx, userID, reset); err != nil {
			t.Fatalf("SetPassword: %v", err)
		}
		step, err := p.BeginSignIn(ctx, email, reset)
		if err != nil {
			t.Fatalf("sign in after reset: %v", err)
		}
		if got, want := step.Next, "mfa"; got != want {
			t.Errorf("MFA after reset: got next %q, want %q", got, want)
		}
		err = p.SetPassword(ctx, "0190f5a2-0000-7000-8000-000000000404", reset)
		wantCode(t, err, bptracker.ENOTFOUND)
	})

	t.Run("SetEnabled", func(t *testing.T) {
		enabled := func() bool {
			out, err := lp.client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(lp.poolID), Username: aws.String(userID)})
			if err != nil {
				t.Fatal(err)
			}
			return out.Enabled
		}
		if err := p.SetEnabled(ctx, userID, false); err != nil {
			t.Fatalf("disable: %v", err)
		}
		if enabled() {
			t.Errorf("user enabled after SetEnabled(false)")
		}
		if err := p.SetEnabled(ctx, userID, true); err != nil {
			t.Fatalf("enable: %v", err)
		}
		if !enabled() {
			t.Errorf("user disabled after SetEnabled(true)")
		}
	})

	// Last: the user is gone afterwards.
	t.Run("DeleteAccount", func(t *testing.T) {
		if err := p.DeleteAccount(ctx, userID); err != nil {
			t.Fatalf("DeleteAccount: %v", err)
		}
		_, err := lp.client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(lp.poolID), Username: aws.String(userID)})
		if err == nil {
			t.Errorf("the pool still has the user (and its email) after DeleteAccount")
		}
		if _, err := p.BeginSignIn(ctx, email, "reset link passphrase"); err == nil {
			t.Errorf("a deleted account signed in")
		}
		if err := p.DeleteAccount(ctx, userID); err != nil {
			t.Errorf("deleting an account already gone: %v, want nil", err)
		}
	})
}

func refreshToken(tb testing.TB, tokens string) string {
	tb.Helper()
	r, err := cognito.RefreshToken(tokens)
	if err != nil || r == "" {
		tb.Fatalf("no refresh token in the tokens: %v", err)
	}
	return r
}

func TestNewErrConfig(t *testing.T) {
	ok := cognito.Config{AWS: emulators.AWS(), Endpoint: "http://127.0.0.1:1", UserPoolID: "pool", ClientID: "client", ClientSecret: "secret",
		UserIDByEmail: func(context.Context, string) (string, error) { return "", nil }}
	tests := []struct {
		name string
		mod  func(*cognito.Config)
		want string
	}{
		{"NoRegion", func(c *cognito.Config) { c.AWS.Region = "" }, "region"},
		{"NoCredentials", func(c *cognito.Config) { c.AWS.Credentials = nil }, "credentials"},
		{"NoPool", func(c *cognito.Config) { c.UserPoolID = "" }, "pool"},
		{"NoAppClient", func(c *cognito.Config) { c.ClientID = "" }, "client id"},
		{"NoSecret", func(c *cognito.Config) { c.ClientSecret = "" }, "secret"},
		{"NoLookup", func(c *cognito.Config) { c.UserIDByEmail = nil }, "UserIDByEmail"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.mod(&cfg)
			_, err := cognito.New(cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
	if _, err := cognito.New(ok); err != nil {
		t.Errorf("valid config: %v", err)
	}
}
