package kek

import (
	"context"
	"encoding/base64"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// kmsAEAD encrypts with a KMS key. KMS takes at most 4096 bytes of
// plaintext: enough for a Tink keyset, not for data.
type kmsAEAD struct {
	client *kms.Client
	keyID  string
}

// NewKMS returns an AEAD that encrypts with the KMS key keyID (an id, ARN or
// alias) and decrypts with the same key. The associated data travels as the
// KMS encryption context {"ad": base64(ad)}, so CloudTrail shows which
// owner's key was unwrapped without showing anything else.
func NewKMS(client *kms.Client, keyID string) tink.AEAD {
	return &kmsAEAD{client: client, keyID: keyID}
}

func encryptionContext(ad []byte) map[string]string {
	if len(ad) == 0 {
		return nil
	}
	return map[string]string{"ad": base64.StdEncoding.EncodeToString(ad)}
}

func (k *kmsAEAD) Encrypt(plaintext, associatedData []byte) ([]byte, error) {
	// tink.AEAD has no context; a KMS call is bounded by the client's own
	// retry and HTTP timeouts.
	out, err := k.client.Encrypt(context.Background(), &kms.EncryptInput{
		KeyId:             aws.String(k.keyID),
		Plaintext:         plaintext,
		EncryptionContext: encryptionContext(associatedData),
	})
	if err != nil {
		return nil, fmt.Errorf("kek: KMS encrypt with key %s: %w", k.keyID, err)
	}
	return out.CiphertextBlob, nil
}

func (k *kmsAEAD) Decrypt(ciphertext, associatedData []byte) ([]byte, error) {
	// KeyId pins the key: a ciphertext made by another key in the account
	// is refused rather than quietly unwrapped.
	out, err := k.client.Decrypt(context.Background(), &kms.DecryptInput{
		KeyId:             aws.String(k.keyID),
		CiphertextBlob:    ciphertext,
		EncryptionContext: encryptionContext(associatedData),
	})
	if err != nil {
		return nil, fmt.Errorf("kek: KMS decrypt with key %s: %w", k.keyID, err)
	}
	return out.Plaintext, nil
}
