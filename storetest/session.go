package storetest

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/bptracker/bptracker"
)

// Session returns a new active session of userID.
func Session(t testing.TB, userID string) *bptracker.Session {
	return &bptracker.Session{
		IDHash:    NewID(),
		UserID:    userID,
		State:     bptracker.SessionActive,
		CreatedAt: Base,
		LastSeen:  Base,
		ExpiresAt: At(12 * time.Hour),
		SourceIP:  "192.0.2.7",
		UserAgent: "Mozilla/5.0 storetest",
		Sealed:    randomBytes(t, 40),
	}
}

func equalSession(t testing.TB, got, want *bptracker.Session) {
	t.Helper()
	switch {
	case got == nil:
		t.Fatalf("session %s: got nil", want.IDHash)
	case got.IDHash != want.IDHash || got.UserID != want.UserID || got.State != want.State:
		t.Fatalf("session: got %s/%s/%s, want %s/%s/%s", got.IDHash, got.UserID, got.State, want.IDHash, want.UserID, want.State)
	case !got.CreatedAt.Equal(want.CreatedAt) || !got.LastSeen.Equal(want.LastSeen) || !got.ExpiresAt.Equal(want.ExpiresAt):
		t.Fatalf("session %s times: got %v/%v/%v, want %v/%v/%v", want.IDHash, got.CreatedAt, got.LastSeen, got.ExpiresAt, want.CreatedAt, want.LastSeen, want.ExpiresAt)
	case got.SourceIP != want.SourceIP || got.UserAgent != want.UserAgent:
		t.Fatalf("session %s client: got %q/%q, want %q/%q", want.IDHash, got.SourceIP, got.UserAgent, want.SourceIP, want.UserAgent)
	case !bytes.Equal(got.Sealed, want.Sealed):
		t.Fatalf("session %s Sealed: got %x, want %x", want.IDHash, got.Sealed, want.Sealed)
	}
}

func sessionHashes(t testing.TB, s bptracker.Store, userID string) []string {
	t.Helper()
	ss, err := s.FindUserSessions(ctx(), userID)
	must(t, "FindUserSessions", err)
	out := ids(ss, func(s *bptracker.Session) string { return s.IDHash })
	slices.Sort(out)
	return out
}

func testSessions(t *testing.T, h *harness) {
	t.Run("OK", func(t *testing.T) {
		s := h.Open(t)
		u := NewID()
		a, b := Session(t, u), Session(t, u)
		b.State, b.Sealed = bptracker.SessionPendingMFA, nil
		other := Session(t, NewID())
		for _, x := range []*bptracker.Session{a, b, other} {
			must(t, "CreateSession", s.CreateSession(ctx(), x))
		}
		got, err := s.FindSession(ctx(), a.IDHash)
		must(t, "FindSession", err)
		equalSession(t, got, a)

		must(t, "TouchSession", s.TouchSession(ctx(), a.IDHash, At(time.Minute)))
		want := *a
		want.LastSeen = At(time.Minute)
		got, err = s.FindSession(ctx(), a.IDHash)
		must(t, "FindSession after touch", err)
		equalSession(t, got, &want)

		wantHashes := []string{a.IDHash, b.IDHash}
		slices.Sort(wantHashes)
		if got := sessionHashes(t, s, u); !slices.Equal(got, wantHashes) {
			t.Fatalf("FindUserSessions: got %v, want %v", got, wantHashes)
		}

		must(t, "DeleteSession", s.DeleteSession(ctx(), a.IDHash))
		_, err = s.FindSession(ctx(), a.IDHash)
		wantCode(t, "FindSession after DeleteSession", err, bptracker.ENOTFOUND)
		if got, want := sessionHashes(t, s, u), []string{b.IDHash}; !slices.Equal(got, want) {
			t.Fatalf("FindUserSessions after DeleteSession: got %v, want %v", got, want)
		}
	})

	t.Run("DeleteUserSessions", func(t *testing.T) {
		s := h.Open(t)
		u, v := NewID(), NewID()
		var mine []*bptracker.Session
		for range 3 {
			x := Session(t, u)
			mine = append(mine, x)
			must(t, "CreateSession", s.CreateSession(ctx(), x))
		}
		theirs := Session(t, v)
		must(t, "CreateSession", s.CreateSession(ctx(), theirs))

		must(t, "DeleteUserSessions", s.DeleteUserSessions(ctx(), u))
		for _, x := range mine {
			_, err := s.FindSession(ctx(), x.IDHash)
			wantCode(t, "FindSession after DeleteUserSessions", err, bptracker.ENOTFOUND)
		}
		if got := sessionHashes(t, s, u); len(got) != 0 {
			t.Fatalf("FindUserSessions after DeleteUserSessions: got %v, want none", got)
		}
		got, err := s.FindSession(ctx(), theirs.IDHash)
		must(t, "FindSession of another user", err)
		equalSession(t, got, theirs)
		must(t, "DeleteUserSessions with none", s.DeleteUserSessions(ctx(), NewID()))
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		s := h.Open(t)
		_, err := s.FindSession(ctx(), NewID())
		wantCode(t, "FindSession", err, bptracker.ENOTFOUND)
		err = s.TouchSession(ctx(), NewID(), Base)
		wantCode(t, "TouchSession", err, bptracker.ENOTFOUND)
		if got := sessionHashes(t, s, NewID()); len(got) != 0 {
			t.Fatalf("FindUserSessions of a stranger: got %v, want none", got)
		}
	})
}
