// Package cognito implements bptracker.IdentityProvider with an Amazon
// Cognito user pool: passwords and TOTP codes are checked by Cognito, while
// roles, grants and sessions stay in the service's store, keyed by the
// Cognito sub.
//
// A Cognito user's username is our user id (Config.Username can change
// that); the email is an attribute, found by the service's email index.
// The app client is confidential: every call that names a user carries the
// SECRET_HASH. Tokens are verified against the pool's JWKS (issuer, client,
// token_use, expiry) before they are trusted.
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
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"

	"github.com/bptracker/bptracker"
)

// Config configures a Provider.
type Config struct {
	Client       *cip.Client
	UserPoolID   string
	ClientID     string
	ClientSecret string
	// Issuer is the pool's token issuer; "" means
	// https://cognito-idp.REGION.amazonaws.com/POOL with the client's region.
	Issuer string
	// JWKSURL is where the pool's signing keys are; "" means
	// Issuer + "/.well-known/jwks.json".
	JWKSURL string
	// HTTPClient fetches the JWKS; nil means a client with a 5 s timeout.
	HTTPClient *http.Client
	// UserIDByEmail finds the account for a sign-in email (the service's
	// email index). An unknown email answers an ENOTFOUND *bptracker.Error.
	UserIDByEmail func(ctx context.Context, email string) (string, error)
	// Username maps our user id to the Cognito username; nil means they are
	// the same, as CreateAccount makes them.
	Username func(userID string) string
	// UserIDBySub maps a Cognito sub to our user id (the store's ExternalID
	// index). When set, a completed sign-in whose tokens name another
	// account is refused, and Claims.UserID is filled in.
	UserIDBySub func(ctx context.Context, sub string) (string, error)
	// Now is the clock for token expiry; nil means time.Now.
	Now func() time.Time
	// JWKSCacheTTL is how long signing keys are kept; 0 means one hour.
	// An unknown key id refetches the set at most once a minute.
	JWKSCacheTTL time.Duration
	// FriendlyDeviceName names the TOTP device in Cognito.
	FriendlyDeviceName string
}

// Provider is a bptracker.IdentityProvider backed by a Cognito user pool.
type Provider struct {
	cfg  Config
	jwks *jwks
}

var _ bptracker.IdentityProvider = (*Provider)(nil)

// New returns a Provider. It does not call Cognito.
func New(cfg Config) (*Provider, error) {
	switch {
	case cfg.Client == nil:
		return nil, errors.New("cognito: Config.Client is required")
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
		region := cfg.Client.Options().Region
		if region == "" {
			return nil, errors.New("cognito: set the client's region or Config.Issuer")
		}
		cfg.Issuer = "https://cognito-idp." + region + ".amazonaws.com/" + cfg.UserPoolID
	}
	cfg.Issuer = strings.TrimSuffix(cfg.Issuer, "/")
	if cfg.JWKSURL == "" {
		cfg.JWKSURL = cfg.Issuer + "/.well-known/jwks.json"
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 5 * time.Second}
	}
	if cfg.Username == nil {
		cfg.Username = func(userID string) string { return userID }
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.JWKSCacheTTL <= 0 {
		cfg.JWKSCacheTTL = time.Hour
	}
	if cfg.FriendlyDeviceName == "" {
		cfg.FriendlyDeviceName = "BP Tracker"
	}
	return &Provider{cfg: cfg, jwks: newJWKS(cfg.JWKSURL, cfg.HTTPClient, cfg.JWKSCacheTTL, cfg.Now)}, nil
}

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
	Access   string `json:"a,omitempty"`
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
		username = p.cfg.Username(userID)
	}
	// An unknown email still asks Cognito (for a username that cannot
	// exist), so both answers take the same time.
	out, err := p.cfg.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		ClientId: aws.String(p.cfg.ClientID),
		AuthParameters: map[string]string{
			"USERNAME":    username,
			"PASSWORD":    password,
			"SECRET_HASH": p.secretHash(username),
		},
	})
	if !known {
		return nil, &bptracker.Error{Code: bptracker.EUNAUTHORIZED, Message: msgBadCredentials}
	}
	if err != nil {
		return nil, p.mapError("InitiateAuth", err, msgBadCredentials)
	}
	return p.nextStep(ctx, userID, username, out.ChallengeName, out.ChallengeParameters, out.Session, out.AuthenticationResult)
}

// nextStep turns a Cognito answer after the password into a SignInStep.
func (p *Provider) nextStep(ctx context.Context, userID, username string, challenge types.ChallengeNameType,
	params map[string]string, session *string, result *types.AuthenticationResultType) (*bptracker.SignInStep, error) {
	switch challenge {
	case types.ChallengeNameTypeSoftwareTokenMfa:
		return &bptracker.SignInStep{UserID: userID, Next: "mfa",
			State: encodeState(state{Kind: kindMFA, Username: username, Session: aws.ToString(session)})}, nil

	case types.ChallengeNameTypeSelectMfaType:
		// The user has more than one factor: TOTP is the one we use.
		var mfas []string
		json.Unmarshal([]byte(params["MFAS_CAN_CHOOSE"]), &mfas)
		if !slices.Contains(mfas, string(types.ChallengeNameTypeSoftwareTokenMfa)) {
			return nil, fmt.Errorf("cognito: user %s has no TOTP factor to choose", username)
		}
		out, err := p.cfg.Client.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
			ClientId:      aws.String(p.cfg.ClientID),
			ChallengeName: types.ChallengeNameTypeSelectMfaType,
			Session:       session,
			ChallengeResponses: map[string]string{
				"USERNAME": username, "ANSWER": string(types.ChallengeNameTypeSoftwareTokenMfa),
				"SECRET_HASH": p.secretHash(username),
			},
		})
		if err != nil {
			return nil, p.mapError("RespondToAuthChallenge", err, msgBadCredentials)
		}
		if out.ChallengeName == types.ChallengeNameTypeSelectMfaType {
			return nil, fmt.Errorf("cognito: SELECT_MFA_TYPE answered with itself")
		}
		return p.nextStep(ctx, userID, username, out.ChallengeName, out.ChallengeParameters, out.Session, out.AuthenticationResult)

	case types.ChallengeNameTypeMfaSetup:
		// The pool requires MFA and the user has none: enrol TOTP within
		// the challenge session (what real Cognito does; cognito-local
		// refuses this flow).
		if can := params["MFAS_CAN_SETUP"]; can != "" && !strings.Contains(can, string(types.ChallengeNameTypeSoftwareTokenMfa)) {
			return nil, fmt.Errorf("cognito: the user pool does not offer TOTP setup (MFAS_CAN_SETUP %s)", can)
		}
		out, err := p.cfg.Client.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{Session: session})
		if err != nil {
			return nil, p.mapError("AssociateSoftwareToken", err, msgBadCredentials)
		}
		next := out.Session
		if next == nil {
			next = session
		}
		return &bptracker.SignInStep{UserID: userID, Next: "mfa_setup", TOTPSecret: aws.ToString(out.SecretCode),
			State: encodeState(state{Kind: kindSetup, Username: username, Session: aws.ToString(next)})}, nil

	case types.ChallengeNameTypeNewPasswordRequired:
		return nil, bptracker.Errorf(bptracker.ELOCKED, "This account needs a new password. Ask an administrator for a reset link.")

	case "":
		if result == nil || result.AccessToken == nil {
			return nil, errors.New("cognito: InitiateAuth answered with neither a challenge nor tokens")
		}
		// The pool lets this user in without MFA (MFA optional, not yet
		// set up): enrol TOTP with the access token before the session
		// counts. The tokens stay in the sealed step until then.
		if _, err := p.verify(ctx, *result.AccessToken, "access", username); err != nil {
			return nil, err
		}
		out, err := p.cfg.Client.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{AccessToken: result.AccessToken})
		if err != nil {
			return nil, p.mapError("AssociateSoftwareToken", err, msgBadCredentials)
		}
		return &bptracker.SignInStep{UserID: userID, Next: "mfa_setup", TOTPSecret: aws.ToString(out.SecretCode),
			State: encodeState(state{Kind: kindSetupToken, Username: username,
				Access: aws.ToString(result.AccessToken), Refresh: aws.ToString(result.RefreshToken)})}, nil
	}
	return nil, fmt.Errorf("cognito: unsupported challenge %s", challenge)
}

// FinishSignIn checks the TOTP code for the step.
func (p *Provider) FinishSignIn(ctx context.Context, step *bptracker.SignInStep, code string) (*bptracker.SignInResult, error) {
	if step == nil {
		return nil, &bptracker.Error{Code: bptracker.EUNAUTHORIZED, Message: msgBadCode}
	}
	st, err := decodeState(step.State)
	if err != nil || st.Username != p.cfg.Username(step.UserID) {
		return nil, bptracker.Errorf(bptracker.EUNAUTHORIZED, "The sign-in has expired. Sign in again.")
	}
	code = strings.TrimSpace(code)
	if !validCode(code) {
		// Not worth a call: Cognito would refuse it and count a failure.
		return nil, &bptracker.Error{Code: bptracker.EUNAUTHORIZED, Message: msgBadCode}
	}
	secret := p.secretHash(st.Username)
	var result *types.AuthenticationResultType
	switch st.Kind {
	case kindMFA:
		out, err := p.cfg.Client.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
			ClientId:      aws.String(p.cfg.ClientID),
			ChallengeName: types.ChallengeNameTypeSoftwareTokenMfa,
			Session:       aws.String(st.Session),
			ChallengeResponses: map[string]string{
				"USERNAME": st.Username, "SOFTWARE_TOKEN_MFA_CODE": code, "SECRET_HASH": secret,
			},
		})
		if err != nil {
			return nil, p.mapError("RespondToAuthChallenge", err, msgBadCode)
		}
		if out.AuthenticationResult == nil {
			return nil, fmt.Errorf("cognito: unexpected challenge %s after SOFTWARE_TOKEN_MFA", out.ChallengeName)
		}
		result = out.AuthenticationResult

	case kindSetup:
		v, err := p.cfg.Client.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{
			Session: aws.String(st.Session), UserCode: aws.String(code),
			FriendlyDeviceName: aws.String(p.cfg.FriendlyDeviceName),
		})
		if err != nil {
			return nil, p.mapError("VerifySoftwareToken", err, msgBadCode)
		}
		if v.Status != types.VerifySoftwareTokenResponseTypeSuccess {
			return nil, &bptracker.Error{Code: bptracker.EUNAUTHORIZED, Message: msgBadCode}
		}
		session := v.Session
		if session == nil {
			session = aws.String(st.Session)
		}
		out, err := p.cfg.Client.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
			ClientId:           aws.String(p.cfg.ClientID),
			ChallengeName:      types.ChallengeNameTypeMfaSetup,
			Session:            session,
			ChallengeResponses: map[string]string{"USERNAME": st.Username, "SECRET_HASH": secret},
		})
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
		v, err := p.cfg.Client.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{
			AccessToken: aws.String(st.Access), UserCode: aws.String(code),
			FriendlyDeviceName: aws.String(p.cfg.FriendlyDeviceName),
		})
		if err != nil {
			return nil, p.mapError("VerifySoftwareToken", err, msgBadCode)
		}
		if v.Status != types.VerifySoftwareTokenResponseTypeSuccess {
			return nil, &bptracker.Error{Code: bptracker.EUNAUTHORIZED, Message: msgBadCode}
		}
		if err := p.preferTOTP(ctx, aws.String(st.Access)); err != nil {
			return nil, err
		}
		result = &types.AuthenticationResultType{AccessToken: aws.String(st.Access), RefreshToken: aws.String(st.Refresh)}

	default:
		return nil, bptracker.Errorf(bptracker.EUNAUTHORIZED, "The sign-in has expired. Sign in again.")
	}

	claims, err := p.verify(ctx, aws.ToString(result.AccessToken), "access", st.Username)
	if err != nil {
		return nil, err
	}
	if p.cfg.UserIDBySub != nil {
		id, err := p.cfg.UserIDBySub(ctx, claims.Subject)
		if err != nil || id != step.UserID {
			return nil, &bptracker.Error{Code: bptracker.EUNAUTHORIZED, Message: msgBadCredentials}
		}
	}
	return &bptracker.SignInResult{UserID: step.UserID, Tokens: encodeTokens(tokens{
		Username: st.Username, Sub: claims.Subject,
		Refresh: aws.ToString(result.RefreshToken), Access: aws.ToString(result.AccessToken),
	})}, nil
}

// preferTOTP makes TOTP the user's MFA method, so every later sign-in asks
// for a code even in a pool where MFA is optional.
func (p *Provider) preferTOTP(ctx context.Context, accessToken *string) error {
	_, err := p.cfg.Client.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{
		AccessToken:              accessToken,
		SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true, PreferredMfa: true},
	})
	if err != nil {
		return p.mapError("SetUserMFAPreference", err, msgBadCode)
	}
	return nil
}

// verify checks a token from a sign-in and that it names username.
func (p *Provider) verify(ctx context.Context, token, use, username string) (*Claims, error) {
	c, err := p.verifyToken(ctx, token, use)
	if err != nil {
		return nil, fmt.Errorf("cognito: token from sign-in: %w", err)
	}
	if c.Username != "" && c.Username != username {
		return nil, fmt.Errorf("cognito: token names another user")
	}
	return c, nil
}

// CreateAccount creates the Cognito user (username = Username(userID),
// email verified, no invitation message) with a permanent password and
// returns its sub. A password the pool's policy refuses removes the user
// again and answers EINVALID.
func (p *Provider) CreateAccount(ctx context.Context, userID, email, password string) (string, error) {
	username := p.cfg.Username(userID)
	out, err := p.cfg.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId:    aws.String(p.cfg.UserPoolID),
		Username:      aws.String(username),
		MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{
			{Name: aws.String("email"), Value: aws.String(email)},
			{Name: aws.String("email_verified"), Value: aws.String("true")},
		},
	})
	if err != nil {
		return "", p.mapError("AdminCreateUser", err, "")
	}
	var sub string
	if out.User != nil {
		for _, a := range out.User.Attributes {
			if aws.ToString(a.Name) == "sub" {
				sub = aws.ToString(a.Value)
			}
		}
	}
	if err := p.SetPassword(ctx, userID, password); err != nil {
		if derr := p.DeleteAccount(ctx, userID); derr != nil {
			return "", errors.Join(err, fmt.Errorf("cognito: remove user %s after a failed create: %w", userID, derr))
		}
		return "", err
	}
	if sub == "" {
		return "", fmt.Errorf("cognito: AdminCreateUser returned no sub for user %s", userID)
	}
	return sub, nil
}

// ChangePassword checks the old password with InitiateAuth and sets the
// new one with AdminSetUserPassword: the interface carries no access token
// for Cognito's own ChangePassword, and with MFA required a password alone
// never yields one.
func (p *Provider) ChangePassword(ctx context.Context, userID, oldPassword, newPassword string) error {
	username := p.cfg.Username(userID)
	out, err := p.cfg.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		ClientId: aws.String(p.cfg.ClientID),
		AuthParameters: map[string]string{
			"USERNAME": username, "PASSWORD": oldPassword, "SECRET_HASH": p.secretHash(username),
		},
	})
	if err != nil {
		switch apiCode(err) {
		case "NotAuthorizedException", "UserNotFoundException", "InvalidPasswordException":
			return bptracker.Errorf(bptracker.EUNAUTHORIZED, "The current password is not correct.")
		}
		return p.mapError("InitiateAuth", err, msgBadCredentials)
	}
	// Tokens issued only to prove the password are revoked at once.
	if r := out.AuthenticationResult; r != nil && r.RefreshToken != nil {
		p.revoke(ctx, *r.RefreshToken)
	}
	return p.SetPassword(ctx, userID, newPassword)
}

// SetPassword replaces the password (permanent, no change forced).
func (p *Provider) SetPassword(ctx context.Context, userID, newPassword string) error {
	_, err := p.cfg.Client.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
		UserPoolId: aws.String(p.cfg.UserPoolID),
		Username:   aws.String(p.cfg.Username(userID)),
		Password:   aws.String(newPassword),
		Permanent:  true,
	})
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
	username := aws.String(p.cfg.Username(userID))
	if _, err := p.cfg.Client.AdminSetUserMFAPreference(ctx, &cip.AdminSetUserMFAPreferenceInput{
		UserPoolId:               aws.String(p.cfg.UserPoolID),
		Username:                 username,
		SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: false, PreferredMfa: false},
	}); err != nil {
		return p.mapError("AdminSetUserMFAPreference", err, "")
	}
	if _, err := p.cfg.Client.AdminUserGlobalSignOut(ctx, &cip.AdminUserGlobalSignOutInput{
		UserPoolId: aws.String(p.cfg.UserPoolID), Username: username,
	}); err != nil {
		return p.mapError("AdminUserGlobalSignOut", err, "")
	}
	return nil
}

// SetEnabled enables or disables the Cognito user. Disabling also revokes
// the user's tokens in Cognito.
func (p *Provider) SetEnabled(ctx context.Context, userID string, enabled bool) error {
	username := aws.String(p.cfg.Username(userID))
	var err error
	if enabled {
		_, err = p.cfg.Client.AdminEnableUser(ctx, &cip.AdminEnableUserInput{UserPoolId: aws.String(p.cfg.UserPoolID), Username: username})
	} else {
		_, err = p.cfg.Client.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: aws.String(p.cfg.UserPoolID), Username: username})
	}
	if err != nil {
		return p.mapError("AdminEnableUser/AdminDisableUser", err, "")
	}
	return nil
}

// DeleteAccount deletes the pool user, and with it the email Cognito holds.
func (p *Provider) DeleteAccount(ctx context.Context, userID string) error {
	_, err := p.cfg.Client.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{
		UserPoolId: aws.String(p.cfg.UserPoolID), Username: aws.String(p.cfg.Username(userID)),
	})
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
	_, err := p.cfg.Client.RevokeToken(ctx, &cip.RevokeTokenInput{
		ClientId: aws.String(p.cfg.ClientID), ClientSecret: aws.String(p.cfg.ClientSecret), Token: aws.String(refresh),
	})
	if err != nil && apiCode(err) != "NotAuthorizedException" {
		return p.mapError("RevokeToken", err, "")
	}
	return nil
}

// TokenSubject returns the Cognito sub recorded in SignInResult.Tokens.
func TokenSubject(blob string) (string, error) {
	t, err := decodeTokens(blob)
	if err != nil {
		return "", err
	}
	return t.Sub, nil
}

// AccessToken returns the access token recorded in SignInResult.Tokens, for
// calls made on the user's behalf.
func AccessToken(blob string) (string, error) {
	t, err := decodeTokens(blob)
	if err != nil {
		return "", err
	}
	return t.Access, nil
}

// apiCode is the AWS error code of err, or "".
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
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
			return fmt.Errorf("cognito: %s: not authorized: %w", op, err)
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

// describe keeps the error's code and the request id, dropping Cognito's
// message, which may quote user input.
func describe(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return "api error " + ae.ErrorCode()
	}
	var oe *smithy.OperationError
	if errors.As(err, &oe) {
		return oe.Err.Error()
	}
	return err.Error()
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
