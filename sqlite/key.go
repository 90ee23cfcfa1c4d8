package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/bptracker/bptracker"
)

func (db *DB) FindDataKey(ctx context.Context, ownerID string) ([]byte, error) {
	var b []byte
	err := db.queryRow(ctx, "SELECT wrapped FROM data_keys WHERE owner_id = ?", ownerID).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("data key")
	}
	return b, err
}

func (db *DB) CreateDataKey(ctx context.Context, ownerID string, wrapped []byte) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec("INSERT INTO data_keys (owner_id, wrapped) VALUES (?, ?)", ownerID, wrapped)
		return constraint(err, "data key")
	})
}

// DeleteDataKey destroys a key. The database runs with secure_delete on, so
// the deleted bytes are overwritten in the file, not just unlinked.
func (db *DB) DeleteDataKey(ctx context.Context, ownerID string, ev *bptracker.AuditEvent) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.Exec("DELETE FROM data_keys WHERE owner_id = ?", ownerID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("data key")
		}
		return appendAudit(tx, ev)
	})
}
