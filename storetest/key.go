package storetest

import (
	"bytes"
	"testing"

	"github.com/bptracker/bptracker"
)

func testDataKeys(t *testing.T, h *harness) {
	t.Run("OK", func(t *testing.T) {
		s := h.Open(t)
		owner := NewID()
		key := randomBytes(t, 120)
		must(t, "CreateDataKey", s.CreateDataKey(ctx(), owner, key))
		got, err := s.FindDataKey(ctx(), owner)
		must(t, "FindDataKey", err)
		if !bytes.Equal(got, key) {
			t.Fatalf("FindDataKey: got %x, want %x", got, key)
		}

		ev := Event(NewID(), owner, "user.erase", owner, Base)
		must(t, "DeleteDataKey", s.DeleteDataKey(ctx(), owner, ev))
		_, err = s.FindDataKey(ctx(), owner)
		wantCode(t, "FindDataKey after DeleteDataKey", err, bptracker.ENOTFOUND)
		requireEvent(t, s, ev)
	})

	t.Run("ErrConflict", func(t *testing.T) {
		s := h.Open(t)
		owner := NewID()
		key := randomBytes(t, 120)
		must(t, "CreateDataKey", s.CreateDataKey(ctx(), owner, key))
		err := s.CreateDataKey(ctx(), owner, randomBytes(t, 120))
		wantCode(t, "CreateDataKey for an owner with a key", err, bptracker.ECONFLICT)
		got, err := s.FindDataKey(ctx(), owner)
		must(t, "FindDataKey", err)
		if !bytes.Equal(got, key) {
			t.Fatalf("FindDataKey after a refused create: got %x, want the first key %x", got, key)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		s := h.Open(t)
		_, err := s.FindDataKey(ctx(), NewID())
		wantCode(t, "FindDataKey", err, bptracker.ENOTFOUND)
		owner := NewID()
		err = s.DeleteDataKey(ctx(), owner, Event(NewID(), owner, "user.erase", owner, Base))
		wantCode(t, "DeleteDataKey", err, bptracker.ENOTFOUND)
		if _, err := bptracker.VerifyAudit(ctx(), s); err != nil {
			t.Fatalf("VerifyAudit: %v", err)
		}
	})
}
