package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"github.com/bptracker/bptracker"
)

const auditCols = `chain, seq, id, time, actor_id, actor_role, action, patient_id, resource_id, outcome,
	source_ip, user_agent, request_id, via, detail, prev_hash, hash`

func scanAudit(s interface{ Scan(...any) error }) (*bptracker.AuditEvent, error) {
	var e bptracker.AuditEvent
	var t int64
	var role string
	if err := s.Scan(&e.Chain, &e.Seq, &e.ID, &t, &e.ActorID, &role, &e.Action, &e.PatientID, &e.ResourceID, &e.Outcome,
		&e.SourceIP, &e.UserAgent, &e.RequestID, &e.Via, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
		return nil, err
	}
	e.Time, e.ActorRole = fromNanos(t), bptracker.Role(role)
	return &e, nil
}

func (db *DB) AppendAudit(ctx context.Context, ev *bptracker.AuditEvent) error {
	return db.write(ctx, func(tx *sql.Tx) error { return appendAudit(tx, ev) })
}

func (db *DB) FindAuditEvents(ctx context.Context, f bptracker.AuditFilter) ([]*bptracker.AuditEvent, string, error) {
	where, args := []string{"1=1"}, []any{}
	if f.ActorID != "" {
		where, args = append(where, "actor_id = ?"), append(args, f.ActorID)
	}
	if f.PatientID != "" {
		where, args = append(where, "patient_id = ?"), append(args, f.PatientID)
	}
	if f.Action != "" {
		where, args = append(where, "action = ?"), append(args, f.Action)
	}
	if f.From != nil {
		where, args = append(where, "time >= ?"), append(args, f.From.UnixNano())
	}
	if f.To != nil {
		where, args = append(where, "time < ?"), append(args, f.To.UnixNano())
	}
	if f.Cursor != "" {
		n, id, err := decodeCursor(f.Cursor)
		if err != nil {
			return nil, "", err
		}
		where, args = append(where, "(time < ? OR (time = ? AND id < ?))"), append(args, n, n, id)
	}
	n := limit(f.Limit, 100, 5000)
	rows, err := db.query(ctx, "SELECT "+auditCols+" FROM audit WHERE "+strings.Join(where, " AND ")+
		" ORDER BY time DESC, id DESC LIMIT ?", append(args, n+1)...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var out []*bptracker.AuditEvent
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > n {
		out = out[:n]
		next = encodeCursor(out[n-1].Time.UnixNano(), out[n-1].ID)
	}
	return out, next, nil
}

func (db *DB) AuditChains(ctx context.Context) ([]string, error) {
	rows, err := db.query(ctx, "SELECT DISTINCT chain FROM audit ORDER BY chain")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (db *DB) FindAuditChain(ctx context.Context, chain string, afterSeq int64, lim int) ([]*bptracker.AuditEvent, error) {
	rows, err := db.query(ctx, "SELECT "+auditCols+" FROM audit WHERE chain = ? AND seq > ? ORDER BY seq LIMIT ?", chain, afterSeq, lim)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*bptracker.AuditEvent
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
