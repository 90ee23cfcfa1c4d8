-- Imports that run in steps: the job and its sealed chunks of readings.
CREATE TABLE jobs (
	patient_id TEXT NOT NULL,
	id         TEXT NOT NULL,
	status     TEXT NOT NULL,
	total      INTEGER NOT NULL,
	done       INTEGER NOT NULL,
	chunks     INTEGER NOT NULL,
	next       INTEGER NOT NULL,
	result     BLOB,
	created_by TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	version    INTEGER NOT NULL,
	PRIMARY KEY (patient_id, id)
) WITHOUT ROWID;

CREATE TABLE job_chunks (
	patient_id TEXT NOT NULL,
	job_id     TEXT NOT NULL,
	n          INTEGER NOT NULL,
	data       BLOB NOT NULL,
	PRIMARY KEY (patient_id, job_id, n)
) WITHOUT ROWID;
