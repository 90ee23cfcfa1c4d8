// Package dynamo implements bptracker.Store on one DynamoDB table.
//
// Every request path is a GetItem, Query, PutItem, UpdateItem, DeleteItem
// or a small TransactWriteItems on known keys; nothing scans. The key
// layout (pk / sk, and the overloaded index gsi1pk / gsi1sk):
//
//	item                  pk                 sk                         gsi1pk / gsi1sk
//	reading               P#<patient>        R<taken-at key><id>        -
//	reading home stub     P#<patient>        R<id-time key><id>         -   (m: the reading's sk)
//	reading pointer       P#<patient>        I#<id>                     -   (m: the reading's sk; ids that are not UUIDv7)
//	reading history       P#<patient>        H#<id>#<version>           -
//	grant                 P#<patient>        G#<id>                     GE#<grantee> / G#<id>
//	break-glass (copy)    P#<patient>        B#<id>                     -
//	break-glass           B#<id>             B                          BG / <created key><id>
//	user                  U#<id>             U                          USERS / <id>
//	session of a user     U#<user>           S#<id hash>                -   (TTL)
//	email index           E#<email index>    E                          -
//	session               S#<id hash>        S                          -   (TTL)
//	invitation            V#<code hash>      V                          VC#<created by> / <code hash>   (TTL)
//	data key              K#<owner>          K                          -
//	audit event           A#<chain>          <seq key>                  AA#<actor> / <time key>#<chain>#<seq key>, only when the actor is not the patient
//	audit chain registry  CHAINS             <chain>                    -
//
// A reading is one compact item: its health fields are one sealed binary
// attribute and its id and time live in the sort key. A reading whose id is
// a UUIDv7 minted from its taken-at time (see ReadingID) is found by id
// with no extra item; any other id also writes a small stub or pointer.
//
// For a change to data the store writes the audit event first and then the
// change (DynamoDB cannot commit an event that claims the next place in a
// chain and a change together without a transaction, which doubles the
// write cost); a change that then fails is followed by an event with outcome
// failure and the same resource id.
package dynamo

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/dynamo/schema"
)

// Config says which table to use and how to reach AWS: credentials and
// region come from AWS, the caller's SDK configuration (config.LoadDefaultConfig
// on a workstation, the Lambda environment in the function).
type Config struct {
	Table    string
	Endpoint string // e.g. DynamoDB Local's http://127.0.0.1:8000; "" for AWS
	AWS      aws.Config
}

// DB is a bptracker.Store on one DynamoDB table.
type DB struct {
	client *dynamodb.Client
	table  *string

	// Now is the clock, for the time of follow-up audit events.
	Now func() time.Time

	mu       sync.Mutex
	capacity map[string]Capacity
}

var _ bptracker.Store = (*DB)(nil)

// Capacity is consumed capacity, in units.
type Capacity struct {
	Read, Write float64
}

func newClient(cfg Config) *dynamodb.Client {
	awsCfg := cfg.AWS.Copy()
	if awsCfg.Region == "" && cfg.Endpoint != "" {
		awsCfg.Region = "us-east-1" // DynamoDB Local needs some region to sign for
	}
	return dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
		// Throttling and transient errors are retried with jittered
		// exponential backoff. No client-side retry quota: a burst of
		// throttling must slow requests down, not fail them.
		o.Retryer = retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 10
			o.MaxBackoff = 5 * time.Second
			o.RateLimiter = ratelimit.None
		})
	})
}

// Open returns a store on the table. It makes no request.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	if cfg.Table == "" {
		return nil, bptracker.Errorf(bptracker.EINVALID, "a DynamoDB table name is required")
	}
	client := newClient(cfg)
	return &DB{client: client, table: aws.String(cfg.Table), Now: time.Now, capacity: map[string]Capacity{}}, nil
}

// Close releases nothing: the SDK client holds no resources that need it.
func (db *DB) Close() error { return nil }

// CreateTable creates the table described by schema.Main, on-demand, waits
// until it is active and enables TTL on schema.Main.TTLAttribute. For local
// use and tests; the CDK app creates the deployed table from the same schema.
func CreateTable(ctx context.Context, cfg Config) error {
	if cfg.Table == "" {
		return bptracker.Errorf(bptracker.EINVALID, "a DynamoDB table name is required")
	}
	client := newClient(cfg)
	t := schema.Main
	seen := map[string]bool{}
	var attrs []types.AttributeDefinition
	attr := func(name string) {
		if name != "" && !seen[name] {
			seen[name] = true
			attrs = append(attrs, types.AttributeDefinition{AttributeName: aws.String(name), AttributeType: types.ScalarAttributeTypeS})
		}
	}
	keys := func(pk, sk string) []types.KeySchemaElement {
		attr(pk)
		ks := []types.KeySchemaElement{{AttributeName: aws.String(pk), KeyType: types.KeyTypeHash}}
		if sk != "" {
			attr(sk)
			ks = append(ks, types.KeySchemaElement{AttributeName: aws.String(sk), KeyType: types.KeyTypeRange})
		}
		return ks
	}
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(cfg.Table),
		KeySchema:   keys(t.PartitionKey, t.SortKey),
		BillingMode: types.BillingModePayPerRequest,
	}
	for _, ix := range t.Indexes {
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName:  aws.String(ix.Name),
			KeySchema:  keys(ix.PartitionKey, ix.SortKey),
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		})
	}
	in.AttributeDefinitions = attrs
	if _, err := client.CreateTable(ctx, in); err != nil {
		var inUse *types.ResourceInUseException
		if errors.As(err, &inUse) {
			return bptracker.Errorf(bptracker.ECONFLICT, "the table %s exists already", cfg.Table)
		}
		return fmt.Errorf("dynamo: create table: %w", err)
	}
	w := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) { o.MinDelay = 100 * time.Millisecond })
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(cfg.Table)}, 2*time.Minute); err != nil {
		return fmt.Errorf("dynamo: wait for table: %w", err)
	}
	if t.TTLAttribute != "" {
		_, err := client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
			TableName:               aws.String(cfg.Table),
			TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(t.TTLAttribute), Enabled: aws.Bool(true)},
		})
		if err != nil {
			return fmt.Errorf("dynamo: enable TTL: %w", err)
		}
	}
	return nil
}

// Consumed capacity, recorded per store method (and per method and
// DynamoDB call, as "Method/Call") from ReturnConsumedCapacity TOTAL.

type opKey struct{}

// op names the store method for capacity accounting; nested calls keep the
// outer name.
func op(ctx context.Context, name string) context.Context {
	if _, ok := ctx.Value(opKey{}).(string); ok {
		return ctx
	}
	return context.WithValue(ctx, opKey{}, name)
}

func (db *DB) record(ctx context.Context, call string, write bool, ccs ...types.ConsumedCapacity) {
	name, _ := ctx.Value(opKey{}).(string)
	if name == "" {
		name = "other"
	}
	var units float64
	for _, cc := range ccs {
		units += aws.ToFloat64(cc.CapacityUnits)
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	for _, k := range []string{name, name + "/" + call} {
		c := db.capacity[k]
		if write {
			c.Write += units
		} else {
			c.Read += units
		}
		db.capacity[k] = c
	}
}

// ConsumedCapacity returns the capacity consumed since the store was opened
// or last reset, by store method and by "Method/DynamoDBCall".
func (db *DB) ConsumedCapacity() map[string]Capacity {
	db.mu.Lock()
	defer db.mu.Unlock()
	out := make(map[string]Capacity, len(db.capacity))
	for k, v := range db.capacity {
		out[k] = v
	}
	return out
}

// ResetConsumedCapacity forgets the recorded capacity.
func (db *DB) ResetConsumedCapacity() {
	db.mu.Lock()
	defer db.mu.Unlock()
	clear(db.capacity)
}

// Thin wrappers over the SDK calls that ask for and record capacity.

type item = map[string]types.AttributeValue

func (db *DB) get(ctx context.Context, pk, sk string, consistent bool) (item, error) {
	out, err := db.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: db.table, Key: key(pk, sk), ConsistentRead: aws.Bool(consistent),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		return nil, fmt.Errorf("dynamo: get: %w", err)
	}
	if out.ConsumedCapacity != nil {
		db.record(ctx, "GetItem", false, *out.ConsumedCapacity)
	}
	if len(out.Item) == 0 {
		return nil, nil
	}
	return out.Item, nil
}

// put writes it; cond, if any, must hold. A failed condition returns
// errCondition.
func (db *DB) put(ctx context.Context, it item, cond string, vals item) error {
	in := &dynamodb.PutItemInput{TableName: db.table, Item: it, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal}
	if cond != "" {
		in.ConditionExpression = aws.String(cond)
		in.ExpressionAttributeValues = vals
	}
	out, err := db.client.PutItem(ctx, in)
	if out != nil && out.ConsumedCapacity != nil {
		db.record(ctx, "PutItem", true, *out.ConsumedCapacity)
	}
	return condErr(err, "put")
}

func (db *DB) update(ctx context.Context, pk, sk, expr, cond string, vals item) error {
	in := &dynamodb.UpdateItemInput{
		TableName: db.table, Key: key(pk, sk), UpdateExpression: aws.String(expr),
		ExpressionAttributeValues: vals, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	}
	if cond != "" {
		in.ConditionExpression = aws.String(cond)
	}
	out, err := db.client.UpdateItem(ctx, in)
	if out != nil && out.ConsumedCapacity != nil {
		db.record(ctx, "UpdateItem", true, *out.ConsumedCapacity)
	}
	return condErr(err, "update")
}

// del deletes an item and returns the old one (nil if there was none).
func (db *DB) del(ctx context.Context, pk, sk, cond string) (item, error) {
	in := &dynamodb.DeleteItemInput{
		TableName: db.table, Key: key(pk, sk), ReturnValues: types.ReturnValueAllOld,
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	}
	if cond != "" {
		in.ConditionExpression = aws.String(cond)
	}
	out, err := db.client.DeleteItem(ctx, in)
	if out != nil && out.ConsumedCapacity != nil {
		db.record(ctx, "DeleteItem", true, *out.ConsumedCapacity)
	}
	if err := condErr(err, "delete"); err != nil {
		return nil, err
	}
	if len(out.Attributes) == 0 {
		return nil, nil
	}
	return out.Attributes, nil
}

func (db *DB) query(ctx context.Context, in *dynamodb.QueryInput) (*dynamodb.QueryOutput, error) {
	in.TableName = db.table
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := db.client.Query(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("dynamo: query: %w", err)
	}
	if out.ConsumedCapacity != nil {
		db.record(ctx, "Query", false, *out.ConsumedCapacity)
	}
	return out, nil
}

// queryAll follows LastEvaluatedKey to the end (for small partitions).
func (db *DB) queryAll(ctx context.Context, in *dynamodb.QueryInput) ([]item, error) {
	var all []item
	for {
		out, err := db.query(ctx, in)
		if err != nil {
			return nil, err
		}
		all = append(all, out.Items...)
		if len(out.LastEvaluatedKey) == 0 {
			return all, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// transact writes items atomically. A failed condition returns errCondition;
// a conflict with another transaction is retried.
func (db *DB) transact(ctx context.Context, items []types.TransactWriteItem) error {
	for i := range items {
		for _, p := range []*types.Put{items[i].Put} {
			if p != nil {
				p.TableName = db.table
			}
		}
		if d := items[i].Delete; d != nil {
			d.TableName = db.table
		}
		if u := items[i].Update; u != nil {
			u.TableName = db.table
		}
		if c := items[i].ConditionCheck; c != nil {
			c.TableName = db.table
		}
	}
	for attempt := 0; ; attempt++ {
		out, err := db.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
			TransactItems: items, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
		})
		if out != nil {
			db.record(ctx, "TransactWriteItems", true, out.ConsumedCapacity...)
		}
		var tc *types.TransactionCanceledException
		if errors.As(err, &tc) {
			conflict := false
			for _, r := range tc.CancellationReasons {
				switch aws.ToString(r.Code) {
				case "ConditionalCheckFailed":
					return errCondition
				case "TransactionConflict":
					conflict = true
				}
			}
			if conflict && attempt < 20 {
				if err := sleep(ctx, backoff(attempt)); err != nil {
					return err
				}
				continue
			}
		}
		if err != nil {
			return fmt.Errorf("dynamo: transact: %w", err)
		}
		return nil
	}
}

// errCondition is a failed condition expression; callers say what it means.
var errCondition = errors.New("dynamo: condition failed")

func condErr(err error, what string) error {
	var cf *types.ConditionalCheckFailedException
	switch {
	case err == nil:
		return nil
	case errors.As(err, &cf):
		return errCondition
	}
	return fmt.Errorf("dynamo: %s: %w", what, err)
}

// backoff is a full-jitter exponential delay: 5 ms doubling to 640 ms.
func backoff(attempt int) time.Duration {
	d := 5 * time.Millisecond << min(attempt, 7)
	return time.Duration(rand.Int64N(int64(d)) + 1)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Attribute helpers. Empty values are left out: they cost bytes.

func key(pk, sk string) item {
	return item{"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberS{Value: sk}}
}

func setS(it item, k, v string) {
	if v != "" {
		it[k] = &types.AttributeValueMemberS{Value: v}
	}
}

func setN(it item, k string, v int64) {
	if v != 0 {
		it[k] = &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
	}
}

func setB(it item, k string, v []byte) {
	if len(v) > 0 {
		it[k] = &types.AttributeValueMemberB{Value: v}
	}
}

func setBool(it item, k string, v bool) {
	if v {
		it[k] = &types.AttributeValueMemberBOOL{Value: true}
	}
}

// setT stores a time as Unix nanoseconds; the zero time is left out.
func setT(it item, k string, t time.Time) {
	if !t.IsZero() {
		setN(it, k, t.UnixNano())
	}
}

func setTP(it item, k string, t *time.Time) {
	if t != nil {
		setT(it, k, *t)
	}
}

func getS(it item, k string) string {
	if v, ok := it[k].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func getN(it item, k string) int64 {
	if v, ok := it[k].(*types.AttributeValueMemberN); ok {
		n, _ := strconv.ParseInt(v.Value, 10, 64)
		return n
	}
	return 0
}

func getB(it item, k string) []byte {
	if v, ok := it[k].(*types.AttributeValueMemberB); ok {
		return v.Value
	}
	return nil
}

func getBool(it item, k string) bool {
	v, ok := it[k].(*types.AttributeValueMemberBOOL)
	return ok && v.Value
}

func getT(it item, k string) time.Time {
	if _, ok := it[k]; !ok {
		return time.Time{}
	}
	return time.Unix(0, getN(it, k)).UTC()
}

func getTP(it item, k string) *time.Time {
	if _, ok := it[k]; !ok {
		return nil
	}
	t := getT(it, k)
	return &t
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

// Sort-key encodings: order-preserving base64 of a big-endian uint64, 11
// characters, so string order is numeric order.

const sortable = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"

var sortEnc = base64.NewEncoding(sortable).WithPadding(base64.NoPadding)

const keyLen = 11

func uintKey(v uint64) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return sortEnc.EncodeToString(b[:])
}

func parseUintKey(k string) (uint64, bool) {
	if len(k) != keyLen {
		return 0, false
	}
	b, err := sortEnc.DecodeString(k)
	if err != nil || len(b) != 8 || sortEnc.EncodeToString(b) != k {
		return 0, false
	}
	return binary.BigEndian.Uint64(b), true
}

// timeKey orders instants, negative Unix times included.
func timeKey(t time.Time) string { return uintKey(uint64(t.UnixNano()) ^ 1<<63) }

func parseTimeKey(k string) (time.Time, bool) {
	v, ok := parseUintKey(k)
	if !ok {
		return time.Time{}, false
	}
	return time.Unix(0, int64(v^1<<63)).UTC(), true
}

func seqKey(seq int64) string { return uintKey(uint64(seq)) }

// Cursors are base64url JSON, checked strictly when they come back.

func encodeCursor(v any) string {
	b, _ := json.Marshal(v) // small structs of strings and numbers
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(c string, v any) error {
	bad := bptracker.Errorf(bptracker.EINVALID, "the cursor is not valid")
	if len(c) > 2048 {
		return bad
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return bad
	}
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil || d.More() {
		return bad
	}
	return nil
}

func limit(n, def, max int) int {
	if n <= 0 {
		return def
	}
	return min(n, max)
}

func notFound(what string) error { return bptracker.Errorf(bptracker.ENOTFOUND, "%s not found", what) }
