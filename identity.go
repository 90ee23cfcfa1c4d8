package bptracker

import "context"

// SignInStep is what follows a correct password.
type SignInStep struct {
	UserID string // our account id
	// Next is "mfa" (enter a code) or "mfa_setup" (enrol TOTP first).
	Next       string
	TOTPSecret string // base32, with mfa_setup
	// State is the provider's own challenge state (Cognito's Session); the
	// service keeps it sealed in the pending session, never in the browser.
	State string
}

// SignInResult is a completed sign-in.
type SignInResult struct {
	UserID string
	// RecoveryCodes are returned once, when MFA was first set up (built-in
	// accounts only; Cognito has none).
	RecoveryCodes []string
	// Tokens is provider state to keep sealed with the session (Cognito's
	// refresh token); never sent to the browser.
	Tokens string
}

// IdentityProvider checks passwords and TOTP codes. The built-in provider
// keeps accounts in the Store; the Cognito provider asks a user pool. Roles,
// grants and sessions stay in the Store either way.
type IdentityProvider interface {
	// BeginSignIn checks the password. A wrong password and an unknown email
	// both answer EUNAUTHORIZED; a locked account ELOCKED.
	BeginSignIn(ctx context.Context, email, password string) (*SignInStep, error)
	// FinishSignIn checks the TOTP code (or, for built-in accounts, a
	// recovery code) for the step.
	FinishSignIn(ctx context.Context, step *SignInStep, code string) (*SignInResult, error)
	// CreateAccount registers a new account's credentials and returns the
	// provider's subject for it ("" for built-in accounts).
	CreateAccount(ctx context.Context, userID, email, password string) (string, error)
	ChangePassword(ctx context.Context, userID, oldPassword, newPassword string) error
	// SetPassword replaces a password without the old one (reset links).
	SetPassword(ctx context.Context, userID, newPassword string) error
	ResetMFA(ctx context.Context, userID string) error
	SetEnabled(ctx context.Context, userID string, enabled bool) error
	// DeleteAccount removes the account's credentials and identity (its
	// email) from the provider: at erasure, and when the store refuses a
	// new account. An account the provider does not know is not an error.
	DeleteAccount(ctx context.Context, userID string) error
	// SignOut revokes provider tokens kept with a session.
	SignOut(ctx context.Context, tokens string) error
}
