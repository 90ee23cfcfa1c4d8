package cognito

// JWKSFetches counts the provider's JWKS fetch attempts.
func JWKSFetches(p *Provider) int { return p.jwks.fetchCount() }

// SecretHash exposes the SECRET_HASH computation to tests.
func SecretHash(p *Provider, username string) string { return p.secretHash(username) }

var ParseJWKS = parseJWKS

// RefreshToken returns the refresh token kept in SignInResult.Tokens.
func RefreshToken(blob string) (string, error) {
	t, err := decodeTokens(blob)
	return t.Refresh, err
}
