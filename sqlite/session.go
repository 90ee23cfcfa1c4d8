package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/bptracker/bptracker"
)

const sessionCols = "id_hash, user_id, state, created_at, last_seen, expires_at, source_ip, user_agent, sealed"

func scanSession(s interface{ Scan(...any) error }) (*bptracker.Session, error) {
	var x bptracker.Session
	var state string
	var created, seen, expires int64
	if err := s.Scan(&x.IDHash, &x.UserID, &state, &created, &seen, &expires, &x.SourceIP, &x.UserAgent, &x.Sealed); err != nil {
		return nil, err
	}
	x.State, x.CreatedAt, x.LastSeen, x.ExpiresAt = bptracker.SessionState(state), fromNanos(created), fromNanos(seen), fromNanos(expires)
	return &x, nil
}

func (db *DB) CreateSession(ctx context.Context, s *bptracker.Session) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec("INSERT INTO sessions ("+sessionCols+") VALUES (?,?,?,?,?,?,?,?,?)",
			s.IDHash, s.UserID, string(s.State), nanos(s.CreatedAt), nanos(s.LastSeen), nanos(s.ExpiresAt), s.SourceIP, s.UserAgent, s.Sealed)
		return constraint(err, "session")
	})
}

func (db *DB) FindSession(ctx context.Context, idHash string) (*bptracker.Session, error) {
	s, err := scanSession(db.queryRow(ctx, "SELECT "+sessionCols+" FROM sessions WHERE id_hash = ?", idHash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("session")
	}
	return s, err
}

func (db *DB) TouchSession(ctx context.Context, idHash string, lastSeen time.Time) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.Exec("UPDATE sessions SET last_seen = ? WHERE id_hash = ?", nanos(lastSeen), idHash)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("session")
		}
		return nil
	})
}

func (db *DB) DeleteSession(ctx context.Context, idHash string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec("DELETE FROM sessions WHERE id_hash = ?", idHash)
		return err
	})
}

func (db *DB) FindUserSessions(ctx context.Context, userID string) ([]*bptracker.Session, error) {
	rows, err := db.query(ctx, "SELECT "+sessionCols+" FROM sessions WHERE user_id = ? ORDER BY created_at", userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*bptracker.Session
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func (db *DB) DeleteUserSessions(ctx context.Context, userID string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec("DELETE FROM sessions WHERE user_id = ?", userID)
		return err
	})
}
