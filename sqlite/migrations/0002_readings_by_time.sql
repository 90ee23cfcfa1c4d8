-- Keep readings clustered by (patient, time): a history page becomes one
-- range scan of the table instead of an index scan plus a lookup per row
-- (docs/benchmarks.md). Ids stay unique per patient through an index.
CREATE TABLE readings_clustered (
	patient_id TEXT NOT NULL,
	taken_at   INTEGER NOT NULL,
	id         TEXT NOT NULL,
	version    INTEGER NOT NULL,
	deleted    INTEGER NOT NULL,
	sealed     BLOB NOT NULL,
	updated_by TEXT NOT NULL,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (patient_id, taken_at, id)
) WITHOUT ROWID;
INSERT INTO readings_clustered (patient_id, taken_at, id, version, deleted, sealed, updated_by, updated_at)
	SELECT patient_id, taken_at, id, version, deleted, sealed, updated_by, updated_at FROM readings;
DROP TABLE readings;
ALTER TABLE readings_clustered RENAME TO readings;
CREATE UNIQUE INDEX readings_by_id ON readings(patient_id, id);
