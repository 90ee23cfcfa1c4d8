package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/bptracker/bptracker"
)

const readingCols = "id, patient_id, taken_at, version, deleted, sealed, updated_by, updated_at"

func scanReading(s interface{ Scan(...any) error }) (*bptracker.ReadingRecord, error) {
	var r bptracker.ReadingRecord
	var taken, updated int64
	var deleted int
	if err := s.Scan(&r.ID, &r.PatientID, &taken, &r.Version, &deleted, &r.Sealed, &r.UpdatedBy, &updated); err != nil {
		return nil, err
	}
	r.TakenAt, r.UpdatedAt, r.Deleted = fromNanos(taken), fromNanos(updated), deleted == 1
	return &r, nil
}

func (db *DB) FindReadingByID(ctx context.Context, patientID, id string) (*bptracker.ReadingRecord, error) {
	r, err := scanReading(db.queryRow(ctx,
		"SELECT "+readingCols+" FROM readings WHERE patient_id = ? AND id = ?", patientID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("reading")
	}
	return r, err
}

func (db *DB) FindReadings(ctx context.Context, f bptracker.ReadingFilter) ([]*bptracker.ReadingRecord, string, error) {
	where, args := []string{"patient_id = ?"}, []any{f.PatientID}
	if f.From != nil {
		where, args = append(where, "taken_at >= ?"), append(args, f.From.UnixNano())
	}
	if f.To != nil {
		where, args = append(where, "taken_at < ?"), append(args, f.To.UnixNano())
	}
	if !f.WithDeleted {
		where = append(where, "deleted = 0")
	}
	if f.Cursor != "" {
		n, id, err := decodeCursor(f.Cursor)
		if err != nil {
			return nil, "", err
		}
		where, args = append(where, "(taken_at < ? OR (taken_at = ? AND id < ?))"), append(args, n, n, id)
	}
	n := limit(f.Limit, 100, 1000)
	rows, err := db.query(ctx, "SELECT "+readingCols+" FROM readings WHERE "+strings.Join(where, " AND ")+
		" ORDER BY taken_at DESC, id DESC LIMIT ?", append(args, n+1)...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var out []*bptracker.ReadingRecord
	for rows.Next() {
		r, err := scanReading(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > n {
		out = out[:n]
		last := out[n-1]
		next = encodeCursor(last.TakenAt.UnixNano(), last.ID)
	}
	return out, next, nil
}

func (db *DB) CreateReadings(ctx context.Context, recs []*bptracker.ReadingRecord, ev *bptracker.AuditEvent) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		if err := appendAudit(tx, ev); err != nil {
			return err
		}
		stmt, err := tx.Prepare("INSERT INTO readings (" + readingCols + ") VALUES (?,?,?,?,?,?,?,?)")
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, r := range recs {
			_, err := stmt.Exec(r.ID, r.PatientID, r.TakenAt.UnixNano(), r.Version, b2i(r.Deleted), r.Sealed, r.UpdatedBy, nanos(r.UpdatedAt))
			if err != nil {
				return constraint(err, "reading")
			}
		}
		return nil
	})
}

func (db *DB) UpdateReading(ctx context.Context, r *bptracker.ReadingRecord, ev *bptracker.AuditEvent) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		// Keep the version being replaced in the history first.
		res, err := tx.Exec(`INSERT INTO reading_versions (patient_id, id, version, taken_at, deleted, sealed, updated_by, updated_at)
			SELECT patient_id, id, version, taken_at, deleted, sealed, updated_by, updated_at
			FROM readings WHERE patient_id = ? AND id = ? AND version = ?`, r.PatientID, r.ID, r.Version-1)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var v int
			err := tx.QueryRow("SELECT version FROM readings WHERE patient_id = ? AND id = ?", r.PatientID, r.ID).Scan(&v)
			if errors.Is(err, sql.ErrNoRows) {
				return notFound("reading")
			} else if err != nil {
				return err
			}
			return bptracker.Errorf(bptracker.ECONFLICT, "the reading was changed by someone else (version %d is current)", v)
		}
		if err := appendAudit(tx, ev); err != nil {
			return err
		}
		_, err = tx.Exec(`UPDATE readings SET taken_at = ?, version = ?, deleted = ?, sealed = ?, updated_by = ?, updated_at = ?
			WHERE patient_id = ? AND id = ?`,
			r.TakenAt.UnixNano(), r.Version, b2i(r.Deleted), r.Sealed, r.UpdatedBy, nanos(r.UpdatedAt), r.PatientID, r.ID)
		return err
	})
}

func (db *DB) FindReadingHistory(ctx context.Context, patientID, id string) ([]*bptracker.ReadingRecord, error) {
	rows, err := db.query(ctx, `SELECT `+readingCols+` FROM (
		SELECT id, patient_id, taken_at, version, deleted, sealed, updated_by, updated_at FROM reading_versions WHERE patient_id = ? AND id = ?
		UNION ALL
		SELECT `+readingCols+` FROM readings WHERE patient_id = ? AND id = ?) ORDER BY version`, patientID, id, patientID, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*bptracker.ReadingRecord
	for rows.Next() {
		r, err := scanReading(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, notFound("reading")
	}
	return out, nil
}
