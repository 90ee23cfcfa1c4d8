package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/bptracker/bptracker"
)

const jobCols = "patient_id, id, status, total, done, chunks, next, result, created_by, created_at, updated_at, version"

func (db *DB) CreateJob(ctx context.Context, j *bptracker.Job, chunks [][]byte, ev *bptracker.AuditEvent) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		if err := appendAudit(tx, ev); err != nil {
			return err
		}
		_, err := tx.Exec("INSERT INTO jobs ("+jobCols+") VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", j.PatientID, j.ID, j.Status, j.Total,
			j.Done, j.Chunks, j.Next, j.Result, j.CreatedBy, nanos(j.CreatedAt), nanos(j.UpdatedAt), j.Version)
		if err != nil {
			return constraint(err, "job")
		}
		for n, c := range chunks {
			if _, err := tx.Exec("INSERT INTO job_chunks (patient_id, job_id, n, data) VALUES (?,?,?,?)", j.PatientID, j.ID, n, c); err != nil {
				return err
			}
		}
		return nil
	})
}

func scanJob(s interface{ Scan(...any) error }) (*bptracker.Job, error) {
	var j bptracker.Job
	var created, updated int64
	if err := s.Scan(&j.PatientID, &j.ID, &j.Status, &j.Total, &j.Done, &j.Chunks, &j.Next, &j.Result, &j.CreatedBy, &created, &updated, &j.Version); err != nil {
		return nil, err
	}
	j.CreatedAt, j.UpdatedAt = fromNanos(created), fromNanos(updated)
	return &j, nil
}

func (db *DB) FindJob(ctx context.Context, patientID, id string) (*bptracker.Job, error) {
	j, err := scanJob(db.queryRow(ctx, "SELECT "+jobCols+" FROM jobs WHERE patient_id = ? AND id = ?", patientID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("job")
	}
	return j, err
}

func (db *DB) FindJobs(ctx context.Context, patientID string) ([]*bptracker.Job, error) {
	rows, err := db.query(ctx, "SELECT "+jobCols+" FROM jobs WHERE patient_id = ? ORDER BY id DESC LIMIT 50", patientID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*bptracker.Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

func (db *DB) FindJobChunk(ctx context.Context, patientID, id string, n int) ([]byte, error) {
	var b []byte
	err := db.queryRow(ctx, "SELECT data FROM job_chunks WHERE patient_id = ? AND job_id = ? AND n = ?", patientID, id, n).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("job chunk")
	}
	return b, err
}

func (db *DB) UpdateJob(ctx context.Context, j *bptracker.Job) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.Exec(`UPDATE jobs SET status = ?, total = ?, done = ?, chunks = ?, next = ?, result = ?, updated_at = ?, version = ?
			WHERE patient_id = ? AND id = ? AND version = ?`, j.Status, j.Total, j.Done, j.Chunks, j.Next, j.Result, nanos(j.UpdatedAt),
			j.Version, j.PatientID, j.ID, j.Version-1)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			// Why nothing matched, read in this transaction (as
			// UpdateReading does), not through the reader pool.
			var v int
			err := tx.QueryRow("SELECT version FROM jobs WHERE patient_id = ? AND id = ?", j.PatientID, j.ID).Scan(&v)
			if errors.Is(err, sql.ErrNoRows) {
				return notFound("job")
			} else if err != nil {
				return err
			}
			return bptracker.Errorf(bptracker.ECONFLICT, "the job moved on meanwhile")
		}
		if j.Status != bptracker.JobRunning {
			// A finished job's chunks (sealed readings, now stored as
			// readings) are not kept twice.
			_, err = tx.Exec("DELETE FROM job_chunks WHERE patient_id = ? AND job_id = ?", j.PatientID, j.ID)
		}
		return err
	})
}
