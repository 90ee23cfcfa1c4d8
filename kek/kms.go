package kek

import (
	"context"
	"encoding/base64"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/tink-crypto/tink-go/v2/tink"

	"github.com/bptracker/bptracker/internal/awsjson"
)

// kmsAEAD encrypts with a KMS key. KMS takes at most 4096 bytes of
// plaintext: enough for a Tink keyset, not for data.
type kmsAEAD struct {
	api   *awsjson.Client
	keyID string
}

// NewKMS returns an AEAD that encrypts with the KMS key keyID (an id, ARN or
// alias) and decrypts with the same key. The associated data travels as the
// KMS encryption context {"ad": base64(ad)}, so CloudTrail shows which
// owner's key was unwrapped without showing anything else. endpoint ""
// is the regional KMS endpoint of cfg.Region.
func NewKMS(cfg aws.Config, endpoint, keyID string) tink.AEAD {
	return &kmsAEAD{api: awsjson.New(cfg, "kms", "TrentService", endpoint), keyID: keyID}
}

// The KMS API's Encrypt and Decrypt, as far as used here. []byte fields
// travel as base64, as the API wants blobs.
type kmsRequest struct {
	KeyId             string
	Plaintext         []byte            `json:",omitempty"`
	CiphertextBlob    []byte            `json:",omitempty"`
	EncryptionContext map[string]string `json:",omitempty"`
}

type kmsResponse struct {
	CiphertextBlob []byte
	Plaintext      []byte
}

func encryptionContext(ad []byte) map[string]string {
	if len(ad) == 0 {
		return nil
	}
	return map[string]string{"ad": base64.StdEncoding.EncodeToString(ad)}
}

func (k *kmsAEAD) Encrypt(plaintext, associatedData []byte) ([]byte, error) {
	// tink.AEAD has no context; a KMS call is bounded by the HTTP timeout
	// and the retries of awsjson.
	var out kmsResponse
	err := k.api.Call(context.Background(), "Encrypt", kmsRequest{
		KeyId:             k.keyID,
		Plaintext:         plaintext,
		EncryptionContext: encryptionContext(associatedData),
	}, &out)
	if err != nil {
		return nil, fmt.Errorf("kek: KMS encrypt with key %s: %w", k.keyID, err)
	}
	return out.CiphertextBlob, nil
}

func (k *kmsAEAD) Decrypt(ciphertext, associatedData []byte) ([]byte, error) {
	// KeyId pins the key: a ciphertext made by another key in the account
	// is refused rather than quietly unwrapped.
	var out kmsResponse
	err := k.api.Call(context.Background(), "Decrypt", kmsRequest{
		KeyId:             k.keyID,
		CiphertextBlob:    ciphertext,
		EncryptionContext: encryptionContext(associatedData),
	}, &out)
	if err != nil {
		return nil, fmt.Errorf("kek: KMS decrypt with key %s: %w", k.keyID, err)
	}
	return out.Plaintext, nil
}
