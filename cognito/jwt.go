package cognito

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/bptracker/bptracker"
)

// Claims are the checked claims of a Cognito token.
type Claims struct {
	Subject   string // the Cognito sub
	Username  string // cognito:username (ID token) or username (access token)
	UserID    string // our user id, when Config.UserIDBySub is set
	TokenUse  string // "access" or "id"
	ClientID  string
	Groups    []string
	ExpiresAt time.Time
}

type rawClaims struct {
	Issuer          string   `json:"iss"`
	Subject         string   `json:"sub"`
	Audience        any      `json:"aud"` // a string or an array of strings
	ExpiresAt       *float64 `json:"exp"` // seconds since the epoch
	NotBefore       *float64 `json:"nbf"`
	TokenUse        string   `json:"token_use"`
	ClientID        string   `json:"client_id"`
	Username        string   `json:"username"`
	CognitoUsername string   `json:"cognito:username"`
	Groups          []string `json:"cognito:groups"`
}

// VerifyAccessToken checks an access token: RS256 signature by a key in the
// pool's JWKS, issuer, token_use "access", client_id, expiry.
func (p *Provider) VerifyAccessToken(ctx context.Context, token string) (*Claims, error) {
	return p.checked(ctx, token, "access")
}

// VerifyIDToken checks an ID token: as VerifyAccessToken, with token_use
// "id" and the audience being the app client.
func (p *Provider) VerifyIDToken(ctx context.Context, token string) (*Claims, error) {
	return p.checked(ctx, token, "id")
}

func (p *Provider) checked(ctx context.Context, token, use string) (*Claims, error) {
	c, err := p.verifyToken(ctx, token, use)
	if err != nil {
		// The reason stays in the server's error chain, not in the message.
		return nil, &tokenError{err: err}
	}
	if p.cfg.UserIDBySub != nil {
		id, err := p.cfg.UserIDBySub(ctx, c.Subject)
		if err != nil {
			return nil, err
		}
		c.UserID = id
	}
	return c, nil
}

// tokenError is EUNAUTHORIZED with the reason kept for logs.
type tokenError struct{ err error }

func (e *tokenError) Error() string { return "cognito: token refused: " + e.err.Error() }
func (e *tokenError) Unwrap() []error {
	return []error{bptracker.Errorf(bptracker.EUNAUTHORIZED, "Your sign-in is not valid. Sign in again."), e.err}
}

// leeway is the clock skew allowed for exp and nbf.
const leeway = 30 * time.Second

// verifyToken checks a JWS (compact form) signed with RS256 by a key of the
// pool's JWKS, and its claims: issuer, expiry (required), not-before, the
// audience of an ID token; then token_use, the client and the subject.
//
// It is written out rather than taken from a JWT library for the Lambda
// binary's size (about 60 kB). It accepts what golang-jwt/v5 did with
// RS256 only, the issuer and expiry required and a 30 s leeway, except
// that exp and nbf must be JSON numbers (as Cognito writes them), not
// numeric strings; TestVerifyToken pins that down.
func (p *Provider) verifyToken(ctx context.Context, token, use string) (*Claims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errors.New("token is not a compact JWS")
	}
	var header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if err := decodeSegment(parts[0], &header); err != nil {
		return nil, fmt.Errorf("token header: %w", err)
	}
	// The algorithm is fixed: a token cannot choose HS256 or none.
	if header.Alg != "RS256" {
		return nil, fmt.Errorf("token algorithm %q, want RS256", header.Alg)
	}
	if header.Kid == "" {
		return nil, errors.New("token has no kid")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, errors.New("token signature is not base64url")
	}
	key, err := p.jwks.key(ctx, header.Kid)
	if err != nil {
		return nil, err
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(key, crypto.SHA256, digest[:], sig); err != nil {
		return nil, errors.New("token signature is not valid")
	}

	var rc rawClaims
	if err := decodeSegment(parts[1], &rc); err != nil {
		return nil, fmt.Errorf("token claims: %w", err)
	}
	if rc.ExpiresAt == nil {
		return nil, errors.New("token has no exp")
	}
	now, exp := p.cfg.Now(), unixTime(*rc.ExpiresAt)
	switch {
	case rc.Issuer != p.cfg.Issuer:
		return nil, fmt.Errorf("token issuer %q, want %q", rc.Issuer, p.cfg.Issuer)
	case !now.Before(exp.Add(leeway)):
		return nil, errors.New("token has expired")
	case rc.NotBefore != nil && now.Before(unixTime(*rc.NotBefore).Add(-leeway)):
		return nil, errors.New("token is not valid yet")
	case use == "id" && !hasAudience(rc.Audience, p.cfg.ClientID):
		return nil, errors.New("token issued to another audience")
	}
	if rc.TokenUse != use {
		return nil, fmt.Errorf("token_use is %q, want %q", rc.TokenUse, use)
	}
	if use == "access" && rc.ClientID != p.cfg.ClientID {
		return nil, errors.New("token issued to another client")
	}
	if rc.Subject == "" {
		return nil, errors.New("token has no sub")
	}
	c := &Claims{Subject: rc.Subject, TokenUse: rc.TokenUse, ClientID: rc.ClientID, Groups: rc.Groups,
		Username: rc.Username}
	if use == "id" {
		c.Username, c.ClientID = rc.CognitoUsername, p.cfg.ClientID
	}
	c.ExpiresAt = exp
	return c, nil
}

// decodeSegment reads a base64url-encoded JSON part of a JWS.
func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return errors.New("not base64url")
	}
	return json.Unmarshal(b, v)
}

// unixTime is a JWT NumericDate, perhaps with a fraction, to the second.
func unixTime(sec float64) time.Time {
	whole, frac := math.Modf(sec)
	return time.Unix(int64(whole), int64(frac*1e9)).Truncate(time.Second)
}

// hasAudience reports whether the aud claim, a string or an array of
// strings, names client. Any other aud is refused.
func hasAudience(aud any, client string) bool {
	switch aud := aud.(type) {
	case string:
		return aud == client
	case []any:
		found := false
		for _, a := range aud {
			s, ok := a.(string)
			if !ok {
				return false
			}
			found = found || s == client
		}
		return found
	}
	return false
}

// jwks caches a pool's signing keys.
type jwks struct {
	url    string
	client *http.Client
	ttl    time.Duration
	now    func() time.Time

	mu        sync.Mutex
	keys      map[string]*rsa.PublicKey
	fetched   time.Time // when keys were fetched
	attempted time.Time // last fetch attempt, successful or not
	fetches   int       // fetch attempts, for tests of the cache
}

// minRefetch limits fetches for unknown key ids, so forged tokens cannot
// make us hammer the JWKS endpoint.
const minRefetch = time.Minute

func newJWKS(url string, client *http.Client, ttl time.Duration, now func() time.Time) *jwks {
	return &jwks{url: url, client: client, ttl: ttl, now: now}
}

func (j *jwks) key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	now := j.now()
	fresh := j.keys != nil && now.Sub(j.fetched) < j.ttl
	if k, ok := j.keys[kid]; ok && fresh {
		return k, nil
	}
	if !fresh || now.Sub(j.attempted) >= minRefetch {
		j.attempted = now
		keys, err := j.fetch(ctx)
		if err != nil {
			// Keep serving the keys we have if the endpoint is down.
			if k, ok := j.keys[kid]; ok {
				return k, nil
			}
			return nil, err
		}
		j.keys, j.fetched = keys, now
	}
	if k, ok := j.keys[kid]; ok {
		return k, nil
	}
	return nil, fmt.Errorf("no signing key %q in the pool's JWKS", kid)
}

func (j *jwks) fetchCount() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.fetches
}

func (j *jwks) fetch(ctx context.Context) (map[string]*rsa.PublicKey, error) {
	j.fetches++
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, j.url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := j.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch JWKS: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch JWKS: status %d", resp.StatusCode)
	}
	return parseJWKS(io.LimitReader(resp.Body, 1<<20))
}

// parseJWKS reads the RSA signing keys of a JSON Web Key Set.
func parseJWKS(r io.Reader) (map[string]*rsa.PublicKey, error) {
	var set struct {
		Keys []struct {
			Kty string `json:"kty"`
			Kid string `json:"kid"`
			Use string `json:"use"`
			Alg string `json:"alg"`
			N   string `json:"n"`
			E   string `json:"e"`
		} `json:"keys"`
	}
	if err := json.NewDecoder(r).Decode(&set); err != nil {
		return nil, fmt.Errorf("parse JWKS: %w", err)
	}
	keys := map[string]*rsa.PublicKey{}
	for _, k := range set.Keys {
		if k.Kty != "RSA" || k.Kid == "" || (k.Use != "" && k.Use != "sig") || (k.Alg != "" && k.Alg != "RS256") {
			continue
		}
		n, err := base64.RawURLEncoding.DecodeString(k.N)
		if err != nil || len(n) < 256 {
			continue // not base64url, or under 2048 bits
		}
		e, err := base64.RawURLEncoding.DecodeString(k.E)
		if err != nil || len(e) == 0 || len(e) > 4 {
			continue
		}
		exp := int(new(big.Int).SetBytes(e).Int64())
		if exp < 3 || exp%2 == 0 {
			continue
		}
		keys[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: exp}
	}
	if len(keys) == 0 {
		return nil, errors.New("parse JWKS: no RSA signing keys")
	}
	return keys, nil
}
