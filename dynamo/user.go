package dynamo

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bptracker/bptracker"
)

func userPK(id string) string     { return "U#" + id }
func emailPK(index string) string { return "E#" + index }

const usersGSI = "USERS"

func userItem(u *bptracker.UserRecord) item {
	it := key(userPK(u.ID), "U")
	setS(it, "r", string(u.Role))
	setS(it, "st", string(u.Status))
	setS(it, "ei", u.EmailIndex)
	setS(it, "ph", u.PasswordHash)
	setS(it, "xid", u.ExternalID)
	setBool(it, "mfa", u.MFAEnabled)
	setN(it, "tls", u.TOTPLastStep)
	setN(it, "fa", int64(u.FailedAttempts))
	setT(it, "lu", u.LockedUntil)
	setB(it, "s", u.Sealed)
	it["v"] = n(int64(u.Version))
	setT(it, "ca", u.CreatedAt)
	setT(it, "ua", u.UpdatedAt)
	it["gsi1pk"] = s(usersGSI)
	it["gsi1sk"] = s(u.ID)
	return it
}

func decodeUser(it item) *bptracker.UserRecord {
	id, _ := strings.CutPrefix(getS(it, "pk"), "U#")
	return &bptracker.UserRecord{
		ID:             id,
		Role:           bptracker.Role(getS(it, "r")),
		Status:         bptracker.UserStatus(getS(it, "st")),
		EmailIndex:     getS(it, "ei"),
		PasswordHash:   getS(it, "ph"),
		ExternalID:     getS(it, "xid"),
		MFAEnabled:     getBool(it, "mfa"),
		TOTPLastStep:   getN(it, "tls"),
		FailedAttempts: int(getN(it, "fa")),
		LockedUntil:    getT(it, "lu"),
		Sealed:         getB(it, "s"),
		Version:        int(getN(it, "v")),
		CreatedAt:      getT(it, "ca"),
		UpdatedAt:      getT(it, "ua"),
	}
}

func emailItem(index, userID string) item {
	it := key(emailPK(index), "E")
	it["u"] = s(userID)
	return it
}

func (db *DB) FindUserByID(ctx context.Context, id string) (*bptracker.UserRecord, error) {
	ctx = op(ctx, "FindUserByID")
	if id == "" {
		return nil, notFound("user")
	}
	it, err := db.get(ctx, userPK(id), "U", true)
	if err != nil {
		return nil, err
	}
	if it == nil {
		return nil, notFound("user")
	}
	return decodeUser(it), nil
}

// FindUserByEmailIndex reads the email item, then the account it names.
func (db *DB) FindUserByEmailIndex(ctx context.Context, index string) (*bptracker.UserRecord, error) {
	ctx = op(ctx, "FindUserByEmailIndex")
	if index == "" {
		return nil, notFound("user")
	}
	e, err := db.get(ctx, emailPK(index), "E", true)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, notFound("user")
	}
	u, err := db.FindUserByID(ctx, getS(e, "u"))
	if err != nil {
		return nil, err
	}
	if u.EmailIndex != index { // the address moved in between
		return nil, notFound("user")
	}
	return u, nil
}

type userCursor struct {
	U string `json:"u"`
}

// FindUsers lists accounts in id order from the index partition of all
// users (an admin console query), filtered by role and status.
func (db *DB) FindUsers(ctx context.Context, f bptracker.UserFilter) ([]*bptracker.UserRecord, string, error) {
	ctx = op(ctx, "FindUsers")
	lim := limit(f.Limit, 100, 1000)
	in := &dynamodb.QueryInput{
		IndexName:                 aws.String("gsi1"),
		KeyConditionExpression:    aws.String("gsi1pk = :pk"),
		ExpressionAttributeValues: item{":pk": s(usersGSI)},
	}
	if f.Cursor != "" {
		var c userCursor
		if err := decodeCursor(f.Cursor, &c); err != nil {
			return nil, "", err
		}
		if c.U == "" {
			return nil, "", bptracker.Errorf(bptracker.EINVALID, "the cursor is not valid")
		}
		in.ExclusiveStartKey = key(userPK(c.U), "U")
		in.ExclusiveStartKey["gsi1pk"] = s(usersGSI)
		in.ExclusiveStartKey["gsi1sk"] = s(c.U)
	}
	var out []*bptracker.UserRecord
	for len(out) <= lim {
		in.Limit = aws.Int32(int32(max(lim+1-len(out), 25)))
		res, err := db.query(ctx, in)
		if err != nil {
			return nil, "", err
		}
		for _, it := range res.Items {
			u := decodeUser(it)
			if (f.Role == "" || u.Role == f.Role) && (f.Status == "" || u.Status == f.Status) {
				out = append(out, u)
			}
		}
		if len(res.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = res.LastEvaluatedKey
	}
	next := ""
	if len(out) > lim {
		out = out[:lim]
		next = encodeCursor(userCursor{U: out[lim-1].ID})
	}
	return out, next, nil
}

// CreateUser writes the account and its email item in one transaction, each
// on the condition that it is new.
func (db *DB) CreateUser(ctx context.Context, u *bptracker.UserRecord, ev *bptracker.AuditEvent) error {
	ctx = op(ctx, "CreateUser")
	if u.ID == "" || u.EmailIndex == "" {
		return bptracker.Errorf(bptracker.EINVALID, "an account needs an id and an email index")
	}
	return db.audited(ctx, ev, func() error {
		err := db.transact(ctx, []types.TransactWriteItem{
			{Put: &types.Put{Item: userItem(u), ConditionExpression: aws.String("attribute_not_exists(pk)")}},
			{Put: &types.Put{Item: emailItem(u.EmailIndex, u.ID), ConditionExpression: aws.String("attribute_not_exists(pk)")}},
		})
		if errors.Is(err, errCondition) {
			return bptracker.Errorf(bptracker.ECONFLICT, "the account or its email exists already")
		}
		return err
	})
}

// UpdateUser replaces the account on the condition that its stored version
// is u.Version-1; a new email index moves the email item in the same
// transaction.
func (db *DB) UpdateUser(ctx context.Context, u *bptracker.UserRecord, ev *bptracker.AuditEvent) error {
	ctx = op(ctx, "UpdateUser")
	cur, err := db.FindUserByID(ctx, u.ID)
	if err != nil {
		return err
	}
	if cur.Version != u.Version-1 {
		return bptracker.Errorf(bptracker.ECONFLICT, "account %s has version %d, not %d", u.ID, cur.Version, u.Version-1)
	}
	if u.EmailIndex == "" {
		return bptracker.Errorf(bptracker.EINVALID, "an account needs an email index")
	}
	conflict := bptracker.Errorf(bptracker.ECONFLICT, "account %s was changed by someone else, or its new email is in use", u.ID)
	cond, vals := "attribute_exists(pk) AND v = :v", item{":v": n(int64(cur.Version))}
	return db.audited(ctx, ev, func() error {
		var err error
		if u.EmailIndex == cur.EmailIndex {
			err = db.put(ctx, userItem(u), cond, vals)
		} else {
			err = db.transact(ctx, []types.TransactWriteItem{
				{Put: &types.Put{Item: userItem(u), ConditionExpression: aws.String(cond), ExpressionAttributeValues: vals}},
				{Put: &types.Put{Item: emailItem(u.EmailIndex, u.ID), ConditionExpression: aws.String("attribute_not_exists(pk)")}},
				{Delete: &types.Delete{Key: key(emailPK(cur.EmailIndex), "E"), ConditionExpression: aws.String("u = :u"), ExpressionAttributeValues: item{":u": s(u.ID)}}},
			})
		}
		if errors.Is(err, errCondition) {
			return conflict
		}
		return err
	})
}
