package dynamo

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bptracker/bptracker"
)

// Grants live in their patient's partition and are indexed by grantee.

func grantItem(g *bptracker.Grant) item {
	it := key(patientPK(g.PatientID), "G#"+g.ID)
	setS(it, "ge", g.GranteeID)
	setS(it, "r", string(g.Role))
	setS(it, "ac", string(g.Access))
	setTP(it, "ex", g.ExpiresAt)
	setS(it, "cb", g.CreatedBy)
	setT(it, "ca", g.CreatedAt)
	setTP(it, "rv", g.RevokedAt)
	it["gsi1pk"] = s("GE#" + g.GranteeID)
	it["gsi1sk"] = s("G#" + g.ID)
	return it
}

func decodeGrant(it item) *bptracker.Grant {
	p, _ := strings.CutPrefix(getS(it, "pk"), "P#")
	id, _ := strings.CutPrefix(getS(it, "sk"), "G#")
	return &bptracker.Grant{
		ID:        id,
		PatientID: p,
		GranteeID: getS(it, "ge"),
		Role:      bptracker.Role(getS(it, "r")),
		Access:    bptracker.Access(getS(it, "ac")),
		ExpiresAt: getTP(it, "ex"),
		CreatedBy: getS(it, "cb"),
		CreatedAt: getT(it, "ca"),
		RevokedAt: getTP(it, "rv"),
	}
}

func (db *DB) FindGrantByID(ctx context.Context, patientID, id string) (*bptracker.Grant, error) {
	ctx = op(ctx, "FindGrantByID")
	if patientID == "" || id == "" {
		return nil, notFound("grant")
	}
	it, err := db.get(ctx, patientPK(patientID), "G#"+id, true)
	if err != nil {
		return nil, err
	}
	if it == nil {
		return nil, notFound("grant")
	}
	return decodeGrant(it), nil
}

// FindGrants reads the patient's partition (strongly consistent, for access
// decisions) or, by grantee alone, the grantee index (a provider's panel).
func (db *DB) FindGrants(ctx context.Context, f bptracker.GrantFilter) ([]*bptracker.Grant, error) {
	ctx = op(ctx, "FindGrants")
	var in *dynamodb.QueryInput
	switch {
	case f.PatientID != "":
		in = &dynamodb.QueryInput{
			KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :g)"),
			ExpressionAttributeValues: item{":pk": s(patientPK(f.PatientID)), ":g": s("G#")},
			ConsistentRead:            aws.Bool(true),
		}
	case f.GranteeID != "":
		in = &dynamodb.QueryInput{
			IndexName:                 aws.String("gsi1"),
			KeyConditionExpression:    aws.String("gsi1pk = :pk"),
			ExpressionAttributeValues: item{":pk": s("GE#" + f.GranteeID)},
		}
	default:
		return nil, bptracker.Errorf(bptracker.EINVALID, "a patient or a grantee is required")
	}
	its, err := db.queryAll(ctx, in)
	if err != nil {
		return nil, err
	}
	var out []*bptracker.Grant
	for _, it := range its {
		if g := decodeGrant(it); f.GranteeID == "" || g.GranteeID == f.GranteeID {
			out = append(out, g)
		}
	}
	return out, nil
}

func (db *DB) CreateGrant(ctx context.Context, g *bptracker.Grant, ev *bptracker.AuditEvent) error {
	ctx = op(ctx, "CreateGrant")
	if g.ID == "" || g.PatientID == "" || g.GranteeID == "" {
		return bptracker.Errorf(bptracker.EINVALID, "a grant needs an id, a patient and a grantee")
	}
	return db.audited(ctx, ev, func() error {
		err := db.put(ctx, grantItem(g), "attribute_not_exists(pk)", nil)
		if errors.Is(err, errCondition) {
			return bptracker.Errorf(bptracker.ECONFLICT, "grant %s exists already", g.ID)
		}
		return err
	})
}

func (db *DB) UpdateGrant(ctx context.Context, g *bptracker.Grant, ev *bptracker.AuditEvent) error {
	ctx = op(ctx, "UpdateGrant")
	if _, err := db.FindGrantByID(ctx, g.PatientID, g.ID); err != nil {
		return err
	}
	return db.audited(ctx, ev, func() error {
		err := db.put(ctx, grantItem(g), "attribute_exists(pk)", nil)
		if errors.Is(err, errCondition) {
			return notFound("grant")
		}
		return err
	})
}

// Invitations are found by code hash and indexed by creator; they expire
// through TTL.

func invitationPK(codeHash string) string { return "V#" + codeHash }

func invitationItem(v *bptracker.Invitation) item {
	it := key(invitationPK(v.CodeHash), "V")
	setS(it, "k", v.Kind)
	setS(it, "u", v.UserID)
	setS(it, "r", string(v.Role))
	setS(it, "p", v.PatientID)
	setS(it, "ac", string(v.Access))
	setTP(it, "ge", v.GrantExpiresAt)
	setB(it, "s", v.Sealed)
	setS(it, "cb", v.CreatedBy)
	setT(it, "ca", v.CreatedAt)
	it["ea"] = n(v.ExpiresAt.UnixNano())
	setTP(it, "us", v.UsedAt)
	setTTL(it, v.ExpiresAt)
	if v.CreatedBy != "" {
		it["gsi1pk"] = s("VC#" + v.CreatedBy)
		it["gsi1sk"] = s(v.CodeHash)
	}
	return it
}

func decodeInvitation(it item) *bptracker.Invitation {
	h, _ := strings.CutPrefix(getS(it, "pk"), "V#")
	return &bptracker.Invitation{
		CodeHash:       h,
		Kind:           getS(it, "k"),
		UserID:         getS(it, "u"),
		Role:           bptracker.Role(getS(it, "r")),
		PatientID:      getS(it, "p"),
		Access:         bptracker.Access(getS(it, "ac")),
		GrantExpiresAt: getTP(it, "ge"),
		Sealed:         getB(it, "s"),
		CreatedBy:      getS(it, "cb"),
		CreatedAt:      getT(it, "ca"),
		ExpiresAt:      getT(it, "ea"),
		UsedAt:         getTP(it, "us"),
	}
}

func (db *DB) CreateInvitation(ctx context.Context, v *bptracker.Invitation, ev *bptracker.AuditEvent) error {
	ctx = op(ctx, "CreateInvitation")
	if v.CodeHash == "" {
		return bptracker.Errorf(bptracker.EINVALID, "an invitation needs a code hash")
	}
	return db.audited(ctx, ev, func() error {
		err := db.put(ctx, invitationItem(v), "attribute_not_exists(pk)", nil)
		if errors.Is(err, errCondition) {
			return bptracker.Errorf(bptracker.ECONFLICT, "the invitation exists already")
		}
		return err
	})
}

func (db *DB) FindInvitation(ctx context.Context, codeHash string) (*bptracker.Invitation, error) {
	ctx = op(ctx, "FindInvitation")
	if codeHash == "" {
		return nil, notFound("invitation")
	}
	it, err := db.get(ctx, invitationPK(codeHash), "V", true)
	if err != nil {
		return nil, err
	}
	if it == nil {
		return nil, notFound("invitation")
	}
	return decodeInvitation(it), nil
}

func (db *DB) FindInvitations(ctx context.Context, createdBy string) ([]*bptracker.Invitation, error) {
	ctx = op(ctx, "FindInvitations")
	its, err := db.queryAll(ctx, &dynamodb.QueryInput{
		IndexName:                 aws.String("gsi1"),
		KeyConditionExpression:    aws.String("gsi1pk = :pk"),
		ExpressionAttributeValues: item{":pk": s("VC#" + createdBy)},
	})
	if err != nil {
		return nil, err
	}
	out := make([]*bptracker.Invitation, len(its))
	for i, it := range its {
		out[i] = decodeInvitation(it)
	}
	return out, nil
}

// UseInvitation marks the code used with one conditional update: unused and
// unexpired, so only one of any number of concurrent callers wins.
func (db *DB) UseInvitation(ctx context.Context, codeHash string, now time.Time, ev *bptracker.AuditEvent) error {
	ctx = op(ctx, "UseInvitation")
	inv, err := db.FindInvitation(ctx, codeHash)
	if err != nil {
		return err
	}
	used := bptracker.Errorf(bptracker.ECONFLICT, "this link was used already or has expired")
	if inv.UsedAt != nil || !now.Before(inv.ExpiresAt) {
		return used
	}
	return db.audited(ctx, ev, func() error {
		err := db.update(ctx, invitationPK(codeHash), "V", "SET us = :now",
			"attribute_exists(pk) AND attribute_not_exists(us) AND ea > :now", item{":now": n(now.UnixNano())})
		if errors.Is(err, errCondition) {
			return used
		}
		return err
	})
}

// Break-glass accesses are items of their own (found by id, and all of them
// through one index partition: they are rare), with a copy in the
// patient's partition so the patient's view is one Query.

func breakGlassPK(id string) string { return "B#" + id }

func breakGlassAttrs(it item, b *bptracker.BreakGlass) item {
	setS(it, "a", b.AdminID)
	setS(it, "p", b.PatientID)
	setS(it, "rs", b.Reason)
	setT(it, "ca", b.CreatedAt)
	setT(it, "ea", b.ExpiresAt)
	setTP(it, "cl", b.ClosedAt)
	setS(it, "id", b.ID)
	return it
}

func breakGlassItems(b *bptracker.BreakGlass) (main, copy item) {
	main = breakGlassAttrs(key(breakGlassPK(b.ID), "B"), b)
	main["gsi1pk"] = s("BG")
	main["gsi1sk"] = s(timeKey(b.CreatedAt) + b.ID)
	copy = breakGlassAttrs(key(patientPK(b.PatientID), "B#"+b.ID), b)
	return main, copy
}

func decodeBreakGlass(it item) *bptracker.BreakGlass {
	return &bptracker.BreakGlass{
		ID:        getS(it, "id"),
		AdminID:   getS(it, "a"),
		PatientID: getS(it, "p"),
		Reason:    getS(it, "rs"),
		CreatedAt: getT(it, "ca"),
		ExpiresAt: getT(it, "ea"),
		ClosedAt:  getTP(it, "cl"),
	}
}

func (db *DB) CreateBreakGlass(ctx context.Context, b *bptracker.BreakGlass, ev *bptracker.AuditEvent) error {
	ctx = op(ctx, "CreateBreakGlass")
	if b.ID == "" || b.PatientID == "" || b.AdminID == "" {
		return bptracker.Errorf(bptracker.EINVALID, "a break-glass access needs an id, an admin and a patient")
	}
	main, cp := breakGlassItems(b)
	return db.audited(ctx, ev, func() error {
		err := db.transact(ctx, []types.TransactWriteItem{
			{Put: &types.Put{Item: main, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
			{Put: &types.Put{Item: cp, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
		})
		if errors.Is(err, errCondition) {
			return bptracker.Errorf(bptracker.ECONFLICT, "break-glass access %s exists already", b.ID)
		}
		return err
	})
}

func (db *DB) FindBreakGlassByID(ctx context.Context, id string) (*bptracker.BreakGlass, error) {
	ctx = op(ctx, "FindBreakGlassByID")
	if id == "" {
		return nil, notFound("break-glass access")
	}
	it, err := db.get(ctx, breakGlassPK(id), "B", true)
	if err != nil {
		return nil, err
	}
	if it == nil {
		return nil, notFound("break-glass access")
	}
	return decodeBreakGlass(it), nil
}

func (db *DB) FindBreakGlass(ctx context.Context, f bptracker.BreakGlassFilter) ([]*bptracker.BreakGlass, error) {
	ctx = op(ctx, "FindBreakGlass")
	in := &dynamodb.QueryInput{
		IndexName:                 aws.String("gsi1"),
		KeyConditionExpression:    aws.String("gsi1pk = :pk"),
		ExpressionAttributeValues: item{":pk": s("BG")},
		ScanIndexForward:          aws.Bool(false),
	}
	if f.PatientID != "" {
		in = &dynamodb.QueryInput{
			KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :b)"),
			ExpressionAttributeValues: item{":pk": s(patientPK(f.PatientID)), ":b": s("B#")},
			ConsistentRead:            aws.Bool(true),
		}
	}
	its, err := db.queryAll(ctx, in)
	if err != nil {
		return nil, err
	}
	var out []*bptracker.BreakGlass
	for _, it := range its {
		if b := decodeBreakGlass(it); f.AdminID == "" || b.AdminID == f.AdminID {
			out = append(out, b)
		}
	}
	return out, nil
}

func (db *DB) UpdateBreakGlass(ctx context.Context, b *bptracker.BreakGlass, ev *bptracker.AuditEvent) error {
	ctx = op(ctx, "UpdateBreakGlass")
	old, err := db.FindBreakGlassByID(ctx, b.ID)
	if err != nil {
		return err
	}
	main, cp := breakGlassItems(b)
	tx := []types.TransactWriteItem{
		{Put: &types.Put{Item: main, ConditionExpression: aws.String("attribute_exists(pk)")}},
		{Put: &types.Put{Item: cp}},
	}
	if old.PatientID != b.PatientID {
		tx = append(tx, types.TransactWriteItem{Delete: &types.Delete{Key: key(patientPK(old.PatientID), "B#"+b.ID)}})
	}
	return db.audited(ctx, ev, func() error {
		err := db.transact(ctx, tx)
		if errors.Is(err, errCondition) {
			return notFound("break-glass access")
		}
		return err
	})
}
