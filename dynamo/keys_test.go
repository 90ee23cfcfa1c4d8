package dynamo

import (
	"math"
	"testing"
	"time"

	"github.com/bptracker/bptracker"
)

// Sort keys must order as the values they encode.
func TestTimeKeyOrder(t *testing.T) {
	times := []time.Time{
		time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Unix(0, 0),
		time.Unix(0, 1),
		time.Date(2026, 1, 15, 8, 0, 0, 0, time.FixedZone("", 3600)),
		time.Date(2026, 1, 15, 8, 0, 0, 1, time.UTC),
		time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	for i := range times {
		k := timeKey(times[i])
		if len(k) != keyLen {
			t.Fatalf("len(timeKey(%v)): got %d, want %d", times[i], len(k), keyLen)
		}
		back, ok := parseTimeKey(k)
		if !ok || !back.Equal(times[i]) {
			t.Fatalf("parseTimeKey(timeKey(%v)): got %v, %v", times[i], back, ok)
		}
		if i > 0 && !(timeKey(times[i-1]) < k) {
			t.Fatalf("timeKey(%v) = %q is not below timeKey(%v) = %q", times[i-1], timeKey(times[i-1]), times[i], k)
		}
	}
}

func TestSeqKeyOrder(t *testing.T) {
	seqs := []int64{0, 1, 2, 63, 64, 1000, 1 << 40, math.MaxInt64}
	for i := 1; i < len(seqs); i++ {
		if a, b := seqKey(seqs[i-1]), seqKey(seqs[i]); !(a < b) {
			t.Fatalf("seqKey(%d) = %q, seqKey(%d) = %q: want ascending", seqs[i-1], a, seqs[i], b)
		}
	}
}

// A reading whose id was minted from its time sits at its home key.
func TestReadingIDHome(t *testing.T) {
	at := time.Date(2026, 3, 1, 7, 30, 12, 345_000_000, time.UTC)
	id := ReadingID(at)
	home, ok := homeSK(id)
	if !ok {
		t.Fatalf("homeSK(%s): not a UUIDv7", id)
	}
	if got, want := home, readingSK(at, id); got != want {
		t.Fatalf("home key: got %q, want %q", got, want)
	}
	if got := len(readingWrites(&bptracker.ReadingRecord{ID: id, PatientID: "p", TakenAt: at})); got != 1 {
		t.Fatalf("writes for a reading at home: got %d, want 1", got)
	}
	if got := len(readingWrites(&bptracker.ReadingRecord{ID: id, PatientID: "p", TakenAt: at.Add(time.Microsecond)})); got != 2 {
		t.Fatalf("writes for a reading away from home: got %d, want 2", got)
	}
	for _, id := range []string{"r001", "01234567-89ab-4def-8123-456789abcdef", "01A242CA-AE77-7C14-8637-8E139C43831E"} {
		if _, ok := homeSK(id); ok {
			t.Fatalf("homeSK(%q): got a home, want none (not a canonical UUIDv7)", id)
		}
	}
}

// Cursors come from clients: any string must decode or be EINVALID, never
// panic, and a decoded cursor must re-encode to a valid one.
func FuzzDecodeCursor(f *testing.F) {
	f.Add(encodeCursor(readingCursor{P: "p", K: "R" + timeKey(time.Unix(0, 0)) + "id"}))
	f.Add(encodeCursor(auditPos{T: 1, C: "c", S: 2, P: "p:x"}))
	f.Add(encodeCursor(userCursor{U: "u"}))
	f.Add("not a cursor!")
	f.Add("")
	f.Fuzz(func(t *testing.T, c string) {
		var rc readingCursor
		if err := decodeCursor(c, &rc); err != nil {
			if code := bptracker.ErrorCode(err); code != bptracker.EINVALID {
				t.Fatalf("decodeCursor(%q): code %q, want %q", c, code, bptracker.EINVALID)
			}
			return
		}
		var again readingCursor
		if err := decodeCursor(encodeCursor(rc), &again); err != nil || again != rc {
			t.Fatalf("round trip of %+v: got %+v, %v", rc, again, err)
		}
	})
}

func FuzzParseUintKey(f *testing.F) {
	f.Add(seqKey(42))
	f.Add("zzzzzzzzzzz")
	f.Fuzz(func(t *testing.T, k string) {
		v, ok := parseUintKey(k)
		if ok && uintKey(v) != k {
			t.Fatalf("parseUintKey(%q) = %d, which encodes as %q", k, v, uintKey(v))
		}
	})
}
