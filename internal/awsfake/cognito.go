package awsfake

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/pquerna/otp/totp"
)

// Cognito fakes the part of the AWSCognitoIdentityProviderService JSON 1.1
// API that cognito-local lacks, for a user pool that requires TOTP MFA
// (MfaConfiguration ON) and one confidential app client:
//
//   - InitiateAuth USER_PASSWORD_AUTH, checking SECRET_HASH, answering the
//     MFA_SETUP challenge for a user without MFA and SOFTWARE_TOKEN_MFA for
//     one with it;
//   - AssociateSoftwareToken and VerifySoftwareToken with a challenge
//     Session; RespondToAuthChallenge for MFA_SETUP and SOFTWARE_TOKEN_MFA;
//   - SetUserMFAPreference, AdminSetUserMFAPreference, AdminUserGlobalSignOut,
//     AdminCreateUser, AdminSetUserPassword, AdminDeleteUser, AdminGetUser,
//     AdminDisableUser, AdminEnableUser, RevokeToken; the email is a
//     sign-in alias, held by one user;
//   - the pool's JWKS at /POOL/.well-known/jwks.json, and RS256 tokens.
//
// Sessions are single-use and last three minutes, as in Cognito.
type Cognito struct {
	*Server
	PoolID, ClientID, ClientSecret string

	key *rsa.PrivateKey
	now func() time.Time

	mu       sync.Mutex
	users    map[string]*CognitoUser
	sessions map[string]*cognitoSession
}

// CognitoUser is a user of the fake pool.
type CognitoUser struct {
	Username, Sub, Email, Password string
	Enabled                        bool
	MFAEnabled                     bool   // TOTP enabled (verified and not reset)
	TOTPSecret                     string // verified secret
	pendingSecret                  string
	refresh                        map[string]bool
}

type cognitoSession struct {
	username string
	stage    string // "MFA_SETUP", "ASSOCIATED", "VERIFIED", "SOFTWARE_TOKEN_MFA"
	expires  time.Time
}

var (
	keyOnce    sync.Once
	signingKey *rsa.PrivateKey
)

// NewCognito starts a fake pool with MFA required. Every fake signs with
// one key per test binary: generating RSA keys is slow.
func NewCognito(tb testing.TB) *Cognito {
	tb.Helper()
	keyOnce.Do(func() {
		var err error
		if signingKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	key := signingKey
	c := &Cognito{
		Server: NewServer(tb, "AWSCognitoIdentityProviderService"),
		PoolID: "eu-west-2_Fake" + randHex(4), ClientID: randHex(13), ClientSecret: randHex(26),
		key: key, now: time.Now,
		users: map[string]*CognitoUser{}, sessions: map[string]*cognitoSession{},
	}
	for name, op := range map[string]func([]byte) (any, *Error){
		"InitiateAuth":              c.initiateAuth,
		"AssociateSoftwareToken":    c.associateSoftwareToken,
		"VerifySoftwareToken":       c.verifySoftwareToken,
		"RespondToAuthChallenge":    c.respondToAuthChallenge,
		"SetUserMFAPreference":      c.setUserMFAPreference,
		"AdminSetUserMFAPreference": c.adminSetUserMFAPreference,
		"AdminUserGlobalSignOut":    c.adminUserGlobalSignOut,
		"AdminCreateUser":           c.adminCreateUser,
		"AdminSetUserPassword":      c.adminSetUserPassword,
		"AdminDeleteUser":           c.adminDeleteUser,
		"AdminGetUser":              c.adminGetUser,
		"AdminDisableUser":          func(b []byte) (any, *Error) { return c.adminSetEnabled(b, false) },
		"AdminEnableUser":           func(b []byte) (any, *Error) { return c.adminSetEnabled(b, true) },
		"RevokeToken":               c.revokeToken,
	} {
		c.Handle(name, op)
	}
	c.HandleGet("/"+c.PoolID+"/.well-known/jwks.json", c.serveJWKS)
	return c
}

// Issuer is the pool's token issuer.
func (c *Cognito) Issuer() string { return c.URL + "/" + c.PoolID }

// User returns a copy of the user, or nil.
func (c *Cognito) User(username string) *CognitoUser {
	c.mu.Lock()
	defer c.mu.Unlock()
	u, ok := c.users[username]
	if !ok {
		return nil
	}
	cp := *u
	return &cp
}

// RefreshTokens counts the user's live refresh tokens.
func (c *Cognito) RefreshTokens(username string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if u, ok := c.users[username]; ok {
		return len(u.refresh)
	}
	return 0
}

// SignToken signs claims with the pool's key (for tests of verification).
func (c *Cognito) SignToken(claims jwt.MapClaims) string {
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	t.Header["kid"] = "fake-1"
	s, err := t.SignedString(c.key)
	if err != nil {
		panic(err)
	}
	return s
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

func notAuthorized(msg string) *Error { return &Error{Type: "NotAuthorizedException", Message: msg} }

func invalidParameter(msg string) *Error {
	return &Error{Type: "InvalidParameterException", Message: msg}
}

func (c *Cognito) secretHash(username string) string {
	m := hmac.New(sha256.New, []byte(c.ClientSecret))
	m.Write([]byte(username + c.ClientID))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// newSession must be called with c.mu held.
func (c *Cognito) newSession(username, stage string) string {
	id := base64.RawURLEncoding.EncodeToString([]byte(randHex(32) + randHex(32)))
	c.sessions[id] = &cognitoSession{username: username, stage: stage, expires: c.now().Add(3 * time.Minute)}
	return id
}

// takeSession consumes a session at the given stage; c.mu held.
func (c *Cognito) takeSession(id, stage string) (*cognitoSession, *Error) {
	s, ok := c.sessions[id]
	delete(c.sessions, id)
	if !ok || s.stage != stage || c.now().After(s.expires) {
		return nil, notAuthorized("Invalid session for the user, session is expired.")
	}
	return s, nil
}

func (c *Cognito) initiateAuth(body []byte) (any, *Error) {
	var in struct {
		AuthFlow       string
		ClientId       string
		AuthParameters map[string]string
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if in.ClientId != c.ClientID {
		return nil, &Error{Type: "ResourceNotFoundException", Message: "User pool client does not exist."}
	}
	if in.AuthFlow != "USER_PASSWORD_AUTH" {
		return nil, invalidParameter("Auth flow not enabled for this client")
	}
	username := in.AuthParameters["USERNAME"]
	if in.AuthParameters["SECRET_HASH"] != c.secretHash(username) {
		return nil, notAuthorized("Unable to verify secret hash for client " + c.ClientID)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	u, ok := c.users[username]
	if !ok || u.Password == "" || !hmac.Equal([]byte(u.Password), []byte(in.AuthParameters["PASSWORD"])) {
		// With PreventUserExistenceErrors on, both answer alike.
		return nil, notAuthorized("Incorrect username or password.")
	}
	if !u.Enabled {
		return nil, notAuthorized("User is disabled.")
	}
	if !u.MFAEnabled {
		return map[string]any{
			"ChallengeName":       "MFA_SETUP",
			"ChallengeParameters": map[string]string{"MFAS_CAN_SETUP": `["SOFTWARE_TOKEN_MFA"]`},
			"Session":             c.newSession(username, "MFA_SETUP"),
		}, nil
	}
	return map[string]any{
		"ChallengeName":       "SOFTWARE_TOKEN_MFA",
		"ChallengeParameters": map[string]string{"USER_ID_FOR_SRP": username},
		"Session":             c.newSession(username, "SOFTWARE_TOKEN_MFA"),
	}, nil
}

func (c *Cognito) associateSoftwareToken(body []byte) (any, *Error) {
	var in struct{ AccessToken, Session string }
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if (in.AccessToken == "") == (in.Session == "") {
		return nil, invalidParameter("Exactly one of AccessToken or Session is required.")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	username, e := c.caller(in.Session, "MFA_SETUP", in.AccessToken)
	if e != nil {
		return nil, e
	}
	u, ok := c.users[username]
	if !ok {
		return nil, notAuthorized("User does not exist.")
	}
	secret := make([]byte, 20)
	rand.Read(secret)
	u.pendingSecret = base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(secret)
	out := map[string]any{"SecretCode": u.pendingSecret}
	if in.Session != "" {
		out["Session"] = c.newSession(username, "ASSOCIATED")
	}
	return out, nil
}

// caller is the user a software-token call is for: by its challenge
// session, which must be at stage, or else by its access token.
func (c *Cognito) caller(session, stage, accessToken string) (string, *Error) {
	if session != "" {
		s, e := c.takeSession(session, stage)
		if e != nil {
			return "", e
		}
		return s.username, nil
	}
	claims, e := c.checkAccessToken(accessToken)
	if e != nil {
		return "", e
	}
	username, _ := claims["username"].(string)
	return username, nil
}

func (c *Cognito) verifySoftwareToken(body []byte) (any, *Error) {
	var in struct{ AccessToken, Session, UserCode, FriendlyDeviceName string }
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	username, e := c.caller(in.Session, "ASSOCIATED", in.AccessToken)
	if e != nil {
		return nil, e
	}
	u, ok := c.users[username]
	if !ok || u.pendingSecret == "" {
		return nil, invalidParameter("User has not associated a software token.")
	}
	if !totp.Validate(in.UserCode, u.pendingSecret) {
		if in.Session != "" {
			// The session stays usable for another try, as in Cognito.
			c.sessions[in.Session] = &cognitoSession{username: username, stage: "ASSOCIATED", expires: c.now().Add(3 * time.Minute)}
		}
		return nil, &Error{Type: "EnableSoftwareTokenMFAException", Message: "Code mismatch"}
	}
	u.TOTPSecret, u.pendingSecret, u.MFAEnabled = u.pendingSecret, "", true
	out := map[string]any{"Status": "SUCCESS"}
	if in.Session != "" {
		out["Session"] = c.newSession(username, "VERIFIED")
	}
	return out, nil
}

func (c *Cognito) respondToAuthChallenge(body []byte) (any, *Error) {
	var in struct {
		ClientId           string
		ChallengeName      string
		Session            string
		ChallengeResponses map[string]string
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if in.ClientId != c.ClientID {
		return nil, &Error{Type: "ResourceNotFoundException", Message: "User pool client does not exist."}
	}
	username := in.ChallengeResponses["USERNAME"]
	if in.ChallengeResponses["SECRET_HASH"] != c.secretHash(username) {
		return nil, notAuthorized("Unable to verify secret hash for client " + c.ClientID)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var stage string
	switch in.ChallengeName {
	case "MFA_SETUP":
		stage = "VERIFIED"
	case "SOFTWARE_TOKEN_MFA":
		stage = "SOFTWARE_TOKEN_MFA"
	default:
		return nil, invalidParameter("Unsupported challenge " + in.ChallengeName)
	}
	s, e := c.takeSession(in.Session, stage)
	if e != nil {
		return nil, e
	}
	if s.username != username {
		return nil, notAuthorized("Invalid session for the user.")
	}
	u := c.users[username]
	if stage == "SOFTWARE_TOKEN_MFA" && !totp.Validate(in.ChallengeResponses["SOFTWARE_TOKEN_MFA_CODE"], u.TOTPSecret) {
		return nil, &Error{Type: "CodeMismatchException", Message: "Invalid code received for user"}
	}
	return map[string]any{"ChallengeParameters": map[string]string{}, "AuthenticationResult": c.issue(u)}, nil
}

// issue makes tokens for u; c.mu held.
func (c *Cognito) issue(u *CognitoUser) map[string]any {
	now := c.now()
	access := c.SignToken(jwt.MapClaims{
		"sub": u.Sub, "iss": c.Issuer(), "client_id": c.ClientID, "token_use": "access",
		"scope": "aws.cognito.signin.user.admin", "username": u.Username,
		"auth_time": now.Unix(), "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "jti": randHex(16),
	})
	id := c.SignToken(jwt.MapClaims{
		"sub": u.Sub, "iss": c.Issuer(), "aud": c.ClientID, "token_use": "id",
		"cognito:username": u.Username, "email": u.Email, "email_verified": true,
		"auth_time": now.Unix(), "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "jti": randHex(16),
	})
	refresh := randHex(64)
	if u.refresh == nil {
		u.refresh = map[string]bool{}
	}
	u.refresh[refresh] = true
	return map[string]any{"AccessToken": access, "IdToken": id, "RefreshToken": refresh, "ExpiresIn": 3600, "TokenType": "Bearer"}
}

// checkAccessToken verifies a token this fake issued; c.mu held.
func (c *Cognito) checkAccessToken(token string) (jwt.MapClaims, *Error) {
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return &c.key.PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(c.Issuer()), jwt.WithExpirationRequired())
	if err != nil || claims["token_use"] != "access" {
		return nil, notAuthorized("Invalid Access Token")
	}
	return claims, nil
}

func (c *Cognito) setUserMFAPreference(body []byte) (any, *Error) {
	var in struct {
		AccessToken              string
		SoftwareTokenMfaSettings *struct{ Enabled, PreferredMfa bool }
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	claims, e := c.checkAccessToken(in.AccessToken)
	if e != nil {
		return nil, e
	}
	username, _ := claims["username"].(string)
	u, ok := c.users[username]
	if !ok {
		return nil, notAuthorized("User does not exist.")
	}
	if s := in.SoftwareTokenMfaSettings; s != nil {
		if s.Enabled && u.TOTPSecret == "" {
			return nil, invalidParameter("User has not verified software token mfa")
		}
		u.MFAEnabled = s.Enabled
	}
	return map[string]any{}, nil
}

type adminUserInput struct {
	UserPoolId, Username string
}

// adminUser finds the user of an admin call; c.mu held.
func (c *Cognito) adminUser(in adminUserInput) (*CognitoUser, *Error) {
	if in.UserPoolId != c.PoolID {
		return nil, &Error{Type: "ResourceNotFoundException", Message: "User pool does not exist."}
	}
	u, ok := c.users[in.Username]
	if !ok {
		return nil, &Error{Type: "UserNotFoundException", Message: "User does not exist."}
	}
	return u, nil
}

func (c *Cognito) adminSetUserMFAPreference(body []byte) (any, *Error) {
	var in struct {
		adminUserInput
		SoftwareTokenMfaSettings *struct{ Enabled, PreferredMfa bool }
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	u, e := c.adminUser(in.adminUserInput)
	if e != nil {
		return nil, e
	}
	if s := in.SoftwareTokenMfaSettings; s != nil {
		if s.Enabled && u.TOTPSecret == "" {
			return nil, invalidParameter("User has not verified software token mfa")
		}
		u.MFAEnabled = s.Enabled
	}
	return map[string]any{}, nil
}

func (c *Cognito) adminUserGlobalSignOut(body []byte) (any, *Error) {
	var in adminUserInput
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	u, e := c.adminUser(in)
	if e != nil {
		return nil, e
	}
	u.refresh = nil
	return map[string]any{}, nil
}

func (c *Cognito) adminCreateUser(body []byte) (any, *Error) {
	var in struct {
		adminUserInput
		MessageAction  string
		UserAttributes []struct{ Name, Value string }
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if in.UserPoolId != c.PoolID {
		return nil, &Error{Type: "ResourceNotFoundException", Message: "User pool does not exist."}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.users[in.Username]; ok {
		return nil, &Error{Type: "UsernameExistsException", Message: "User account already exists"}
	}
	// The email is a sign-in alias, as in the deployed pool: one user
	// holds a verified email.
	email := ""
	for _, a := range in.UserAttributes {
		if a.Name == "email" {
			email = a.Value
		}
	}
	for _, u := range c.users {
		if email != "" && u.Email == email {
			return nil, &Error{Type: "AliasExistsException", Message: "An account with the given email already exists."}
		}
	}
	sub := make([]byte, 16)
	rand.Read(sub)
	sub[6] = sub[6]&0x0f | 0x40
	sub[8] = sub[8]&0x3f | 0x80
	h := hex.EncodeToString(sub)
	u := &CognitoUser{Username: in.Username, Sub: h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], Enabled: true}
	attrs := []map[string]string{{"Name": "sub", "Value": u.Sub}}
	for _, a := range in.UserAttributes {
		if a.Name == "email" {
			u.Email = a.Value
		}
		attrs = append(attrs, map[string]string{"Name": a.Name, "Value": a.Value})
	}
	c.users[in.Username] = u
	return map[string]any{"User": map[string]any{
		"Username": u.Username, "Attributes": attrs, "Enabled": true, "UserStatus": "FORCE_CHANGE_PASSWORD",
		"UserCreateDate": float64(c.now().Unix()),
	}}, nil
}

func (c *Cognito) adminSetUserPassword(body []byte) (any, *Error) {
	var in struct {
		adminUserInput
		Password  string
		Permanent bool
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	u, e := c.adminUser(in.adminUserInput)
	if e != nil {
		return nil, e
	}
	// The default pool policy, minimum length part.
	if len(in.Password) < 8 {
		return nil, &Error{Type: "InvalidPasswordException", Message: "Password did not conform with policy: Password not long enough"}
	}
	u.Password = in.Password
	return map[string]any{}, nil
}

func (c *Cognito) adminDeleteUser(body []byte) (any, *Error) {
	var in adminUserInput
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, e := c.adminUser(in); e != nil {
		return nil, e
	}
	delete(c.users, in.Username)
	return map[string]any{}, nil
}

func (c *Cognito) adminGetUser(body []byte) (any, *Error) {
	var in adminUserInput
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	u, e := c.adminUser(in)
	if e != nil {
		return nil, e
	}
	var mfa []string
	if u.MFAEnabled {
		mfa = []string{"SOFTWARE_TOKEN_MFA"}
	}
	return map[string]any{"Username": u.Username, "Enabled": u.Enabled, "UserStatus": "CONFIRMED",
		"UserMFASettingList": mfa,
		"UserAttributes":     []map[string]string{{"Name": "sub", "Value": u.Sub}, {"Name": "email", "Value": u.Email}}}, nil
}

func (c *Cognito) adminSetEnabled(body []byte, enabled bool) (any, *Error) {
	var in adminUserInput
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	u, e := c.adminUser(in)
	if e != nil {
		return nil, e
	}
	u.Enabled = enabled
	if !enabled {
		u.refresh = nil
	}
	return map[string]any{}, nil
}

func (c *Cognito) revokeToken(body []byte) (any, *Error) {
	var in struct{ ClientId, ClientSecret, Token string }
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if in.ClientId != c.ClientID || in.ClientSecret != c.ClientSecret {
		return nil, notAuthorized("Client authentication failed.")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, u := range c.users {
		delete(u.refresh, in.Token)
	}
	return map[string]any{}, nil
}

func (c *Cognito) serveJWKS(w http.ResponseWriter, r *http.Request) {
	pub := c.key.PublicKey
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "kid": "fake-1", "use": "sig", "alg": "RS256",
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}
