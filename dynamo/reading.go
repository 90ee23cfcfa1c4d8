package dynamo

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/bptracker/bptracker"
)

// ReadingID returns a new UUIDv7 whose timestamp is takenAt's millisecond.
// A reading with such an id, taken at a whole millisecond, is found by id
// from its sort key alone, so adding it writes one item (plus its audit
// event) instead of two.
func ReadingID(takenAt time.Time) string {
	u := uuid.Must(uuid.NewV7())
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(takenAt.UnixMilli()))
	copy(u[:6], b[2:])
	return u.String()
}

func patientPK(p string) string { return "P#" + p }

func readingSK(takenAt time.Time, id string) string { return "R" + timeKey(takenAt) + id }

// homeSK is where a reading with a canonical UUIDv7 id sits when it was
// taken at its id's millisecond; otherwise a stub there points to it, so
// the id is found, and claimed, at a key derived from the id alone.
func homeSK(id string) (string, bool) {
	u, err := uuid.Parse(id)
	if err != nil || u.Version() != 7 || u.String() != id {
		return "", false
	}
	var b [8]byte
	copy(b[2:], u[:6])
	ms := int64(binary.BigEndian.Uint64(b[:]))
	return readingSK(time.UnixMilli(ms), id), true
}

// locatorSK is the item that names a reading's current sort key: the home
// stub for UUIDv7 ids, a pointer for any other.
func locatorSK(id string) string {
	if h, ok := homeSK(id); ok {
		return h
	}
	return "I#" + id
}

func historySK(id string, version int) string { return fmt.Sprintf("H#%s#%010d", id, version) }

// readingItem encodes a reading at its sort key. The patient, id and time
// live in the keys; UpdatedBy is left out when it is the patient.
func readingItem(r *bptracker.ReadingRecord) item {
	it := key(patientPK(r.PatientID), readingSK(r.TakenAt, r.ID))
	setReadingAttrs(it, r)
	return it
}

func setReadingAttrs(it item, r *bptracker.ReadingRecord) {
	it["v"] = n(int64(r.Version))
	setBool(it, "d", r.Deleted)
	setB(it, "s", r.Sealed)
	if r.UpdatedBy != r.PatientID {
		it["ub"] = s(r.UpdatedBy)
	}
	setT(it, "ua", r.UpdatedAt)
}

func decodeReading(it item) (*bptracker.ReadingRecord, error) {
	pk, sk := getS(it, "pk"), getS(it, "sk")
	patient, ok := strings.CutPrefix(pk, "P#")
	if !ok || len(sk) <= 1+keyLen || sk[0] != 'R' {
		return nil, fmt.Errorf("dynamo: malformed reading key")
	}
	t, ok := parseTimeKey(sk[1 : 1+keyLen])
	if !ok {
		return nil, fmt.Errorf("dynamo: malformed reading time key")
	}
	r := &bptracker.ReadingRecord{ID: sk[1+keyLen:], PatientID: patient, TakenAt: t}
	decodeReadingAttrs(it, r)
	return r, nil
}

func decodeReadingAttrs(it item, r *bptracker.ReadingRecord) {
	r.Version = int(getN(it, "v"))
	r.Deleted = getBool(it, "d")
	r.Sealed = getB(it, "s")
	r.UpdatedBy = r.PatientID
	if _, ok := it["ub"]; ok {
		r.UpdatedBy = getS(it, "ub")
	}
	r.UpdatedAt = getT(it, "ua")
}

// locate finds a reading's current item and sort key (strongly consistent).
func (db *DB) locate(ctx context.Context, patientID, id string) (item, string, error) {
	if patientID == "" || id == "" {
		return nil, "", notFound("reading")
	}
	pk := patientPK(patientID)
	loc := locatorSK(id)
	it, err := db.get(ctx, pk, loc, true)
	if err != nil {
		return nil, "", err
	}
	if it == nil {
		return nil, "", notFound("reading")
	}
	if _, stub := it["m"]; !stub {
		return it, loc, nil
	}
	sk := getS(it, "m")
	it, err = db.get(ctx, pk, sk, true)
	if err != nil {
		return nil, "", err
	}
	if it == nil {
		return nil, "", notFound("reading")
	}
	return it, sk, nil
}

func (db *DB) FindReadingByID(ctx context.Context, patientID, id string) (*bptracker.ReadingRecord, error) {
	ctx = op(ctx, "FindReadingByID")
	it, _, err := db.locate(ctx, patientID, id)
	if err != nil {
		return nil, err
	}
	return decodeReading(it)
}

type readingCursor struct {
	P string `json:"p"` // the patient the cursor belongs to
	K string `json:"k"` // the sort key of the last reading returned
}

// FindReadings reads one page of a patient's readings, newest first, with
// an eventually consistent Query on the sort key's time range.
func (db *DB) FindReadings(ctx context.Context, f bptracker.ReadingFilter) ([]*bptracker.ReadingRecord, string, error) {
	ctx = op(ctx, "FindReadings")
	if f.PatientID == "" {
		return nil, "", bptracker.Errorf(bptracker.EINVALID, "a patient is required")
	}
	lim := limit(f.Limit, 100, 1000)
	lo, hi := "R", "S"
	if f.From != nil {
		lo = "R" + timeKey(*f.From)
	}
	if f.To != nil {
		hi = "R" + timeKey(*f.To) // every reading at To sorts after it
	}
	in := &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("pk = :pk AND sk BETWEEN :lo AND :hi"),
		ExpressionAttributeValues: item{":pk": s(patientPK(f.PatientID)), ":lo": s(lo), ":hi": s(hi)},
		ScanIndexForward:          aws.Bool(false),
	}
	if f.Cursor != "" {
		var c readingCursor
		if err := decodeCursor(f.Cursor, &c); err != nil {
			return nil, "", err
		}
		if c.P != f.PatientID || len(c.K) <= 1+keyLen || c.K[0] != 'R' {
			return nil, "", bptracker.Errorf(bptracker.EINVALID, "the cursor is not valid")
		}
		if c.K > hi { // from a listing with another range
			return nil, "", bptracker.Errorf(bptracker.EINVALID, "the cursor is not valid")
		}
		if c.K < lo {
			return nil, "", nil
		}
		in.ExclusiveStartKey = key(patientPK(f.PatientID), c.K)
	}
	if lo > hi {
		return nil, "", nil
	}
	var out []*bptracker.ReadingRecord
	var keys []string
	for len(out) <= lim {
		in.Limit = aws.Int32(int32(lim + 1 - len(out)))
		res, err := db.query(ctx, in)
		if err != nil {
			return nil, "", err
		}
		for _, it := range res.Items {
			if _, stub := it["m"]; stub || (!f.WithDeleted && getBool(it, "d")) {
				continue
			}
			r, err := decodeReading(it)
			if err != nil {
				return nil, "", err
			}
			out, keys = append(out, r), append(keys, getS(it, "sk"))
		}
		if len(res.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = res.LastEvaluatedKey
	}
	next := ""
	if len(out) > lim {
		out = out[:lim]
		next = encodeCursor(readingCursor{P: f.PatientID, K: keys[lim-1]})
	}
	return out, next, nil
}

// readingWrites are the puts that create one reading: the reading, and a
// stub or pointer at its locator when the reading does not sit there.
func readingWrites(r *bptracker.ReadingRecord) []item {
	it := readingItem(r)
	loc := locatorSK(r.ID)
	if loc == getS(it, "sk") {
		return []item{it}
	}
	stub := key(patientPK(r.PatientID), loc)
	stub["m"] = s(getS(it, "sk"))
	return []item{stub, it}
}

// maxTransactItems stays within DynamoDB's limit on one transaction.
const maxTransactItems = 100

// CreateReadings stores new readings. One reading is one conditional put
// (two when it needs a locator, the locator first: it claims the id). A
// batch is written in transactions of up to 100 items; if a later
// transaction fails, the readings of the earlier ones are deleted again.
func (db *DB) CreateReadings(ctx context.Context, recs []*bptracker.ReadingRecord, ev *bptracker.AuditEvent) error {
	ctx = op(ctx, "CreateReadings")
	if len(recs) == 0 {
		return nil
	}
	seen := map[string]bool{}
	for _, r := range recs {
		if r.PatientID == "" || r.ID == "" {
			return bptracker.Errorf(bptracker.EINVALID, "a reading needs an id and a patient")
		}
		if seen[r.PatientID+"/"+r.ID] {
			return bptracker.Errorf(bptracker.ECONFLICT, "reading %s appears twice", r.ID)
		}
		seen[r.PatientID+"/"+r.ID] = true
	}
	return db.audited(ctx, ev, func() error {
		if len(recs) == 1 {
			return db.createOne(ctx, recs[0])
		}
		return db.createBatch(ctx, recs)
	})
}

func (db *DB) createOne(ctx context.Context, r *bptracker.ReadingRecord) error {
	writes := readingWrites(r)
	for i, it := range writes {
		err := db.put(ctx, it, "attribute_not_exists(pk)", nil)
		if err == nil {
			continue
		}
		if i > 0 { // undo the locator this call wrote
			db.del(context.WithoutCancel(ctx), getS(writes[0], "pk"), getS(writes[0], "sk"), "")
		}
		if errors.Is(err, errCondition) {
			return bptracker.Errorf(bptracker.ECONFLICT, "reading %s exists already", r.ID)
		}
		return err
	}
	return nil
}

func (db *DB) createBatch(ctx context.Context, recs []*bptracker.ReadingRecord) error {
	var chunks [][]item
	var cur []item
	for _, r := range recs {
		w := readingWrites(r)
		if len(cur)+len(w) > maxTransactItems {
			chunks, cur = append(chunks, cur), nil
		}
		cur = append(cur, w...)
	}
	chunks = append(chunks, cur)
	for i, chunk := range chunks {
		tx := make([]types.TransactWriteItem, len(chunk))
		for j, it := range chunk {
			tx[j] = types.TransactWriteItem{Put: &types.Put{Item: it, ConditionExpression: aws.String("attribute_not_exists(pk)")}}
		}
		err := db.transact(ctx, tx)
		if err == nil {
			continue
		}
		for _, done := range chunks[:i] {
			for _, it := range done {
				if _, derr := db.del(context.WithoutCancel(ctx), getS(it, "pk"), getS(it, "sk"), ""); derr != nil {
					err = errors.Join(err, derr)
				}
			}
		}
		if errors.Is(err, errCondition) {
			return bptracker.Errorf(bptracker.ECONFLICT, "a reading of the batch exists already")
		}
		return err
	}
	return nil
}

// UpdateReading replaces a reading whose stored version is rec.Version-1.
// It copies the stored version to the history first (that copy is the same
// whichever writer makes it), then writes the new version on the
// condition that the stored version is still the old one. A new taken-at
// time moves the item, in one transaction with its locator.
func (db *DB) UpdateReading(ctx context.Context, rec *bptracker.ReadingRecord, ev *bptracker.AuditEvent) error {
	ctx = op(ctx, "UpdateReading")
	cur, curSK, err := db.locate(ctx, rec.PatientID, rec.ID)
	if err != nil {
		return err
	}
	old, err := decodeReading(cur)
	if err != nil {
		return err
	}
	if old.Version != rec.Version-1 {
		return bptracker.Errorf(bptracker.ECONFLICT, "reading %s has version %d, not %d", rec.ID, old.Version, rec.Version-1)
	}
	conflict := bptracker.Errorf(bptracker.ECONFLICT, "reading %s was changed by someone else", rec.ID)
	return db.audited(ctx, ev, func() error {
		pk := patientPK(rec.PatientID)
		hist := key(pk, historySK(rec.ID, old.Version))
		setN(hist, "t", old.TakenAt.UnixNano())
		setReadingAttrs(hist, old)
		if err := db.put(ctx, hist, "attribute_not_exists(pk)", nil); err != nil && !errors.Is(err, errCondition) {
			return err
		}
		vals := item{":v": n(int64(old.Version))}
		isVersion := "attribute_exists(pk) AND attribute_not_exists(m) AND v = :v"
		next := readingItem(rec)
		newSK := getS(next, "sk")
		if newSK == curSK {
			err := db.put(ctx, next, isVersion, vals)
			if errors.Is(err, errCondition) {
				return conflict
			}
			return err
		}
		loc := locatorSK(rec.ID)
		var tx []types.TransactWriteItem
		if curSK == loc {
			// Leaving home: a stub takes the reading's place.
			stub := key(pk, loc)
			stub["m"] = s(newSK)
			tx = append(tx, types.TransactWriteItem{Put: &types.Put{Item: stub, ConditionExpression: aws.String(isVersion), ExpressionAttributeValues: vals}})
		} else {
			tx = append(tx, types.TransactWriteItem{Delete: &types.Delete{Key: key(pk, curSK), ConditionExpression: aws.String(isVersion), ExpressionAttributeValues: vals}})
			if newSK != loc {
				stub := key(pk, loc)
				stub["m"] = s(newSK)
				tx = append(tx, types.TransactWriteItem{Put: &types.Put{Item: stub, ConditionExpression: aws.String("m = :cur"), ExpressionAttributeValues: item{":cur": s(curSK)}}})
			}
		}
		put := &types.Put{Item: next, ConditionExpression: aws.String("attribute_not_exists(pk)")}
		if newSK == loc { // coming home: the reading replaces its stub
			put.ConditionExpression = aws.String("m = :cur")
			put.ExpressionAttributeValues = item{":cur": s(curSK)}
		}
		tx = append(tx, types.TransactWriteItem{Put: put})
		err := db.transact(ctx, tx)
		if errors.Is(err, errCondition) {
			return conflict
		}
		return err
	})
}

// FindReadingHistory returns every version of a reading, oldest first.
func (db *DB) FindReadingHistory(ctx context.Context, patientID, id string) ([]*bptracker.ReadingRecord, error) {
	ctx = op(ctx, "FindReadingHistory")
	cur, _, err := db.locate(ctx, patientID, id)
	if err != nil {
		return nil, err
	}
	last, err := decodeReading(cur)
	if err != nil {
		return nil, err
	}
	its, err := db.queryAll(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :h)"),
		ExpressionAttributeValues: item{":pk": s(patientPK(patientID)), ":h": s("H#" + id + "#")},
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return nil, err
	}
	var out []*bptracker.ReadingRecord
	for _, it := range its {
		r := &bptracker.ReadingRecord{ID: id, PatientID: patientID, TakenAt: getT(it, "t")}
		decodeReadingAttrs(it, r)
		if r.Version < last.Version {
			out = append(out, r)
		}
	}
	out = append(out, last)
	slices.SortFunc(out, func(a, b *bptracker.ReadingRecord) int { return a.Version - b.Version })
	return out, nil
}
