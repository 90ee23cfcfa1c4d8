// Package cognito implements bptracker.IdentityProvider with an Amazon
// Cognito user pool: passwords and TOTP codes are checked by Cognito, while
// roles, grants and sessions stay in the service's store, keyed by the
// Cognito sub.
//
// A Cognito user's username is our user id; the email is an attribute
// (and sign-in alias), found by the service's email index.
// The app client is confidential: every call that names a user carries the
// SECRET_HASH. Tokens are verified against the pool's JWKS (issuer, client,
// token_use, expiry) before they are trusted.
//
// Cognito is called through internal/awsjson rather than the SDK's client,
// which registers a schema for each of Cognito's 126 operations at
// start-up: 0.72 MB of the Lambda binary for the 13 used here.
package cognito

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/internal/awsjson"
)

// Config configures a Provider.
type Config struct {
	// AWS gives the region and the credentials that sign the Admin
	// operations. The calls made for a user (sign-in, TOTP set-up, token
	// revocation) are sent unsigned, as the SDK sends them.
	AWS aws.Config
	// Endpoint is Cognito's URL; "" means the regional endpoint,
	// https://cognito-idp.REGION.amazonaws.com.
	Endpoint     string
	UserPoolID   string
	ClientID     string
	ClientSecret string
	// Issuer is the pool's token issuer; "" means
	// https://cognito-idp.REGION.amazonaws.com/POOL with the region of AWS.
	// The signing keys are at Issuer + "/.well-known/jwks.json".
	Issuer string
	// UserIDByEmail finds the account for a sign-in email (the service's
	// email index). An unknown email answers an ENOTFOUND *bptracker.Error.
	UserIDByEmail func(ctx context.Context, email string) (string, error)
	// Now is the clock for token expiry and the signing-key cache; nil
	// means time.Now.
	Now func() time.Time
}

// deviceName names the TOTP device in Cognito.
const deviceName = "BP Tracker"

// jwksTTL is how long the pool's signing keys are kept. An unknown key id
// refetches the set at most once a minute (minRefetch).
const jwksTTL = time.Hour

// Provider is a bptracker.IdentityProvider backed by a Cognito user pool.
type Provider struct {
	cfg  Config
	api  *awsjson.Client
	jwks *jwks
}

var _ bptracker.IdentityProvider = (*Provider)(nil)

// New returns a Provider. It does not call Cognito.
func New(cfg Config) (*Provider, error) {
	switch {
	case cfg.AWS.Region == "":
		return nil, errors.New("cognito: Config.AWS has no region")
	case cfg.AWS.Credentials == nil:
		return nil, errors.New("cognito: Config.AWS has no credentials (the Admin operations are signed)")
	case cfg.UserPoolID == "":
		return nil, errors.New("cognito: the user pool id is required")
	case cfg.ClientID == "":
		return nil, errors.New("cognito: the app client id is required")
	case cfg.ClientSecret == "":
		return nil, errors.New("cognito: the app client secret is required (the client must be confidential)")
	case cfg.UserIDByEmail == nil:
		return nil, errors.New("cognito: Config.UserIDByEmail is required")
	}
	if cfg.Issuer == "" {
		cfg.Issuer = "https://cognito-idp." + cfg.AWS.Region + ".amazonaws.com/" + cfg.UserPoolID
	}
	cfg.Issuer = strings.TrimSuffix(cfg.Issuer, "/")
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	api := awsjson.New(cfg.AWS, "cognito-idp", "AWSCognitoIdentityProviderService", cfg.Endpoint)
	api.Unsigned, api.Once, api.Final = unsigned, once, final
	jwks := newJWKS(cfg.Issuer+"/.well-known/jwks.json", &http.Client{Timeout: 5 * time.Second}, jwksTTL, cfg.Now)
	return &Provider{cfg: cfg, api: api, jwks: jwks}, nil
}

// unsigned lists the operations used here that the SDK
// (cognitoidentityprovider v1.61.0, auth.go) sends without a signature:
// Cognito authorises them by the access token, session or client secret in
// the request. The Admin operations are signed with SigV4 for
// "cognito-idp". TestRequestsMatchSDK holds every operation to the SDK's
// choice.
var unsigned = map[string]bool{
	"InitiateAuth": true, "RespondToAuthChallenge": true, "AssociateSoftwareToken": true,
	"VerifySoftwareToken": true, "SetUserMFAPreference": true, "RevokeToken": true,
}

// once lists the operations that must not reach Cognito twice. Two spend
// a TOTP code: Cognito accepts a code
// once, and a challenge session once. After an attempt that may have
// reached Cognito (a timeout, a lost connection, a 5xx) the code may be
// spent already, and sending it again would be answered as a wrong code or
// an expired session: a failed attempt the user did not make, counted
// towards the lockout. So these are retried only when Cognito cannot have
// seen the attempt (no connection, or throttled); otherwise the error
// stands and the user signs in again. The SDK retried them like any call.
//
// AdminCreateUser sent again after it landed would be refused with
// UsernameExistsException, hiding the sub of the user it made; instead
// CreateAccount removes a user whose create may have landed, and the
// person tries again.
var once = map[string]bool{"RespondToAuthChallenge": true, "VerifySoftwareToken": true, "AdminCreateUser": true}

// final lists error codes the SDK's retryer treats as throttling but
// Cognito uses for too many attempts (password resets, code checks): a
// retry would only add to them. TooManyRequestsException is Cognito's
// throttling and is retried.
var final = map[string]bool{"LimitExceededException": true}

// The Cognito API's requests and answers, as far as used here. Field names
// are the API's; fields the SDK leaves out when empty are left out too.
type (
	initiateAuthRequest struct {
		AuthFlow       string
		AuthParameters map[string]string
		ClientId       string
	}
	respondToAuthChallengeRequest struct {
		ChallengeName      string
		ChallengeResponses map[string]string
		ClientId           string
		Session            string `json:",omitempty"`
	}
	// authResponse answers InitiateAuth and RespondToAuthChallenge.
	authResponse struct {
		ChallengeName        string
		ChallengeParameters  map[string]string
		Session              string
		AuthenticationResult *authResult
	}
	authResult struct {
		AccessToken  string
		RefreshToken string
	}
	// softwareTokenRequest asks AssociateSoftwareToken and
	// VerifySoftwareToken, with an access token or a challenge session.
	softwareTokenRequest struct {
		AccessToken        string `json:",omitempty"`
		Session            string `json:",omitempty"`
		UserCode           string `json:",omitempty"`
		FriendlyDeviceName string `json:",omitempty"`
	}
	softwareTokenResponse struct {
		SecretCode string // AssociateSoftwareToken
		Status     string // VerifySoftwareToken: SUCCESS or ERROR
		Session    string
	}
	// mfaPreferenceRequest asks SetUserMFAPreference (AccessToken) and
	// AdminSetUserMFAPreference (UserPoolId, Username).
	mfaPreferenceRequest struct {
		AccessToken              string `json:",omitempty"`
		UserPoolId               string `json:",omitempty"`
		Username                 string `json:",omitempty"`
		SoftwareTokenMfaSettings *mfaSettings
	}
	mfaSettings struct {
		Enabled      bool `json:",omitempty"`
		PreferredMfa bool `json:",omitempty"`
	}
	// userRequest names a user for the Admin operations.
	userRequest struct {
		UserPoolId string
		Username   string
	}
	adminCreateUserRequest struct {
		userRequest
		MessageAction  string
		UserAttributes []attribute
	}
	adminCreateUserResponse struct {
		User *struct{ Attributes []attribute }
	}
	adminSetUserPasswordRequest struct {
		userRequest
		Password  string
		Permanent bool `json:",omitempty"`
	}
	attribute struct {
		Name  string
		Value string
	}
	revokeTokenRequest struct {
		ClientId     string
		ClientSecret string
		Token        string
	}
)

// Challenge names.
const (
	challengeTOTP        = "SOFTWARE_TOKEN_MFA"
	challengeSelectMFA   = "SELECT_MFA_TYPE"
	challengeMFASetup    = "MFA_SETUP"
	challengeNewPassword = "NEW_PASSWORD_REQUIRED"
)

// secretHash is Base64(HMAC-SHA256(client secret, username + client id)).
func (p *Provider) secretHash(username string) string {
	m := hmac.New(sha256.New, []byte(p.cfg.ClientSecret))
	m.Write([]byte(username + p.cfg.ClientID))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Messages shown for failed checks: one for a wrong email or password (so
// accounts cannot be probed), one for a wrong code.
const (
	msgBadCredentials = "The email or password is not correct."
	msgBadCode        = "The code is not correct."
)

// state is SignInStep.State: what the next step needs. The service keeps it
// sealed server-side.
type state struct {
	Kind     string `json:"k"` // kindMFA, kindSetup or kindSetupToken
	Username string `json:"u"`
	Session  string `json:"s,omitempty"`
	Access   string `json:"a,omitempty"`
	Refresh  string `json:"r,omitempty"`
}

const (
	kindMFA        = "mfa"         // answer SOFTWARE_TOKEN_MFA
	kindSetup      = "setup"       // MFA_SETUP challenge: verify with the session
	kindSetupToken = "setup_token" // signed in without MFA: verify with the access token
)

// tokens is SignInResult.Tokens.
type tokens struct {
	Username string `json:"u"`
	Sub      string `json:"sub"`
	Refresh  string `json:"r,omitempty"`
}

// BeginSignIn checks the password with InitiateAuth (USER_PASSWORD_AUTH).
func (p *Provider) BeginSignIn(ctx context.Context, email, password string) (*bptracker.SignInStep, error) {
	if email == "" || password == "" {
		return nil, &bptracker.Error{Code: bptracker.EUNAUTHORIZED, Message: msgBadCredentials}
	}
	userID, err := p.cfg.UserIDByEmail(ctx, email)
	known := err == nil
	if err != nil && bptracker.ErrorCode(err) != bptracker.ENOTFOUND {
		return nil, err
	}
	username := "unknown-" + randomHex(16)
	if known {
		username = userID
	}
	// An unknown email still asks Cognito (for a username that cannot
	// exist), so both answers take the same time.
	var out authResponse
	err = p.api.Call(ctx, "InitiateAuth", initiateAuthRequest{
		AuthFlow: "USER_PASSWORD_AUTH",
		ClientId: p.cfg.ClientID,
		AuthParameters: map[string]string{
			"USERNAME":    username,
			"PASSWORD":    password,
			"SECRET_HASH": p.secretHash(username),
		},
	}, &out)
	if !known {
		return nil, &bptracker.Error{Code: bptracker.EUNAUTHORIZED, Message: msgBadCredentials}
	}
	if err != nil {
		return nil, p.mapError("InitiateAuth", err, msgBadCredentials)
	}
	return p.nextStep(ctx, userID, username, &out)
}

// nextStep turns a Cognito answer after the password into a SignInStep.
func (p *Provider) nextStep(ctx context.Context, userID, username string, in *authResponse) (*bptracker.SignInStep, error) {
	switch in.ChallengeName {
	case challengeTOTP:
		return &bptracker.SignInStep{UserID: userID, Next: "mfa",
			State: encodeState(state{Kind: kindMFA, Username: username, Session: in.Session})}, nil

	case challengeSelectMFA:
		// The user has more than one factor: TOTP is the one we use.
		if err := offersTOTP(in.ChallengeParameters, "MFAS_CAN_CHOOSE"); err != nil {
			return nil, fmt.Errorf("cognito: user %s: %w", username, err)
		}
		var out authResponse
		err := p.api.Call(ctx, "RespondToAuthChallenge", respondToAuthChallengeRequest{
			ClientId:      p.cfg.ClientID,
			ChallengeName: challengeSelectMFA,
			Session:       in.Session,
			ChallengeResponses: map[string]string{
				"USERNAME": username, "ANSWER": challengeTOTP,
				"SECRET_HASH": p.secretHash(username),
			},
		}, &out)
		if err != nil {
			return nil, p.mapError("RespondToAuthChallenge", err, msgBadCredentials)
		}
		if out.ChallengeName == challengeSelectMFA {
			return nil, fmt.Errorf("cognito: SELECT_MFA_TYPE answered with itself")
		}
		return p.nextStep(ctx, userID, username, &out)

	case challengeMFASetup:
		// The pool requires MFA and the user has none: enrol TOTP within
		// the challenge session (what real Cognito does; cognito-local
		// refuses this flow).
		if err := offersTOTP(in.ChallengeParameters, "MFAS_CAN_SETUP"); err != nil {
			return nil, fmt.Errorf("cognito: user %s: %w", username, err)
		}
		var out softwareTokenResponse
		if err := p.api.Call(ctx, "AssociateSoftwareToken", softwareTokenRequest{Session: in.Session}, &out); err != nil {
			return nil, p.mapError("AssociateSoftwareToken", err, msgBadCredentials)
		}
		next := out.Session
		if next == "" {
			next = in.Session
		}
		return &bptracker.SignInStep{UserID: userID, Next: "mfa_setup", TOTPSecret: out.SecretCode,
			State: encodeState(state{Kind: kindSetup, Username: username, Session: next})}, nil

	case challengeNewPassword:
		return nil, bptracker.Errorf(bptracker.ELOCKED, "This account needs a new password. Ask an administrator for a reset link.")

	case "":
		result := in.AuthenticationResult
		if result == nil || result.AccessToken == "" {
			return nil, errors.New("cognito: InitiateAuth answered with neither a challenge nor tokens")
		}
		// The pool lets this user in without MFA (MFA optional, not yet
		// set up): enrol TOTP with the access token before the session
		// counts. The tokens stay in the sealed step until then.
		if _, err := p.verify(ctx, result.AccessToken, username); err != nil {
			return nil, err
		}
		var out softwareTokenResponse
		if err := p.api.Call(ctx, "AssociateSoftwareToken", softwareTokenRequest{AccessToken: result.AccessToken}, &out); err != nil {
			return nil, p.mapError("AssociateSoftwareToken", err, msgBadCredentials)
		}
		return &bptracker.SignInStep{UserID: userID, Next: "mfa_setup", TOTPSecret: out.SecretCode,
			State: encodeState(state{Kind: kindSetupToken, Username: username,
				Access: result.AccessToken, Refresh: result.RefreshToken})}, nil
	}
	return nil, fmt.Errorf("cognito: unsupported challenge %s", in.ChallengeName)
}

// offersTOTP checks that the challenge parameter name, a JSON array of
// factors (MFAS_CAN_CHOOSE, MFAS_CAN_SETUP), names TOTP.
func offersTOTP(params map[string]string, name string) error {
	var mfas []string
	if err := json.Unmarshal([]byte(params[name]), &mfas); err != nil {
		return fmt.Errorf("challenge parameter %s is not a list of factors", name)
	}
	if !slices.Contains(mfas, challengeTOTP) {
		return fmt.Errorf("challenge parameter %s does not offer TOTP (%s)", name, params[name])
	}
	return nil
}

// FinishSignIn checks the TOTP code for the step.
func (p *Provider) FinishSignIn(ctx context.Context, step *bptracker.SignInStep, code string) (*bptracker.SignInResult, error) {
	if step == nil {
		return nil, &bptracker.Error{Code: bptracker.EUNAUTHORIZED, Message: msgBadCode}
	}
	st, err := decodeState(step.State)
	if err != nil || st.Username != step.UserID {
		return nil, bptracker.Errorf(bptracker.EUNAUTHORIZED, "The sign-in has expired. Sign in again.")
	}
	code = strings.TrimSpace(code)
	if !validCode(code) {
		// Not worth a call: Cognito would refuse it and count a failure.
		return nil, &bptracker.Error{Code: bptracker.EUNAUTHORIZED, Message: msgBadCode}
	}
	secret := p.secretHash(st.Username)
	var result *authResult
	switch st.Kind {
	case kindMFA:
		var out authResponse
		err := p.api.Call(ctx, "RespondToAuthChallenge", respondToAuthChallengeRequest{
			ClientId:      p.cfg.ClientID,
			ChallengeName: challengeTOTP,
			Session:       st.Session,
			ChallengeResponses: map[string]string{
				"USERNAME": st.Username, "SOFTWARE_TOKEN_MFA_CODE": code, "SECRET_HASH": secret,
			},
		}, &out)
		if err != nil {
			return nil, p.mapError("RespondToAuthChallenge", err, msgBadCode)
		}
		if out.AuthenticationResult == nil {
			return nil, fmt.Errorf("cognito: unexpected challenge %s after SOFTWARE_TOKEN_MFA", out.ChallengeName)
		}
		result = out.AuthenticationResult

	case kindSetup:
		var v softwareTokenResponse
		err := p.api.Call(ctx, "VerifySoftwareToken", softwareTokenRequest{
			Session: st.Session, UserCode: code, FriendlyDeviceName: deviceName,
		}, &v)
		if err != nil {
			return nil, p.mapError("VerifySoftwareToken", err, msgBadCode)
		}
		if v.Status != "SUCCESS" {
			return nil, &bptracker.Error{Code: bptracker.EUNAUTHORIZED, Message: msgBadCode}
		}
		session := v.Session
		if session == "" {
			session = st.Session
		}
		var out authResponse
		err = p.api.Call(ctx, "RespondToAuthChallenge", respondToAuthChallengeRequest{
			ClientId:           p.cfg.ClientID,
			ChallengeName:      challengeMFASetup,
			Session:            session,
			ChallengeResponses: map[string]string{"USERNAME": st.Username, "SECRET_HASH": secret},
		}, &out)
		if err != nil {
			return nil, p.mapError("RespondToAuthChallenge", err, msgBadCode)
		}
		if out.AuthenticationResult == nil {
			return nil, fmt.Errorf("cognito: unexpected challenge %s after MFA_SETUP", out.ChallengeName)
		}
		result = out.AuthenticationResult
		if err := p.preferTOTP(ctx, result.AccessToken); err != nil {
			return nil, err
		}

	case kindSetupToken:
		var v softwareTokenResponse
		err := p.api.Call(ctx, "VerifySoftwareToken", softwareTokenRequest{
			AccessToken: st.Access, UserCode: code, FriendlyDeviceName: deviceName,
		}, &v)
		if err != nil {
			return nil, p.mapError("VerifySoftwareToken", err, msgBadCode)
		}
		if v.Status != "SUCCESS" {
			return nil, &bptracker.Error{Code: bptracker.EUNAUTHORIZED, Message: msgBadCode}
		}
		if err := p.preferTOTP(ctx, st.Access); err != nil {
			return nil, err
		}
		result = &authResult{AccessToken: st.Access, RefreshToken: st.Refresh}

	default:
		return nil, bptracker.Errorf(bptracker.EUNAUTHORIZED, "The sign-in has expired. Sign in again.")
	}

	sub, err := p.verify(ctx, result.AccessToken, st.Username)
	if err != nil {
		return nil, err
	}
	return &bptracker.SignInResult{UserID: step.UserID, Tokens: encodeTokens(tokens{
		Username: st.Username, Sub: sub, Refresh: result.RefreshToken,
	})}, nil
}

// preferTOTP makes TOTP the user's MFA method, so every later sign-in asks
// for a code even in a pool where MFA is optional.
func (p *Provider) preferTOTP(ctx context.Context, accessToken string) error {
	err := p.api.Call(ctx, "SetUserMFAPreference", mfaPreferenceRequest{
		AccessToken:              accessToken,
		SoftwareTokenMfaSettings: &mfaSettings{Enabled: true, PreferredMfa: true},
	}, &struct{}{})
	if err != nil {
		return p.mapError("SetUserMFAPreference", err, msgBadCode)
	}
	return nil
}

// verify checks an access token from a sign-in and that it names
// username; it returns the token's sub.
func (p *Provider) verify(ctx context.Context, token, username string) (string, error) {
	c, err := p.verifyToken(ctx, token)
	if err != nil {
		return "", fmt.Errorf("cognito: token from sign-in: %w", err)
	}
	// Cognito's access tokens (and cognito-local's) carry the username:
	// one without it is not proof that this account signed in.
	if c.Username != username {
		return "", fmt.Errorf("cognito: token does not name the account signing in")
	}
	return c.Subject, nil
}

// user names userID's Cognito user for the Admin operations.
func (p *Provider) user(userID string) userRequest {
	return userRequest{UserPoolId: p.cfg.UserPoolID, Username: userID}
}

// CreateAccount creates the Cognito user (username = userID, email
// verified, no invitation message) with a permanent password and returns
// its sub. A password the pool's policy refuses removes the user again and
// answers EINVALID.
func (p *Provider) CreateAccount(ctx context.Context, userID, email, password string) (sub string, err error) {
	var out adminCreateUserResponse
	err = p.api.Call(ctx, "AdminCreateUser", adminCreateUserRequest{
		userRequest:   p.user(userID),
		MessageAction: "SUPPRESS",
		UserAttributes: []attribute{
			{Name: "email", Value: email},
			{Name: "email_verified", Value: "true"},
		},
	}, &out)
	var ae *awsjson.Error
	if errors.As(err, &ae) && ae.Status < 500 {
		// Refused: this call created nothing, and an existing user is
		// not ours to remove.
		if ae.Code == "UsernameExistsException" {
			// The username is a fresh user id, so the user is not someone
			// else's account: "account exists" would be wrong for the email.
			return "", fmt.Errorf("cognito: AdminCreateUser: user id %s is taken in the pool: %s", userID, describe(err))
		}
		return "", p.mapError("AdminCreateUser", err, "")
	}
	// From here on the user may exist (the create landed, or may have
	// landed before its answer was lost). Any failure removes it, or it
	// would hold the email alias, and the email, for good.
	defer func() {
		if err != nil {
			err = p.removeAfterFailedCreate(ctx, userID, err)
		}
	}()
	if err != nil {
		return "", p.mapError("AdminCreateUser", err, "")
	}
	if out.User != nil {
		for _, a := range out.User.Attributes {
			if a.Name == "sub" {
				sub = a.Value
			}
		}
	}
	if sub == "" {
		return "", fmt.Errorf("cognito: AdminCreateUser returned no sub for user %s", userID)
	}
	if err := p.SetPassword(ctx, userID, password); err != nil {
		return "", err
	}
	return sub, nil
}

// removeAfterFailedCreate deletes userID's pool user after CreateAccount
// failed with err. It runs on a context of its own: the caller's may be
// what ran out.
func (p *Provider) removeAfterFailedCreate(ctx context.Context, userID string, err error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if derr := p.DeleteAccount(ctx, userID); derr != nil {
		return errors.Join(err, fmt.Errorf("cognito: remove user %s after a failed create: %w", userID, derr))
	}
	return err
}

// ChangePassword checks the old password with InitiateAuth and sets the
// new one with AdminSetUserPassword: the interface carries no access token
// for Cognito's own ChangePassword, and with MFA required a password alone
// never yields one.
func (p *Provider) ChangePassword(ctx context.Context, userID, oldPassword, newPassword string) error {
	username := userID
	var out authResponse
	err := p.api.Call(ctx, "InitiateAuth", initiateAuthRequest{
		AuthFlow: "USER_PASSWORD_AUTH",
		ClientId: p.cfg.ClientID,
		AuthParameters: map[string]string{
			"USERNAME": username, "PASSWORD": oldPassword, "SECRET_HASH": p.secretHash(username),
		},
	}, &out)
	if err != nil {
		switch apiCode(err) {
		case "NotAuthorizedException", "UserNotFoundException", "InvalidPasswordException":
			return bptracker.Errorf(bptracker.EUNAUTHORIZED, "The current password is not correct.")
		}
		return p.mapError("InitiateAuth", err, msgBadCredentials)
	}
	// Tokens issued only to prove the password are revoked at once. If
	// that fails the password stays as it was, so the error is the whole
	// story: the person tries again.
	if r := out.AuthenticationResult; r != nil && r.RefreshToken != "" {
		if err := p.revoke(ctx, r.RefreshToken); err != nil {
			return fmt.Errorf("cognito: change password of user %s: %w", userID, err)
		}
	}
	return p.SetPassword(ctx, userID, newPassword)
}

// SetPassword replaces the password (permanent, no change forced).
func (p *Provider) SetPassword(ctx context.Context, userID, newPassword string) error {
	err := p.api.Call(ctx, "AdminSetUserPassword", adminSetUserPasswordRequest{
		userRequest: p.user(userID),
		Password:    newPassword,
		Permanent:   true,
	}, &struct{}{})
	if err != nil {
		return p.mapError("AdminSetUserPassword", err, "")
	}
	return nil
}

// ResetMFA turns the user's TOTP off and signs the user out everywhere: in
// a pool that requires MFA the next sign-in sets up a new authenticator.
// Cognito has no recovery codes, so this is how a user who lost the
// authenticator gets back in.
func (p *Provider) ResetMFA(ctx context.Context, userID string) error {
	u := p.user(userID)
	// Both settings false: the SDK sends them as {}, Cognito's default.
	if err := p.api.Call(ctx, "AdminSetUserMFAPreference", mfaPreferenceRequest{
		UserPoolId: u.UserPoolId, Username: u.Username,
		SoftwareTokenMfaSettings: &mfaSettings{Enabled: false, PreferredMfa: false},
	}, &struct{}{}); err != nil {
		return p.mapError("AdminSetUserMFAPreference", err, "")
	}
	if err := p.api.Call(ctx, "AdminUserGlobalSignOut", u, &struct{}{}); err != nil {
		return p.mapError("AdminUserGlobalSignOut", err, "")
	}
	return nil
}

// SetEnabled enables or disables the Cognito user. Disabling also revokes
// the user's tokens in Cognito.
func (p *Provider) SetEnabled(ctx context.Context, userID string, enabled bool) error {
	op := "AdminDisableUser"
	if enabled {
		op = "AdminEnableUser"
	}
	if err := p.api.Call(ctx, op, p.user(userID), &struct{}{}); err != nil {
		return p.mapError(op, err, "")
	}
	return nil
}

// DeleteAccount deletes the pool user, and with it the email Cognito holds.
func (p *Provider) DeleteAccount(ctx context.Context, userID string) error {
	err := p.api.Call(ctx, "AdminDeleteUser", p.user(userID), &struct{}{})
	if err != nil && apiCode(err) != "UserNotFoundException" {
		return p.mapError("AdminDeleteUser", err, "")
	}
	return nil
}

// SignOut revokes the refresh token kept with the session (and the access
// tokens issued from it). A token Cognito no longer knows is already
// signed out.
func (p *Provider) SignOut(ctx context.Context, blob string) error {
	if blob == "" {
		return nil
	}
	t, err := decodeTokens(blob)
	if err != nil {
		return fmt.Errorf("cognito: sign out: %w", err)
	}
	if t.Refresh == "" {
		return nil
	}
	return p.revoke(ctx, t.Refresh)
}

func (p *Provider) revoke(ctx context.Context, refresh string) error {
	err := p.api.Call(ctx, "RevokeToken", revokeTokenRequest{
		ClientId: p.cfg.ClientID, ClientSecret: p.cfg.ClientSecret, Token: refresh,
	}, &struct{}{})
	if err != nil && apiCode(err) != "NotAuthorizedException" {
		return p.mapError("RevokeToken", err, "")
	}
	return nil
}

// apiCode is the AWS error code of err, or "".
func apiCode(err error) string {
	var ae *awsjson.Error
	if errors.As(err, &ae) {
		return ae.Code
	}
	return ""
}

// mapError turns a Cognito error into the service's coded errors. authMsg
// is the message for a refused credential ("" where none is checked: then
// a missing user is ENOTFOUND). Other errors stay internal, naming the
// operation only: Cognito's messages can quote the username or email.
func (p *Provider) mapError(op string, err error, authMsg string) error {
	code := apiCode(err)
	switch code {
	case "NotAuthorizedException", "UserNotFoundException":
		if authMsg == "" {
			if code == "UserNotFoundException" {
				return bptracker.Errorf(bptracker.ENOTFOUND, "The account does not exist in the identity provider.")
			}
			return fmt.Errorf("cognito: %s: %s", op, describe(err))
		}
		return &bptracker.Error{Code: bptracker.EUNAUTHORIZED, Message: authMsg}
	case "CodeMismatchException", "ExpiredCodeException", "EnableSoftwareTokenMFAException", "SoftwareTokenMFANotFoundException":
		return &bptracker.Error{Code: bptracker.EUNAUTHORIZED, Message: msgBadCode}
	case "TooManyRequestsException", "LimitExceededException", "TooManyFailedAttemptsException":
		return bptracker.Errorf(bptracker.ERATELIMIT, "Too many attempts. Wait a few minutes and try again.")
	case "PasswordResetRequiredException":
		return bptracker.Errorf(bptracker.ELOCKED, "This account needs a new password. Ask an administrator for a reset link.")
	case "UserNotConfirmedException":
		return bptracker.Errorf(bptracker.ELOCKED, "This account is not active yet.")
	case "InvalidPasswordException", "PasswordHistoryPolicyViolationException":
		if authMsg != "" {
			// cognito-local answers a wrong sign-in password this way.
			return &bptracker.Error{Code: bptracker.EUNAUTHORIZED, Message: authMsg}
		}
		return &bptracker.Error{Code: bptracker.EINVALID, Message: "The password does not meet the password policy.",
			Fields: map[string]string{"password": "Choose a longer or less common password."}}
	case "UsernameExistsException", "AliasExistsException":
		return bptracker.Errorf(bptracker.ECONFLICT, "An account with these details already exists.")
	}
	return fmt.Errorf("cognito: %s: %s", op, describe(err))
}

// describe keeps the error's code and request id, dropping Cognito's
// message, which may quote user input.
func describe(err error) string {
	var ae *awsjson.Error
	if !errors.As(err, &ae) {
		return err.Error()
	}
	if ae.RequestID == "" {
		return "api error " + ae.Code
	}
	return "api error " + ae.Code + " (request id " + ae.RequestID + ")"
}

func validCode(code string) bool {
	if len(code) != 6 {
		return false
	}
	for _, c := range code {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func encodeState(s state) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func decodeState(s string) (state, error) {
	var st state
	if err := json.Unmarshal([]byte(s), &st); err != nil {
		return st, err
	}
	if st.Username == "" {
		return st, errors.New("cognito: sign-in state has no username")
	}
	return st, nil
}

func encodeTokens(t tokens) string {
	b, _ := json.Marshal(t)
	return string(b)
}

func decodeTokens(s string) (tokens, error) {
	var t tokens
	if err := json.Unmarshal([]byte(s), &t); err != nil {
		return t, errors.New("cognito: tokens are not readable")
	}
	return t, nil
}
