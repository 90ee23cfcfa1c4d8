package dynamo

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/uuid"

	"github.com/bptracker/bptracker"
)

const chainsPK = "CHAINS"

func auditPK(chain string) string { return "A#" + chain }

// maxAppendAttempts bounds the retries of a contended chain head; with
// jittered backoff, eight writers on one chain need far fewer.
const maxAppendAttempts = 200

// AppendAudit seals ev after the head of its chain and stores it. The head
// is read with a strongly consistent Query (newest first, limit 1); the
// event claims the next sequence number with a conditional put, and a
// writer that loses the race reads the new head and tries again.
func (db *DB) AppendAudit(ctx context.Context, ev *bptracker.AuditEvent) error {
	ctx = op(ctx, "AppendAudit")
	ev.Chain = bptracker.ChainFor(ev.PatientID)
	pk := auditPK(ev.Chain)
	for attempt := 0; ; attempt++ {
		prev, err := db.auditHead(ctx, ev.Chain)
		if err != nil {
			return err
		}
		if prev == nil {
			// Register the chain before its first event, so a verifier
			// never misses a chain (an idempotent put).
			it := key(chainsPK, ev.Chain)
			if err := db.put(ctx, it, "", nil); err != nil {
				return err
			}
		}
		ev.Seal(prev)
		err = db.put(ctx, auditItem(ev), "attribute_not_exists(pk)", nil)
		if !errors.Is(err, errCondition) {
			return err
		}
		if attempt >= maxAppendAttempts {
			return fmt.Errorf("dynamo: audit chain %s: no free sequence number after %d attempts", pk, attempt)
		}
		if err := sleep(ctx, backoff(attempt)); err != nil {
			return err
		}
	}
}

// auditHead returns the newest event of a chain, or nil.
func (db *DB) auditHead(ctx context.Context, chain string) (*bptracker.AuditEvent, error) {
	out, err := db.query(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: item{":pk": s(auditPK(chain))},
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(1),
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil || len(out.Items) == 0 {
		return nil, err
	}
	return decodeAudit(out.Items[0])
}

// audited records a change: the event first, then the change; if the change
// fails, a follow-up event with outcome failure and the same resource id.
func (db *DB) audited(ctx context.Context, ev *bptracker.AuditEvent, change func() error) error {
	if ev != nil {
		if err := db.AppendAudit(ctx, ev); err != nil {
			return err
		}
	}
	err := change()
	if err == nil || ev == nil {
		return err
	}
	now := db.Now().UTC()
	if now.Before(ev.Time) {
		now = ev.Time
	}
	fu := &bptracker.AuditEvent{
		ID:         uuid.Must(uuid.NewV7()).String(),
		Time:       now,
		ActorID:    ev.ActorID,
		ActorRole:  ev.ActorRole,
		Action:     ev.Action,
		PatientID:  ev.PatientID,
		ResourceID: ev.ResourceID,
		Outcome:    bptracker.OutcomeFailure,
		SourceIP:   ev.SourceIP,
		UserAgent:  ev.UserAgent,
		RequestID:  ev.RequestID,
		Via:        ev.Via,
		Detail:     "follow-up to event " + ev.ID + ": the change failed (" + bptracker.ErrorCode(err) + ")",
	}
	if aerr := db.AppendAudit(context.WithoutCancel(ctx), fu); aerr != nil {
		return errors.Join(err, aerr)
	}
	return err
}

// auditItem encodes an event with short attribute names; the hashes are
// stored as raw bytes. Chain and Seq live in the key.
func auditItem(e *bptracker.AuditEvent) item {
	it := key(auditPK(e.Chain), seqKey(e.Seq))
	setS(it, "id", e.ID)
	setN(it, "t", e.Time.UnixNano())
	setS(it, "a", e.ActorID)
	setS(it, "ar", string(e.ActorRole))
	setS(it, "ac", e.Action)
	if e.PatientID != patientOfChain(e.Chain) {
		it["p"] = s(e.PatientID)
	}
	setS(it, "r", e.ResourceID)
	setS(it, "o", e.Outcome)
	setS(it, "ip", e.SourceIP)
	setS(it, "ua", e.UserAgent)
	setS(it, "rq", e.RequestID)
	setS(it, "vi", e.Via)
	setS(it, "de", e.Detail)
	setHash(it, "ph", e.PrevHash)
	setHash(it, "h", e.Hash)
	// Events by someone other than the patient (carers, providers, admins,
	// sign-ins) are indexed by actor. A patient's own actions are found in
	// their chain, which keeps the hot path (a patient adding a reading)
	// at one write unit for its event.
	if e.ActorID != "" && e.ActorID != e.PatientID {
		it["gsi1pk"] = s("AA#" + e.ActorID)
		it["gsi1sk"] = s(actorSK(e))
	}
	return it
}

func actorSK(e *bptracker.AuditEvent) string {
	return timeKey(e.Time) + "#" + e.Chain + "#" + seqKey(e.Seq)
}

func patientOfChain(chain string) string {
	if chain == bptracker.SystemChain {
		return ""
	}
	return chain
}

// setHash stores a hex SHA-256 as its 32 bytes, anything else as a string.
func setHash(it item, k, h string) {
	if b, err := hex.DecodeString(h); err == nil && len(b) == 32 && hex.EncodeToString(b) == h {
		setB(it, k, b)
		return
	}
	setS(it, k, h)
}

func getHash(it item, k string) string {
	if b := getB(it, k); b != nil {
		return hex.EncodeToString(b)
	}
	return getS(it, k)
}

func decodeAudit(it item) (*bptracker.AuditEvent, error) {
	chain, ok := strings.CutPrefix(getS(it, "pk"), "A#")
	seq, ok2 := parseUintKey(getS(it, "sk"))
	if !ok || !ok2 {
		return nil, fmt.Errorf("dynamo: malformed audit key %q/%q", getS(it, "pk"), getS(it, "sk"))
	}
	e := &bptracker.AuditEvent{
		Chain:      chain,
		Seq:        int64(seq),
		ID:         getS(it, "id"),
		Time:       time.Unix(0, getN(it, "t")).UTC(),
		ActorID:    getS(it, "a"),
		ActorRole:  bptracker.Role(getS(it, "ar")),
		Action:     getS(it, "ac"),
		PatientID:  patientOfChain(chain),
		ResourceID: getS(it, "r"),
		Outcome:    getS(it, "o"),
		SourceIP:   getS(it, "ip"),
		UserAgent:  getS(it, "ua"),
		RequestID:  getS(it, "rq"),
		Via:        getS(it, "vi"),
		Detail:     getS(it, "de"),
		PrevHash:   getHash(it, "ph"),
		Hash:       getHash(it, "h"),
	}
	if _, ok := it["p"]; ok {
		e.PatientID = getS(it, "p")
	}
	return e, nil
}

// AuditChains lists every chain from the registry.
func (db *DB) AuditChains(ctx context.Context) ([]string, error) {
	ctx = op(ctx, "AuditChains")
	its, err := db.queryAll(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: item{":pk": s(chainsPK)},
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return nil, err
	}
	out := make([]string, len(its))
	for i, it := range its {
		out[i] = getS(it, "sk")
	}
	return out, nil
}

// FindAuditChain returns events of one chain with seq > afterSeq in order.
func (db *DB) FindAuditChain(ctx context.Context, chain string, afterSeq int64, lim int) ([]*bptracker.AuditEvent, error) {
	ctx = op(ctx, "FindAuditChain")
	lim = limit(lim, 1000, 10000)
	in := &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("pk = :pk AND sk > :after"),
		ExpressionAttributeValues: item{":pk": s(auditPK(chain)), ":after": s(seqKey(max(afterSeq, 0)))},
		ConsistentRead:            aws.Bool(true),
	}
	var out []*bptracker.AuditEvent
	for len(out) < lim {
		in.Limit = aws.Int32(int32(lim - len(out)))
		res, err := db.query(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, it := range res.Items {
			e, err := decodeAudit(it)
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
		if len(res.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = res.LastEvaluatedKey
	}
	return out, nil
}

// An audit position orders events newest first across chains: by time,
// then chain, then sequence number.
type auditPos struct {
	T int64  `json:"t"`
	C string `json:"c"`
	S int64  `json:"s"`
	// P binds a cursor to the filter's patient or actor it came from.
	P string `json:"p,omitempty"`
}

func posOf(e *bptracker.AuditEvent) auditPos {
	return auditPos{T: e.Time.UnixNano(), C: e.Chain, S: e.Seq}
}

// before reports whether a comes after b in newest-first order.
func (a auditPos) before(b auditPos) bool {
	if a.T != b.T {
		return a.T < b.T
	}
	if a.C != b.C {
		return a.C < b.C
	}
	return a.S < b.S
}

// auditSource yields events newest first.
type auditSource struct {
	db     *DB
	in     *dynamodb.QueryInput
	buf    []*bptracker.AuditEvent
	done   bool
	cursor *auditPos
	from   int64 // stop below this time (0: no bound)
	keep   func(*bptracker.AuditEvent) bool
}

// peek returns the next event the source would yield, or nil at its end.
func (s *auditSource) peek(ctx context.Context) (*bptracker.AuditEvent, error) {
	for len(s.buf) == 0 && !s.done {
		out, err := s.db.query(ctx, s.in)
		if err != nil {
			return nil, err
		}
		for _, it := range out.Items {
			e, err := decodeAudit(it)
			if err != nil {
				return nil, err
			}
			if s.from != 0 && e.Time.UnixNano() < s.from {
				// Times rise with sequence numbers in a chain (and the
				// index is ordered by time): nothing older can match.
				s.done = true
				break
			}
			if s.cursor != nil && !posOf(e).before(*s.cursor) {
				continue
			}
			if s.keep == nil || s.keep(e) {
				s.buf = append(s.buf, e)
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			s.done = true
		}
		s.in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	if len(s.buf) == 0 {
		return nil, nil
	}
	return s.buf[0], nil
}

// FindAuditEvents returns matching events, newest first. With a patient it
// reads that patient's chain; with an actor, the actor index (events on
// others' records and on the system chain) merged with the actor's own
// chain; with neither, it merges every chain (an admin's rare, unfiltered
// review).
func (db *DB) FindAuditEvents(ctx context.Context, f bptracker.AuditFilter) ([]*bptracker.AuditEvent, string, error) {
	ctx = op(ctx, "FindAuditEvents")
	lim := limit(f.Limit, 100, 1000)
	scope := "p:" + f.PatientID
	if f.PatientID == "" {
		scope = "a:" + f.ActorID
	}
	var cur *auditPos
	if f.Cursor != "" {
		cur = new(auditPos)
		if err := decodeCursor(f.Cursor, cur); err != nil {
			return nil, "", err
		}
		if cur.P != scope || cur.C == "" || cur.S < 1 {
			return nil, "", bptracker.Errorf(bptracker.EINVALID, "the cursor is not valid")
		}
	}
	var from, to int64
	if f.From != nil {
		from = f.From.UnixNano()
	}
	if f.To != nil {
		to = f.To.UnixNano()
	}
	match := func(e *bptracker.AuditEvent) bool {
		t := e.Time.UnixNano()
		return (f.ActorID == "" || e.ActorID == f.ActorID) &&
			(f.PatientID == "" || e.PatientID == f.PatientID) &&
			(f.Action == "" || e.Action == f.Action) &&
			(f.From == nil || t >= from) && (f.To == nil || t < to)
	}
	page := int32(min(lim+1, 200))
	chainSource := func(chain string) *auditSource {
		in := &dynamodb.QueryInput{
			KeyConditionExpression:    aws.String("pk = :pk"),
			ExpressionAttributeValues: item{":pk": s(auditPK(chain))},
			ScanIndexForward:          aws.Bool(false),
			Limit:                     aws.Int32(page),
		}
		if cur != nil && cur.C == chain {
			in.ExclusiveStartKey = key(auditPK(chain), seqKey(cur.S))
		}
		return &auditSource{db: db, in: in, cursor: cur, from: from, keep: match}
	}
	var sources []*auditSource
	switch {
	case f.PatientID != "":
		sources = append(sources, chainSource(bptracker.ChainFor(f.PatientID)))
	case f.ActorID != "":
		// The actor's own chain holds the events they did on their own
		// record, which the actor index leaves out.
		sources = append(sources, chainSource(f.ActorID))
		in := &dynamodb.QueryInput{
			IndexName:                 aws.String("gsi1"),
			KeyConditionExpression:    aws.String("gsi1pk = :pk"),
			ExpressionAttributeValues: item{":pk": s("AA#" + f.ActorID)},
			ScanIndexForward:          aws.Bool(false),
			Limit:                     aws.Int32(page),
		}
		if cur != nil {
			in.KeyConditionExpression = aws.String("gsi1pk = :pk AND gsi1sk < :cur")
			in.ExpressionAttributeValues[":cur"] = s(timeKey(time.Unix(0, cur.T)) + "#" + cur.C + "#" + seqKey(cur.S))
		}
		sources = append(sources, &auditSource{db: db, in: in, cursor: cur, from: from, keep: match})
	default:
		chains, err := db.AuditChains(ctx)
		if err != nil {
			return nil, "", err
		}
		for _, c := range chains {
			sources = append(sources, chainSource(c))
		}
	}
	var out []*bptracker.AuditEvent
	for len(out) <= lim {
		var best *auditSource
		var bestEv *bptracker.AuditEvent
		for _, src := range sources {
			e, err := src.peek(ctx)
			if err != nil {
				return nil, "", err
			}
			if e != nil && (bestEv == nil || posOf(bestEv).before(posOf(e))) {
				best, bestEv = src, e
			}
		}
		if best == nil {
			break
		}
		best.buf = best.buf[1:]
		out = append(out, bestEv)
	}
	next := ""
	if len(out) > lim {
		out = out[:lim]
		p := posOf(out[lim-1])
		p.P = scope
		next = encodeCursor(p)
	}
	return out, next, nil
}
