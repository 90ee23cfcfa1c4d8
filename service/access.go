package service

import (
	"context"

	"github.com/bptracker/bptracker"
)

// decided is a relation Authorize has looked up, carried by the request's
// context so that the service method the handler then calls does not look
// it up again. Only the lookup is reused: the decision is made again, at
// that moment, for that method's action.
type decided struct {
	actor     *Actor
	patientID string
	rel       bptracker.Relation
}

type decidedKey struct{}

// relation works out how the actor stands to the patient's record now.
func (s *Service) relation(ctx context.Context, a *Actor, patientID string) (bptracker.Relation, error) {
	if d, ok := ctx.Value(decidedKey{}).(*decided); ok && d.actor == a && d.patientID == patientID {
		return d.rel, nil
	}
	var rel bptracker.Relation
	now := s.cfg.Now()
	switch a.User.Role {
	case bptracker.RolePatient:
		rel.Self = a.User.ID == patientID
	case bptracker.RoleProvider, bptracker.RoleCaregiver:
		gs, err := s.store.FindGrants(ctx, bptracker.GrantFilter{PatientID: patientID, GranteeID: a.User.ID})
		if err != nil {
			return rel, err
		}
		for _, g := range gs {
			if g.Live(now) && (rel.Grant == nil || g.Access == bptracker.AccessWrite) {
				rel.Grant = g
			}
		}
	case bptracker.RoleAdmin:
		bs, err := s.store.FindBreakGlass(ctx, bptracker.BreakGlassFilter{AdminID: a.User.ID, PatientID: patientID})
		if err != nil {
			return rel, err
		}
		for _, b := range bs {
			if b.Live(now) {
				rel.BreakGlass = b
				break
			}
		}
	}
	return rel, nil
}

// authorize decides whether the actor may perform action on the patient's
// record. A refusal is audited (in the system chain, so probing ids cannot
// create chains) and answers ENOTFOUND, so ids cannot be probed.
func (s *Service) authorize(ctx context.Context, a *Actor, action bptracker.Action, patientID string) (bptracker.Relation, error) {
	rel, err := s.relation(ctx, a, patientID)
	if err != nil {
		return rel, err
	}
	if bptracker.Decide(a.User.Role, action, rel, s.cfg.Now()) {
		return rel, nil
	}
	ev := s.event(a, a.Request, string(action), "", patientID, bptracker.OutcomeDenied)
	if err := s.audit(ctx, ev); err != nil {
		return rel, err
	}
	return rel, notFound()
}

// authorizeService decides a service-level action.
func (s *Service) authorizeService(ctx context.Context, a *Actor, action bptracker.Action) error {
	if a != nil && a.User != nil && bptracker.DecideService(a.User.Role, action) {
		return nil
	}
	ev := s.event(a, a.Request, string(action), "", "", bptracker.OutcomeDenied)
	if err := s.audit(ctx, ev); err != nil {
		return err
	}
	return bptracker.Errorf(bptracker.EFORBIDDEN, "your role does not allow this")
}

// Authorize checks an action on a patient's record before a handler reads
// its input, so a caller who may not act on the record learns nothing from
// validation errors. The service methods check again (they are also called
// from the command line and from background jobs); given the returned
// context, they reuse the relation looked up here instead of reading the
// grants again.
func (s *Service) Authorize(ctx context.Context, a *Actor, action bptracker.Action, patientID string) (context.Context, error) {
	rel, err := s.authorize(ctx, a, action, patientID)
	if err != nil {
		return ctx, err
	}
	return context.WithValue(ctx, decidedKey{}, &decided{actor: a, patientID: patientID, rel: rel}), nil
}
