package dynamo

import (
	"bytes"
	"context"
	"errors"

	"github.com/bptracker/bptracker"
)

func keyPK(owner string) string { return "K#" + owner }

func (db *DB) FindDataKey(ctx context.Context, ownerID string) ([]byte, error) {
	ctx = op(ctx, "FindDataKey")
	if ownerID == "" {
		return nil, notFound("data key")
	}
	it, err := db.get(ctx, keyPK(ownerID), "K", true)
	if err != nil {
		return nil, err
	}
	if it == nil {
		return nil, notFound("data key")
	}
	return bytes.Clone(getB(it, "w")), nil
}

func (db *DB) CreateDataKey(ctx context.Context, ownerID string, wrapped []byte) error {
	ctx = op(ctx, "CreateDataKey")
	if ownerID == "" || len(wrapped) == 0 {
		return bptracker.Errorf(bptracker.EINVALID, "a data key needs an owner and a value")
	}
	it := key(keyPK(ownerID), "K")
	setB(it, "w", wrapped)
	err := db.put(ctx, it, "attribute_not_exists(pk)", nil)
	if errors.Is(err, errCondition) {
		return bptracker.Errorf(bptracker.ECONFLICT, "the owner has a data key already")
	}
	return err
}

// DeleteDataKey destroys a key: what was sealed with it is unreadable.
func (db *DB) DeleteDataKey(ctx context.Context, ownerID string, ev *bptracker.AuditEvent) error {
	ctx = op(ctx, "DeleteDataKey")
	if _, err := db.FindDataKey(ctx, ownerID); err != nil {
		return err
	}
	return db.audited(ctx, ev, func() error {
		_, err := db.del(ctx, keyPK(ownerID), "K", "attribute_exists(pk)")
		if errors.Is(err, errCondition) {
			return notFound("data key")
		}
		return err
	})
}
