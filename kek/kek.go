// Package kek provides the key-encryption keys that wrap each patient's data
// key: a local key file (the single-machine default), an AWS KMS customer
// managed key, and an AES-256 key kept in an SSM SecureString parameter.
// Each is a tink.AEAD; the associated data binds a wrapped key to its
// owner, so a wrapped key moved to another patient does not unwrap.
package kek
