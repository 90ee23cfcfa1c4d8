package cognito

import "context"

// JWKSFetches counts the provider's JWKS fetch attempts.
func JWKSFetches(p *Provider) int { return p.jwks.fetchCount() }

// SecretHash exposes the SECRET_HASH computation to tests.
func SecretHash(p *Provider, username string) string { return p.secretHash(username) }

var ParseJWKS = parseJWKS

// Verify checks an access token as a sign-in does, for the account
// username, and returns its sub.
func Verify(ctx context.Context, p *Provider, token, username string) (string, error) {
	return p.verify(ctx, token, username)
}

// RefreshToken returns the refresh token kept in SignInResult.Tokens.
func RefreshToken(blob string) (string, error) {
	t, err := decodeTokens(blob)
	return t.Refresh, err
}

// TokenSubject returns the Cognito sub kept in SignInResult.Tokens.
func TokenSubject(blob string) (string, error) {
	t, err := decodeTokens(blob)
	return t.Sub, err
}
