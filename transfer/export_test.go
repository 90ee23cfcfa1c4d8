package transfer

import "context"

// PresignForTest returns the pre-signed link to key.
func PresignForTest(b *Bucket, key string) (string, error) {
	return b.presign(context.Background(), key)
}
