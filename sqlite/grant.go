package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/bptracker/bptracker"
)

const grantCols = "id, patient_id, grantee_id, role, access, expires_at, created_by, created_at, revoked_at"

func scanGrant(s interface{ Scan(...any) error }) (*bptracker.Grant, error) {
	var g bptracker.Grant
	var role, access string
	var expires, revoked sql.NullInt64
	var created int64
	if err := s.Scan(&g.ID, &g.PatientID, &g.GranteeID, &role, &access, &expires, &g.CreatedBy, &created, &revoked); err != nil {
		return nil, err
	}
	g.Role, g.Access, g.CreatedAt = bptracker.Role(role), bptracker.Access(access), fromNanos(created)
	g.ExpiresAt, g.RevokedAt = fromOptNanos(expires), fromOptNanos(revoked)
	return &g, nil
}

func (db *DB) FindGrantByID(ctx context.Context, patientID, id string) (*bptracker.Grant, error) {
	g, err := scanGrant(db.queryRow(ctx, "SELECT "+grantCols+" FROM grants WHERE patient_id = ? AND id = ?", patientID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("grant")
	}
	return g, err
}

func (db *DB) FindGrants(ctx context.Context, f bptracker.GrantFilter) ([]*bptracker.Grant, error) {
	q, args := "SELECT "+grantCols+" FROM grants WHERE 1=1", []any{}
	if f.PatientID != "" {
		q, args = q+" AND patient_id = ?", append(args, f.PatientID)
	}
	if f.GranteeID != "" {
		q, args = q+" AND grantee_id = ?", append(args, f.GranteeID)
	}
	if len(args) == 0 {
		return nil, bptracker.Errorf(bptracker.EINVALID, "a grant search needs a patient or a grantee")
	}
	rows, err := db.query(ctx, q+" ORDER BY created_at, id", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*bptracker.Grant
	for rows.Next() {
		g, err := scanGrant(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

func (db *DB) CreateGrant(ctx context.Context, g *bptracker.Grant, ev *bptracker.AuditEvent) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		if err := appendAudit(tx, ev); err != nil {
			return err
		}
		_, err := tx.Exec("INSERT INTO grants ("+grantCols+") VALUES (?,?,?,?,?,?,?,?,?)", g.ID, g.PatientID, g.GranteeID,
			string(g.Role), string(g.Access), optNanos(g.ExpiresAt), g.CreatedBy, nanos(g.CreatedAt), optNanos(g.RevokedAt))
		return constraint(err, "grant")
	})
}

func (db *DB) UpdateGrant(ctx context.Context, g *bptracker.Grant, ev *bptracker.AuditEvent) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.Exec("UPDATE grants SET access = ?, role = ?, expires_at = ?, revoked_at = ? WHERE patient_id = ? AND id = ?",
			string(g.Access), string(g.Role), optNanos(g.ExpiresAt), optNanos(g.RevokedAt), g.PatientID, g.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("grant")
		}
		return appendAudit(tx, ev)
	})
}

const invitationCols = `code_hash, kind, user_id, role, patient_id, access, grant_expires_at, sealed, created_by,
	created_at, expires_at, used_at`

func scanInvitation(s interface{ Scan(...any) error }) (*bptracker.Invitation, error) {
	var i bptracker.Invitation
	var role, access string
	var gexp, used sql.NullInt64
	var created, expires int64
	if err := s.Scan(&i.CodeHash, &i.Kind, &i.UserID, &role, &i.PatientID, &access, &gexp, &i.Sealed, &i.CreatedBy,
		&created, &expires, &used); err != nil {
		return nil, err
	}
	i.Role, i.Access, i.GrantExpiresAt, i.UsedAt = bptracker.Role(role), bptracker.Access(access), fromOptNanos(gexp), fromOptNanos(used)
	i.CreatedAt, i.ExpiresAt = fromNanos(created), fromNanos(expires)
	return &i, nil
}

func (db *DB) CreateInvitation(ctx context.Context, i *bptracker.Invitation, ev *bptracker.AuditEvent) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		if err := appendAudit(tx, ev); err != nil {
			return err
		}
		_, err := tx.Exec("INSERT INTO invitations ("+invitationCols+") VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
			i.CodeHash, i.Kind, i.UserID, string(i.Role), i.PatientID, string(i.Access), optNanos(i.GrantExpiresAt), i.Sealed,
			i.CreatedBy, nanos(i.CreatedAt), nanos(i.ExpiresAt), optNanos(i.UsedAt))
		return constraint(err, "invitation")
	})
}

func (db *DB) FindInvitation(ctx context.Context, codeHash string) (*bptracker.Invitation, error) {
	i, err := scanInvitation(db.queryRow(ctx, "SELECT "+invitationCols+" FROM invitations WHERE code_hash = ?", codeHash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("invitation")
	}
	return i, err
}

func (db *DB) FindInvitations(ctx context.Context, createdBy string) ([]*bptracker.Invitation, error) {
	rows, err := db.query(ctx, "SELECT "+invitationCols+" FROM invitations WHERE created_by = ? ORDER BY created_at", createdBy)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*bptracker.Invitation
	for rows.Next() {
		i, err := scanInvitation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

func (db *DB) UseInvitation(ctx context.Context, codeHash string, now time.Time, ev *bptracker.AuditEvent) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.Exec("UPDATE invitations SET used_at = ? WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?",
			now.UnixNano(), codeHash, now.UnixNano())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var exists int
			tx.QueryRow("SELECT count(*) FROM invitations WHERE code_hash = ?", codeHash).Scan(&exists)
			if exists == 0 {
				return notFound("invitation")
			}
			return bptracker.Errorf(bptracker.ECONFLICT, "this link was used already or has expired")
		}
		return appendAudit(tx, ev)
	})
}

const breakGlassCols = "id, admin_id, patient_id, reason, created_at, expires_at, closed_at"

func scanBreakGlass(s interface{ Scan(...any) error }) (*bptracker.BreakGlass, error) {
	var b bptracker.BreakGlass
	var created, expires int64
	var closed sql.NullInt64
	if err := s.Scan(&b.ID, &b.AdminID, &b.PatientID, &b.Reason, &created, &expires, &closed); err != nil {
		return nil, err
	}
	b.CreatedAt, b.ExpiresAt, b.ClosedAt = fromNanos(created), fromNanos(expires), fromOptNanos(closed)
	return &b, nil
}

func (db *DB) CreateBreakGlass(ctx context.Context, b *bptracker.BreakGlass, ev *bptracker.AuditEvent) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		if err := appendAudit(tx, ev); err != nil {
			return err
		}
		_, err := tx.Exec("INSERT INTO break_glass ("+breakGlassCols+") VALUES (?,?,?,?,?,?,?)",
			b.ID, b.AdminID, b.PatientID, b.Reason, nanos(b.CreatedAt), nanos(b.ExpiresAt), optNanos(b.ClosedAt))
		return constraint(err, "break-glass access")
	})
}

func (db *DB) FindBreakGlassByID(ctx context.Context, id string) (*bptracker.BreakGlass, error) {
	b, err := scanBreakGlass(db.queryRow(ctx, "SELECT "+breakGlassCols+" FROM break_glass WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("break-glass access")
	}
	return b, err
}

func (db *DB) FindBreakGlass(ctx context.Context, f bptracker.BreakGlassFilter) ([]*bptracker.BreakGlass, error) {
	q, args := "SELECT "+breakGlassCols+" FROM break_glass WHERE 1=1", []any{}
	if f.AdminID != "" {
		q, args = q+" AND admin_id = ?", append(args, f.AdminID)
	}
	if f.PatientID != "" {
		q, args = q+" AND patient_id = ?", append(args, f.PatientID)
	}
	rows, err := db.query(ctx, q+" ORDER BY created_at DESC LIMIT 500", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*bptracker.BreakGlass
	for rows.Next() {
		b, err := scanBreakGlass(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

func (db *DB) UpdateBreakGlass(ctx context.Context, b *bptracker.BreakGlass, ev *bptracker.AuditEvent) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.Exec("UPDATE break_glass SET expires_at = ?, closed_at = ? WHERE id = ?", nanos(b.ExpiresAt), optNanos(b.ClosedAt), b.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("break-glass access")
		}
		return appendAudit(tx, ev)
	})
}
