package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/bptracker/bptracker"
)

const userCols = `id, role, status, email_index, password_hash, external_id, mfa_enabled, totp_last_step,
	failed_attempts, locked_until, sealed, version, created_at, updated_at`

func scanUser(s interface{ Scan(...any) error }) (*bptracker.UserRecord, error) {
	var u bptracker.UserRecord
	var role, status string
	var mfa int
	var locked, created, updated int64
	if err := s.Scan(&u.ID, &role, &status, &u.EmailIndex, &u.PasswordHash, &u.ExternalID, &mfa, &u.TOTPLastStep,
		&u.FailedAttempts, &locked, &u.Sealed, &u.Version, &created, &updated); err != nil {
		return nil, err
	}
	u.Role, u.Status, u.MFAEnabled = bptracker.Role(role), bptracker.UserStatus(status), mfa == 1
	u.LockedUntil, u.CreatedAt, u.UpdatedAt = fromNanos(locked), fromNanos(created), fromNanos(updated)
	return &u, nil
}

func (db *DB) findUser(ctx context.Context, where string, arg any) (*bptracker.UserRecord, error) {
	u, err := scanUser(db.queryRow(ctx, "SELECT "+userCols+" FROM users WHERE "+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("user")
	}
	return u, err
}

func (db *DB) FindUserByID(ctx context.Context, id string) (*bptracker.UserRecord, error) {
	return db.findUser(ctx, "id = ?", id)
}

func (db *DB) FindUserByEmailIndex(ctx context.Context, idx string) (*bptracker.UserRecord, error) {
	return db.findUser(ctx, "email_index = ?", idx)
}

func (db *DB) FindUsers(ctx context.Context, f bptracker.UserFilter) ([]*bptracker.UserRecord, string, error) {
	after := ""
	if f.Cursor != "" {
		var err error
		if _, after, err = decodeCursor(f.Cursor); err != nil {
			return nil, "", err
		}
	}
	q, args := "SELECT "+userCols+" FROM users WHERE id > ?", []any{after}
	if f.Role != "" {
		q, args = q+" AND role = ?", append(args, string(f.Role))
	}
	if f.Status != "" {
		q, args = q+" AND status = ?", append(args, string(f.Status))
	}
	n := limit(f.Limit, 100, 1000)
	rows, err := db.query(ctx, q+" ORDER BY id LIMIT ?", append(args, n+1)...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var out []*bptracker.UserRecord
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, u)
	}
	next := ""
	if len(out) > n {
		out, next = out[:n], encodeCursor(0, out[n-1].ID)
	}
	return out, next, rows.Err()
}

func (db *DB) CreateUser(ctx context.Context, u *bptracker.UserRecord, ev *bptracker.AuditEvent) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		if err := appendAudit(tx, ev); err != nil {
			return err
		}
		_, err := tx.Exec("INSERT INTO users ("+userCols+") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
			u.ID, string(u.Role), string(u.Status), u.EmailIndex, u.PasswordHash, u.ExternalID, b2i(u.MFAEnabled),
			u.TOTPLastStep, u.FailedAttempts, nanos(u.LockedUntil), u.Sealed, u.Version, nanos(u.CreatedAt), nanos(u.UpdatedAt))
		return constraint(err, "an account with this email")
	})
}

func (db *DB) UpdateUser(ctx context.Context, u *bptracker.UserRecord, ev *bptracker.AuditEvent) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.Exec(`UPDATE users SET role = ?, status = ?, email_index = ?, password_hash = ?, external_id = ?,
			mfa_enabled = ?, totp_last_step = ?, failed_attempts = ?, locked_until = ?, sealed = ?, version = ?, updated_at = ?
			WHERE id = ? AND version = ?`,
			string(u.Role), string(u.Status), u.EmailIndex, u.PasswordHash, u.ExternalID, b2i(u.MFAEnabled), u.TOTPLastStep,
			u.FailedAttempts, nanos(u.LockedUntil), u.Sealed, u.Version, nanos(u.UpdatedAt), u.ID, u.Version-1)
		if err != nil {
			return constraint(err, "an account with this email")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var v int
			if err := tx.QueryRow("SELECT version FROM users WHERE id = ?", u.ID).Scan(&v); errors.Is(err, sql.ErrNoRows) {
				return notFound("user")
			}
			return bptracker.Errorf(bptracker.ECONFLICT, "the account was changed by someone else; try again")
		}
		return appendAudit(tx, ev)
	})
}
