package bptracker

import "context"

// KeyStore keeps each user's data key, wrapped by the key-encryption key.
// Deleting a key makes everything sealed with it unreadable.
type KeyStore interface {
	FindDataKey(ctx context.Context, ownerID string) ([]byte, error)
	// CreateDataKey stores a wrapped key; if the owner has one already it
	// returns ECONFLICT and leaves the stored key as it is.
	CreateDataKey(ctx context.Context, ownerID string, wrapped []byte) error
	DeleteDataKey(ctx context.Context, ownerID string, ev *AuditEvent) error
}

// Store is everything a backend persists. SQLite and DynamoDB implement it,
// and both pass the conformance suite in storetest.
type Store interface {
	ReadingStore
	UserStore
	SessionStore
	AuditStore
	GrantStore
	InvitationStore
	BreakGlassStore
	KeyStore
	JobStore
	Close() error
}
