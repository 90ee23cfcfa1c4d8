package bptracker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// Audit outcomes.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
	OutcomeDenied  = "denied"
	// OutcomePending marks an event written before the change it records,
	// on stores that cannot commit both at once; a follow-up event with the
	// same resource id says how the change ended.
	OutcomePending = "pending"
)

// SystemChain is the audit chain of events that concern no patient.
const SystemChain = "system"

// AuditEvent records one access to health data, sign-in event or admin
// action. It never holds health values: ids, action names and counts only.
type AuditEvent struct {
	Chain      string    `json:"chain"` // the patient id, or SystemChain
	Seq        int64     `json:"seq"`   // 1, 2, … within the chain
	ID         string    `json:"id"`
	Time       time.Time `json:"time"`
	ActorID    string    `json:"actor_id,omitempty"`
	ActorRole  Role      `json:"actor_role,omitempty"`
	Action     string    `json:"action"`
	PatientID  string    `json:"patient_id,omitempty"`
	ResourceID string    `json:"resource_id,omitempty"`
	Outcome    string    `json:"outcome"`
	SourceIP   string    `json:"source_ip,omitempty"`
	UserAgent  string    `json:"user_agent,omitempty"`
	RequestID  string    `json:"request_id,omitempty"`
	// Via says under what the actor acted on the patient's record: "self",
	// "grant:<id>" or "break-glass:<id>".
	Via string `json:"via,omitempty"`
	// Detail holds counts and reasons that carry no health values.
	Detail   string `json:"detail,omitempty"`
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
}

// ChainFor returns the chain an event about patientID belongs to.
func ChainFor(patientID string) string {
	if patientID == "" {
		return SystemChain
	}
	return patientID
}

// ComputeHash returns the event's hash: SHA-256 over its canonical JSON
// with Hash empty, which includes PrevHash and so links the chain.
func (e *AuditEvent) ComputeHash() string {
	c := *e
	c.Hash = ""
	c.Time = c.Time.UTC()
	b, _ := json.Marshal(&c) // a struct of strings and numbers cannot fail
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Seal sets the event's place in its chain after prev (nil for the first
// event) and its hash. Stores call it while they hold the chain's head.
func (e *AuditEvent) Seal(prev *AuditEvent) {
	e.Seq, e.PrevHash = 1, ""
	if prev != nil {
		e.Seq, e.PrevHash = prev.Seq+1, prev.Hash
	}
	e.Hash = e.ComputeHash()
}

// ChainVerifier checks one chain, event by event, in sequence order.
type ChainVerifier struct {
	Chain string
	prev  *AuditEvent
	Count int64
}

// Next checks e against the events before it. The error names the first bad
// event: a changed event fails its hash, a removed or reordered one breaks
// the sequence or the link to its predecessor.
func (v *ChainVerifier) Next(e *AuditEvent) error {
	wantSeq, wantPrev := int64(1), ""
	if v.prev != nil {
		wantSeq, wantPrev = v.prev.Seq+1, v.prev.Hash
	}
	switch {
	case e.Chain != v.Chain:
		return fmt.Errorf("audit chain %s: event %s (seq %d) belongs to chain %s", v.Chain, e.ID, e.Seq, e.Chain)
	case e.Seq != wantSeq:
		return fmt.Errorf("audit chain %s: event %s has seq %d, want %d (an event is missing or out of order)", v.Chain, e.ID, e.Seq, wantSeq)
	case e.PrevHash != wantPrev:
		return fmt.Errorf("audit chain %s: event %s (seq %d) does not link to its predecessor (an event was removed, reordered or changed)", v.Chain, e.ID, e.Seq)
	case e.ComputeHash() != e.Hash:
		return fmt.Errorf("audit chain %s: event %s (seq %d) was changed after it was written", v.Chain, e.ID, e.Seq)
	}
	v.prev = e
	v.Count++
	return nil
}

// AuditFilter selects events for review. Empty fields match everything.
type AuditFilter struct {
	ActorID   string
	PatientID string
	Action    string
	From, To  *time.Time
	Limit     int
	Cursor    string
}

// AuditStore is the append-only audit trail.
type AuditStore interface {
	// AppendAudit seals ev after the head of its chain and stores it. It
	// never overwrites: concurrent writers to one chain each get their own
	// sequence number.
	AppendAudit(ctx context.Context, ev *AuditEvent) error
	// FindAuditEvents returns matching events, newest first.
	FindAuditEvents(ctx context.Context, filter AuditFilter) ([]*AuditEvent, string, error)
	// AuditChains lists every chain.
	AuditChains(ctx context.Context) ([]string, error)
	// FindAuditChain returns up to limit events of one chain with seq >
	// afterSeq, in sequence order, for verification.
	FindAuditChain(ctx context.Context, chain string, afterSeq int64, limit int) ([]*AuditEvent, error)
}

// VerifyAudit walks every chain of the store and returns the number of
// events checked, or an error naming the first bad event.
func VerifyAudit(ctx context.Context, s AuditStore) (int64, error) {
	chains, err := s.AuditChains(ctx)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, c := range chains {
		v := &ChainVerifier{Chain: c}
		var after int64
		for {
			evs, err := s.FindAuditChain(ctx, c, after, 1000)
			if err != nil {
				return total, err
			}
			for _, e := range evs {
				if err := v.Next(e); err != nil {
					return total, err
				}
				after = e.Seq
			}
			if len(evs) < 1000 {
				break
			}
		}
		total += v.Count
	}
	return total, nil
}
