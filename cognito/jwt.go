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
)

// claims are the claims of an access token that are checked.
type claims struct {
	Issuer    string   `json:"iss"`
	Subject   string   `json:"sub"`
	ExpiresAt *float64 `json:"exp"` // seconds since the epoch
	NotBefore *float64 `json:"nbf"`
	TokenUse  string   `json:"token_use"`
	ClientID  string   `json:"client_id"`
	Username  string   `json:"username"`
}

// leeway is the clock skew allowed for exp and nbf.
const leeway = 30 * time.Second

// verifyToken checks an access token: a JWS (compact form) signed with
// RS256 by a key of the pool's JWKS, and its claims: issuer, expiry
// (required), not-before, token_use "access", the client and the subject.
//
// It is written out rather than taken from a JWT library for the Lambda
// binary's size (about 60 kB). It accepts what golang-jwt/v5 did with
// RS256 only, the issuer and expiry required and a 30 s leeway, except
// that exp and nbf must be JSON numbers (as Cognito writes them), not
// numeric strings; TestVerifyToken pins that down.
func (p *Provider) verifyToken(ctx context.Context, token string) (*claims, error) {
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

	var rc claims
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
	case rc.TokenUse != "access":
		return nil, fmt.Errorf("token_use is %q, want access", rc.TokenUse)
	case rc.ClientID != p.cfg.ClientID:
		return nil, errors.New("token issued to another client")
	case rc.Subject == "":
		return nil, errors.New("token has no sub")
	}
	return &rc, nil
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

// jwks caches a pool's signing keys.
type jwks struct {
	url    string
	client *http.Client
	ttl    time.Duration
	now    func() time.Time

	mu        sync.Mutex
	keys      map[string]*rsa.PublicKey
	fetched   time.Time     // when keys were fetched
	attempted time.Time     // last fetch attempt, successful or not
	err       error         // the last attempt's error
	running   chan struct{} // closed when the running fetch ends; nil if none
	fetches   int           // fetch attempts, for tests of the cache
}

// minRefetch limits fetches of the set, whether for an unknown key id or
// a stale set: forged tokens cannot make us hammer the JWKS endpoint, and
// while it is down, sign-ins do not each wait on it.
const minRefetch = time.Minute

func newJWKS(url string, client *http.Client, ttl time.Duration, now func() time.Time) *jwks {
	return &jwks{url: url, client: client, ttl: ttl, now: now}
}

// key returns the signing key kid. A stale set is refetched, at most once
// a minute and by one caller at a time, without holding j.mu: the caller
// that starts a fetch waits for it, and others keep using the keys they
// have (or wait for it if they have none).
func (j *jwks) key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	j.mu.Lock()
	now := j.now()
	k, known := j.keys[kid]
	if known && now.Sub(j.fetched) < j.ttl {
		j.mu.Unlock()
		return k, nil
	}
	done, started := j.running, false
	if done == nil && (j.attempted.IsZero() || now.Sub(j.attempted) >= minRefetch) {
		done, started = j.start(ctx, now), true
	}
	j.mu.Unlock()
	if known && !started {
		// Stale, but better than nothing while the set cannot be fetched.
		return k, nil
	}
	if done != nil {
		select {
		case <-done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if k, ok := j.keys[kid]; ok {
		// After a failed fetch this is the stale key: the endpoint being
		// down does not sign everyone out.
		return k, nil
	}
	if j.err != nil {
		return nil, j.err
	}
	return nil, fmt.Errorf("no signing key %q in the pool's JWKS", kid)
}

// start runs a fetch of the set and returns a channel closed when it
// ends; j.mu held. The fetch outlives a caller that gives up waiting (the
// client's timeout bounds it), so that one fetch serves them all.
func (j *jwks) start(ctx context.Context, now time.Time) chan struct{} {
	j.attempted = now
	j.fetches++
	done := make(chan struct{})
	j.running = done
	go func() {
		keys, err := j.fetch(context.WithoutCancel(ctx))
		j.mu.Lock()
		if err == nil {
			j.keys, j.fetched = keys, j.now()
		}
		j.err, j.running = err, nil
		j.mu.Unlock()
		close(done)
	}()
	return done
}

func (j *jwks) fetchCount() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.fetches
}

func (j *jwks) fetch(ctx context.Context) (map[string]*rsa.PublicKey, error) {
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
		nb, err := base64.RawURLEncoding.DecodeString(k.N)
		if err != nil {
			continue
		}
		// By value, not length: leading zero bytes add no bits.
		n := new(big.Int).SetBytes(nb)
		if n.BitLen() < 2048 {
			continue
		}
		e, err := base64.RawURLEncoding.DecodeString(k.E)
		if err != nil || len(e) == 0 || len(e) > 4 {
			continue
		}
		exp := int(new(big.Int).SetBytes(e).Int64())
		if exp < 3 || exp%2 == 0 {
			continue
		}
		keys[k.Kid] = &rsa.PublicKey{N: n, E: exp}
	}
	if len(keys) == 0 {
		return nil, errors.New("parse JWKS: no RSA signing keys")
	}
	return keys, nil
}
