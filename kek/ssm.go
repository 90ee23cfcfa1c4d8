package kek

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/tink-crypto/tink-go/v2/aead/subtle"
	"github.com/tink-crypto/tink-go/v2/tink"

	"github.com/bptracker/bptracker/internal/awsjson"
)

// KeySize is the size of the AES-256 key-encryption key.
const KeySize = 32

// NewSSM reads the SecureString parameter name (decrypted) and returns an
// AES-256-GCM AEAD with the key it holds: 32 bytes, base64 (standard or
// URL-safe alphabet, padded or not; see decodeKey). The parameter is read
// once; restart to pick up a new key.
// endpoint "" is the regional SSM endpoint of cfg.Region.
func NewSSM(ctx context.Context, cfg aws.Config, endpoint, name string) (tink.AEAD, error) {
	var out struct {
		Parameter *struct {
			Type  string
			Value *string
		}
	}
	err := awsjson.New(cfg, "ssm", "AmazonSSM", endpoint).Call(ctx, "GetParameter", struct {
		Name           string
		WithDecryption bool
	}{name, true}, &out)
	var ae *awsjson.Error
	if errors.As(err, &ae) && ae.Code == "ParameterNotFound" {
		return nil, fmt.Errorf("kek: SSM parameter %s does not exist; create a SecureString holding a base64 32-byte key", name)
	} else if err != nil {
		return nil, fmt.Errorf("kek: read SSM parameter %s: %w", name, err)
	}
	p := out.Parameter
	if p == nil || p.Value == nil {
		return nil, fmt.Errorf("kek: SSM parameter %s has no value", name)
	}
	if p.Type != "SecureString" {
		return nil, fmt.Errorf("kek: SSM parameter %s is a %s; the key must be a SecureString", name, p.Type)
	}
	key, ok := decodeKey(strings.TrimSpace(*p.Value))
	if !ok {
		// The decoder's error would quote part of the key: leave it out.
		return nil, fmt.Errorf("kek: SSM parameter %s is not base64; it must hold a base64 32-byte key", name)
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("kek: SSM parameter %s holds %d bytes; want %d (AES-256)", name, len(key), KeySize)
	}
	return NewAESGCM(key)
}

// decodeKey accepts standard and URL-safe base64, padded or not (the
// stack's parameter generator writes base64url).
func decodeKey(v string) ([]byte, bool) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(v); err == nil {
			return b, true
		}
	}
	return nil, false
}

// NewAESGCM returns Tink's AES-GCM AEAD (12-byte random nonce, 16-byte tag)
// for a 32-byte key.
func NewAESGCM(key []byte) (tink.AEAD, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("kek: key-encryption key is %d bytes; want %d (AES-256)", len(key), KeySize)
	}
	a, err := subtle.NewAESGCM(key)
	if err != nil {
		return nil, fmt.Errorf("kek: %w", err)
	}
	return a, nil
}
