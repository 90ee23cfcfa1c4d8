// Package sqlite is the embedded store: every bptracker store interface on
// one SQLite database (modernc.org/sqlite, pure Go). It persists and queries;
// it makes no policy decisions.
//
// Durability: WAL with synchronous=FULL, so an acknowledged write survives a
// power cut. One writer goroutine owns the write connection and commits
// concurrent requests together (group commit): each request runs inside its
// own savepoint of a shared transaction, so a failing request rolls back
// alone, and all of them are acknowledged only after the one fsync'd commit.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/bptracker/bptracker"
	_ "modernc.org/sqlite"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// maxBatch bounds how many requests share one commit.
const maxBatch = 256

// DB is the SQLite store.
type DB struct {
	dsn string
	w   *sql.DB // the single writer connection
	r   *sql.DB // the reader pool
	rs  stmtCache
	ops chan op
	// quit asks the writer to finish; done is closed once it has.
	quit      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

var _ bptracker.Store = (*DB)(nil)

type op struct {
	fn  func(*sql.Tx) error
	res chan error
}

// Open opens (creating if needed) the database at path and applies the
// migrations. ":memory:" is not supported: readers and the writer are
// separate connections; tests use a file in a temporary directory.
func Open(path string) (*DB, error) {
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(1)", "secure_delete(1)"} {
		q.Add("_pragma", p)
	}
	dsn := "file:" + path + "?" + q.Encode()
	w, err := sql.Open("sqlite", dsn+"&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	if err := migrate(w); err != nil {
		w.Close()
		return nil, fmt.Errorf("migrate %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", dsn+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	db := &DB{dsn: dsn, w: w, r: r, rs: stmtCache{db: r}, ops: make(chan op, maxBatch), quit: make(chan struct{}), done: make(chan struct{})}
	go db.writer()
	return db, nil
}

// Close stops the writer after the queued writes and closes the database.
func (db *DB) Close() error {
	var err error
	db.closeOnce.Do(func() {
		close(db.quit)
		<-db.done
		db.rs.close()
		err = errors.Join(db.r.Close(), db.w.Close())
	})
	return err
}

var errClosed = errors.New("sqlite: the store is closed")

// BackupTo writes a consistent copy of the database to path (VACUUM INTO),
// safe while the server runs.
func (db *DB) BackupTo(ctx context.Context, path string) error {
	// VACUUM INTO reads in one transaction (a consistent snapshot under
	// WAL) and writes a new file, which the query-only readers may not.
	c, err := sql.Open("sqlite", db.dsn)
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.ExecContext(ctx, "VACUUM INTO ?", path)
	return err
}

func migrate(w *sql.DB) error {
	if _, err := w.Exec("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY)"); err != nil {
		return err
	}
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		var n int
		if err := w.QueryRow("SELECT count(*) FROM schema_migrations WHERE name = ?", name).Scan(&n); err != nil {
			return err
		} else if n > 0 {
			continue
		}
		body, err := migrationFS.ReadFile(name)
		if err != nil {
			return err
		}
		tx, err := w.Begin()
		if err != nil {
			return err
		}
		if _, err := tx.Exec(string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("%s: %w", name, err)
		}
		if _, err := tx.Exec("INSERT INTO schema_migrations (name) VALUES (?)", name); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// write runs fn in the shared write transaction and returns once the
// transaction holding it has committed (or fn failed).
func (db *DB) write(ctx context.Context, fn func(*sql.Tx) error) error {
	o := op{fn: fn, res: make(chan error, 1)}
	select {
	case db.ops <- o:
	case <-ctx.Done():
		return ctx.Err()
	case <-db.quit:
		return errClosed
	}
	// Once queued, the write may commit: wait for the truth rather than
	// report a cancellation that did not happen.
	select {
	case err := <-o.res:
		return err
	case <-db.done:
		select { // the writer may have answered just before it left
		case err := <-o.res:
			return err
		default:
			return errClosed
		}
	}
}

func (db *DB) writer() {
	defer close(db.done)
	for {
		var first op
		select {
		case first = <-db.ops:
		case <-db.quit:
			// Finish what was queued before the close.
			for {
				select {
				case o := <-db.ops:
					db.runBatch([]op{o})
				default:
					return
				}
			}
		}
		batch := []op{first}
	drain:
		for len(batch) < maxBatch {
			select {
			case o := <-db.ops:
				batch = append(batch, o)
			default:
				break drain
			}
		}
		db.runBatch(batch)
	}
}

func (db *DB) runBatch(batch []op) {
	results := make([]error, len(batch))
	tx, err := db.w.Begin()
	if err != nil {
		for _, o := range batch {
			o.res <- err
		}
		return
	}
	for i, o := range batch {
		if _, err := tx.Exec("SAVEPOINT op"); err != nil {
			results[i] = err
			continue
		}
		if err := o.fn(tx); err != nil {
			results[i] = err
			if _, rerr := tx.Exec("ROLLBACK TO op"); rerr != nil {
				results[i] = errors.Join(err, rerr)
			}
		}
		if _, err := tx.Exec("RELEASE op"); err != nil && results[i] == nil {
			results[i] = err
		}
	}
	cerr := tx.Commit()
	for i, o := range batch {
		if results[i] == nil && cerr != nil {
			results[i] = cerr
		}
		o.res <- results[i]
	}
}

// appendAudit seals ev after the head of its chain and inserts it, inside
// the caller's transaction, so the event commits with the change.
func appendAudit(tx *sql.Tx, ev *bptracker.AuditEvent) error {
	if ev == nil {
		return nil
	}
	ev.Chain = bptracker.ChainFor(ev.PatientID)
	var prev *bptracker.AuditEvent
	var seq int64
	var hash string
	err := tx.QueryRow("SELECT seq, hash FROM audit WHERE chain = ? ORDER BY seq DESC LIMIT 1", ev.Chain).Scan(&seq, &hash)
	switch {
	case err == nil:
		prev = &bptracker.AuditEvent{Seq: seq, Hash: hash}
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	ev.Seal(prev)
	_, err = tx.Exec(`INSERT INTO audit (chain, seq, id, time, actor_id, actor_role, action, patient_id,
		resource_id, outcome, source_ip, user_agent, request_id, via, detail, prev_hash, hash)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		ev.Chain, ev.Seq, ev.ID, ev.Time.UnixNano(), ev.ActorID, string(ev.ActorRole), ev.Action, ev.PatientID,
		ev.ResourceID, ev.Outcome, ev.SourceIP, ev.UserAgent, ev.RequestID, ev.Via, ev.Detail, ev.PrevHash, ev.Hash)
	return err
}

// constraint maps a uniqueness violation to ECONFLICT.
func constraint(err error, what string) error {
	if err != nil && strings.Contains(err.Error(), "constraint failed") {
		return bptracker.Errorf(bptracker.ECONFLICT, "%s already exists", what)
	}
	return err
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func optNanos(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixNano()
}

func fromOptNanos(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := fromNanos(n.Int64)
	return &t
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Cursors are opaque to callers: base64 of "nanos:id".
func encodeCursor(n int64, id string) string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%d:%s", n, id))
}

func decodeCursor(c string) (int64, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		var n int64
		s := string(b)
		if i := strings.IndexByte(s, ':'); i > 0 && i < len(s)-1 {
			if _, err := fmt.Sscan(s[:i], &n); err == nil {
				return n, s[i+1:], nil
			}
		}
	}
	return 0, "", bptracker.Errorf(bptracker.EINVALID, "the cursor is not valid")
}

func limit(n, def, max int) int {
	if n <= 0 {
		return def
	}
	return min(n, max)
}

func notFound(what string) error {
	return bptracker.Errorf(bptracker.ENOTFOUND, "%s not found", what)
}
