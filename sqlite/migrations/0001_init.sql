-- Times are Unix nanoseconds (UTC) in INTEGER columns; health and identity
-- fields live only in the sealed BLOBs, encrypted by the service layer.
CREATE TABLE users (
	id              TEXT PRIMARY KEY,
	role            TEXT NOT NULL,
	status          TEXT NOT NULL,
	email_index     TEXT NOT NULL UNIQUE,
	password_hash   TEXT NOT NULL,
	external_id     TEXT NOT NULL,
	mfa_enabled     INTEGER NOT NULL,
	totp_last_step  INTEGER NOT NULL,
	failed_attempts INTEGER NOT NULL,
	locked_until    INTEGER NOT NULL,
	sealed          BLOB,
	version         INTEGER NOT NULL,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL
);
CREATE INDEX users_by_role ON users(role, id);

CREATE TABLE readings (
	patient_id TEXT NOT NULL,
	id         TEXT NOT NULL,
	taken_at   INTEGER NOT NULL,
	version    INTEGER NOT NULL,
	deleted    INTEGER NOT NULL,
	sealed     BLOB NOT NULL,
	updated_by TEXT NOT NULL,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (patient_id, id)
) WITHOUT ROWID;
CREATE INDEX readings_by_time ON readings(patient_id, taken_at, id);

-- Every earlier version of a reading: edits keep the history.
CREATE TABLE reading_versions (
	patient_id TEXT NOT NULL,
	id         TEXT NOT NULL,
	version    INTEGER NOT NULL,
	taken_at   INTEGER NOT NULL,
	deleted    INTEGER NOT NULL,
	sealed     BLOB NOT NULL,
	updated_by TEXT NOT NULL,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (patient_id, id, version)
) WITHOUT ROWID;

CREATE TABLE sessions (
	id_hash    TEXT PRIMARY KEY,
	user_id    TEXT NOT NULL,
	state      TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	last_seen  INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	source_ip  TEXT NOT NULL,
	user_agent TEXT NOT NULL,
	sealed     BLOB
);
CREATE INDEX sessions_by_user ON sessions(user_id);

CREATE TABLE audit (
	chain       TEXT NOT NULL,
	seq         INTEGER NOT NULL,
	id          TEXT NOT NULL UNIQUE,
	time        INTEGER NOT NULL,
	actor_id    TEXT NOT NULL,
	actor_role  TEXT NOT NULL,
	action      TEXT NOT NULL,
	patient_id  TEXT NOT NULL,
	resource_id TEXT NOT NULL,
	outcome     TEXT NOT NULL,
	source_ip   TEXT NOT NULL,
	user_agent  TEXT NOT NULL,
	request_id  TEXT NOT NULL,
	via         TEXT NOT NULL,
	detail      TEXT NOT NULL,
	prev_hash   TEXT NOT NULL,
	hash        TEXT NOT NULL,
	PRIMARY KEY (chain, seq)
) WITHOUT ROWID;
CREATE INDEX audit_by_time ON audit(time);
CREATE INDEX audit_by_actor ON audit(actor_id, time);
CREATE INDEX audit_by_patient ON audit(patient_id, time);

-- The trail is append-only. Someone with the file can drop these triggers;
-- the hash chain is what catches that (bptracker audit verify).
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;

CREATE TABLE grants (
	id         TEXT PRIMARY KEY,
	patient_id TEXT NOT NULL,
	grantee_id TEXT NOT NULL,
	role       TEXT NOT NULL,
	access     TEXT NOT NULL,
	expires_at INTEGER,
	created_by TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	revoked_at INTEGER
);
CREATE INDEX grants_by_patient ON grants(patient_id);
CREATE INDEX grants_by_grantee ON grants(grantee_id);

CREATE TABLE invitations (
	code_hash        TEXT PRIMARY KEY,
	kind             TEXT NOT NULL,
	user_id          TEXT NOT NULL,
	role             TEXT NOT NULL,
	patient_id       TEXT NOT NULL,
	access           TEXT NOT NULL,
	grant_expires_at INTEGER,
	sealed           BLOB,
	created_by       TEXT NOT NULL,
	created_at       INTEGER NOT NULL,
	expires_at       INTEGER NOT NULL,
	used_at          INTEGER
);
CREATE INDEX invitations_by_creator ON invitations(created_by);

CREATE TABLE break_glass (
	id         TEXT PRIMARY KEY,
	admin_id   TEXT NOT NULL,
	patient_id TEXT NOT NULL,
	reason     TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	closed_at  INTEGER
);
CREATE INDEX break_glass_by_admin ON break_glass(admin_id);
CREATE INDEX break_glass_by_patient ON break_glass(patient_id);

CREATE TABLE data_keys (
	owner_id   TEXT PRIMARY KEY,
	wrapped    BLOB NOT NULL
);
