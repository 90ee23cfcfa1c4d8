package dynamo

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/dynamo/schema"
)

func sessionPK(idHash string) string { return "S#" + idHash }

// A session is one item found by its id hash, plus a small item in its
// user's partition so that "sign out everywhere" finds every session with a
// strongly consistent Query. Both expire through TTL.

func sessionItem(x *bptracker.Session) item {
	it := key(sessionPK(x.IDHash), "S")
	setS(it, "u", x.UserID)
	setS(it, "st", string(x.State))
	setT(it, "ca", x.CreatedAt)
	setT(it, "ls", x.LastSeen)
	setT(it, "ea", x.ExpiresAt)
	setS(it, "ip", x.SourceIP)
	setS(it, "ua", x.UserAgent)
	setB(it, "s", x.Sealed)
	setTTL(it, x.ExpiresAt)
	return it
}

// setTTL sets the expiry DynamoDB deletes the item after (epoch seconds).
func setTTL(it item, t time.Time) {
	if !t.IsZero() {
		it[schema.Main.TTLAttribute] = n(t.Unix() + 1)
	}
}

func decodeSession(it item) *bptracker.Session {
	h, _ := strings.CutPrefix(getS(it, "pk"), "S#")
	return &bptracker.Session{
		IDHash:    h,
		UserID:    getS(it, "u"),
		State:     bptracker.SessionState(getS(it, "st")),
		CreatedAt: getT(it, "ca"),
		LastSeen:  getT(it, "ls"),
		ExpiresAt: getT(it, "ea"),
		SourceIP:  getS(it, "ip"),
		UserAgent: getS(it, "ua"),
		Sealed:    getB(it, "s"),
	}
}

func (db *DB) CreateSession(ctx context.Context, x *bptracker.Session) error {
	ctx = op(ctx, "CreateSession")
	if x.IDHash == "" || x.UserID == "" {
		return bptracker.Errorf(bptracker.EINVALID, "a session needs an id hash and a user")
	}
	// The user's item first: a session that exists is always found by
	// DeleteUserSessions.
	member := key(userPK(x.UserID), "S#"+x.IDHash)
	setTTL(member, x.ExpiresAt)
	if err := db.put(ctx, member, "", nil); err != nil {
		return err
	}
	err := db.put(ctx, sessionItem(x), "attribute_not_exists(pk)", nil)
	if errors.Is(err, errCondition) {
		return bptracker.Errorf(bptracker.ECONFLICT, "the session exists already")
	}
	return err
}

// FindSession is one strongly consistent GetItem: sign-out takes effect at
// once.
func (db *DB) FindSession(ctx context.Context, idHash string) (*bptracker.Session, error) {
	ctx = op(ctx, "FindSession")
	if idHash == "" {
		return nil, notFound("session")
	}
	it, err := db.get(ctx, sessionPK(idHash), "S", true)
	if err != nil {
		return nil, err
	}
	if it == nil {
		return nil, notFound("session")
	}
	return decodeSession(it), nil
}

func (db *DB) TouchSession(ctx context.Context, idHash string, lastSeen time.Time) error {
	ctx = op(ctx, "TouchSession")
	if idHash == "" {
		return notFound("session")
	}
	err := db.update(ctx, sessionPK(idHash), "S", "SET ls = :t", "attribute_exists(pk)", item{":t": n(lastSeen.UnixNano())})
	if errors.Is(err, errCondition) {
		return notFound("session")
	}
	return err
}

// DeleteSession deletes a session; deleting one that is gone is no error.
func (db *DB) DeleteSession(ctx context.Context, idHash string) error {
	ctx = op(ctx, "DeleteSession")
	old, err := db.del(ctx, sessionPK(idHash), "S", "")
	if err != nil || old == nil {
		return err
	}
	_, err = db.del(ctx, userPK(getS(old, "u")), "S#"+idHash, "")
	return err
}

func (db *DB) userSessionHashes(ctx context.Context, userID string) ([]string, error) {
	its, err := db.queryAll(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :s)"),
		ExpressionAttributeValues: item{":pk": s(userPK(userID)), ":s": s("S#")},
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return nil, err
	}
	out := make([]string, len(its))
	for i, it := range its {
		out[i] = strings.TrimPrefix(getS(it, "sk"), "S#")
	}
	return out, nil
}

func (db *DB) FindUserSessions(ctx context.Context, userID string) ([]*bptracker.Session, error) {
	ctx = op(ctx, "FindUserSessions")
	hashes, err := db.userSessionHashes(ctx, userID)
	if err != nil {
		return nil, err
	}
	var out []*bptracker.Session
	for _, h := range hashes {
		it, err := db.get(ctx, sessionPK(h), "S", true)
		if err != nil {
			return nil, err
		}
		if it != nil && getS(it, "u") == userID {
			out = append(out, decodeSession(it))
		}
	}
	return out, nil
}

func (db *DB) DeleteUserSessions(ctx context.Context, userID string) error {
	ctx = op(ctx, "DeleteUserSessions")
	hashes, err := db.userSessionHashes(ctx, userID)
	if err != nil {
		return err
	}
	for _, h := range hashes {
		if _, err := db.del(ctx, sessionPK(h), "S", ""); err != nil {
			return err
		}
		if _, err := db.del(ctx, userPK(userID), "S#"+h, ""); err != nil {
			return err
		}
	}
	return nil
}
