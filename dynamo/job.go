package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/bptracker/bptracker"
)

// Jobs live in their patient's partition: the job at J#<id>, its chunks at
// JC#<id>#<n>. Reading queries range over R… keys and never meet them.
func jobSK(id string) string             { return "J#" + id }
func jobChunkSK(id string, n int) string { return fmt.Sprintf("JC#%s#%08d", id, n) }

func jobItem(j *bptracker.Job) item {
	it := key(patientPK(j.PatientID), jobSK(j.ID))
	setS(it, "st", j.Status)
	setN(it, "tot", int64(j.Total))
	setN(it, "dn", int64(j.Done))
	setN(it, "ch", int64(j.Chunks))
	setN(it, "nx", int64(j.Next))
	setB(it, "res", j.Result)
	setS(it, "cb", j.CreatedBy)
	setT(it, "ca", j.CreatedAt)
	setT(it, "ua", j.UpdatedAt)
	setN(it, "v", int64(j.Version))
	return it
}

func (db *DB) CreateJob(ctx context.Context, j *bptracker.Job, chunks [][]byte, ev *bptracker.AuditEvent) error {
	ctx = op(ctx, "CreateJob")
	return db.audited(ctx, ev, func() error {
		// Chunks first: a job item is only ever seen with all its chunks.
		for n, c := range chunks {
			it := key(patientPK(j.PatientID), jobChunkSK(j.ID, n))
			setB(it, "d", c)
			if err := db.put(ctx, it, "", nil); err != nil {
				return err
			}
		}
		err := db.put(ctx, jobItem(j), "attribute_not_exists(pk)", nil)
		if errors.Is(err, errCondition) {
			return bptracker.Errorf(bptracker.ECONFLICT, "the job exists already")
		}
		return err
	})
}

func decodeJob(patientID string, it item) *bptracker.Job {
	return &bptracker.Job{
		ID: strings.TrimPrefix(getS(it, "sk"), "J#"), PatientID: patientID, Status: getS(it, "st"), Total: int(getN(it, "tot")),
		Done: int(getN(it, "dn")), Chunks: int(getN(it, "ch")), Next: int(getN(it, "nx")), Result: getB(it, "res"),
		CreatedBy: getS(it, "cb"), CreatedAt: getT(it, "ca"), UpdatedAt: getT(it, "ua"), Version: int(getN(it, "v")),
	}
}

func (db *DB) FindJob(ctx context.Context, patientID, id string) (*bptracker.Job, error) {
	ctx = op(ctx, "FindJob")
	it, err := db.get(ctx, patientPK(patientID), jobSK(id), true)
	if err != nil {
		return nil, err
	}
	if it == nil {
		return nil, notFound("job")
	}
	return decodeJob(patientID, it), nil
}

// FindJobs queries the J# items of the patient's partition (chunks are
// JC#…, outside the prefix), newest first.
func (db *DB) FindJobs(ctx context.Context, patientID string) ([]*bptracker.Job, error) {
	ctx = op(ctx, "FindJobs")
	out, err := db.query(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :j)"),
		ExpressionAttributeValues: item{":pk": s(patientPK(patientID)), ":j": s("J#")},
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(50),
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return nil, err
	}
	jobs := make([]*bptracker.Job, 0, len(out.Items))
	for _, it := range out.Items {
		jobs = append(jobs, decodeJob(patientID, it))
	}
	return jobs, nil
}

func (db *DB) FindJobChunk(ctx context.Context, patientID, id string, n int) ([]byte, error) {
	ctx = op(ctx, "FindJobChunk")
	it, err := db.get(ctx, patientPK(patientID), jobChunkSK(id, n), true)
	if err != nil {
		return nil, err
	}
	if it == nil {
		return nil, notFound("job chunk")
	}
	return getB(it, "d"), nil
}

func (db *DB) UpdateJob(ctx context.Context, j *bptracker.Job) error {
	ctx = op(ctx, "UpdateJob")
	err := db.put(ctx, jobItem(j), "attribute_exists(pk) AND v = :v", item{":v": n(int64(j.Version - 1))})
	if errors.Is(err, errCondition) {
		if _, ferr := db.FindJob(ctx, j.PatientID, j.ID); ferr != nil {
			return ferr
		}
		return bptracker.Errorf(bptracker.ECONFLICT, "the job moved on meanwhile")
	}
	if err != nil || j.Status == bptracker.JobRunning {
		return err
	}
	// A finished job's chunks are not kept beside the readings they became.
	for c := 0; c < j.Chunks; c++ {
		if _, err := db.del(ctx, patientPK(j.PatientID), jobChunkSK(j.ID, c), ""); err != nil {
			return err
		}
	}
	return nil
}
