package http

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/service"
)

// encodingJSON is what the page looked like through encoding/json.
func encodingJSON(t testing.TB, list []*service.ReadingView, next string) []byte {
	t.Helper()
	var nc *string
	if next != "" {
		nc = &next
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(map[string]any{"readings": list, "next_cursor": nc}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func randomView(rng *rand.Rand, text func() string) *service.ReadingView {
	p := 40 + rng.IntN(100)
	r := bptracker.Reading{
		ID: text(), PatientID: text(), TakenAt: time.Unix(rng.Int64N(4e9), rng.Int64N(1e9)).In(time.FixedZone("", 60*(rng.IntN(1500)-750))),
		Systolic: rng.IntN(300), Diastolic: rng.IntN(200), Arm: bptracker.Arm(text()), Position: bptracker.Position(text()),
		IrregularHeartbeat: rng.IntN(2) == 0, Note: text(), Source: bptracker.Source(text()), SessionID: text(),
		CreatedBy: text(), UpdatedBy: text(), CreatedAt: time.Unix(rng.Int64N(4e9), 0).UTC(), UpdatedAt: time.Unix(rng.Int64N(4e9), 7).UTC(),
		Version: rng.IntN(9), Deleted: rng.IntN(5) == 0,
	}
	if rng.IntN(2) == 0 {
		r.Pulse = &p
	}
	for range rng.IntN(3) {
		r.Tags = append(r.Tags, text())
	}
	return &service.ReadingView{Reading: r, Category: bptracker.Category(text()), CategoryLabel: text(), Severe: rng.IntN(2) == 0, Advice: text()}
}

func TestAppendReadingsMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"", "a", "Z", "é", "✓", "\"", "\\", "\n", "\t", "\x00", "\x1f", "<", ">", "&", "\u2028", "\u2029", "\xff", "\xe2\x80", "😀", " "}
	text := func() string {
		var s string
		for range rng.IntN(6) {
			s += alphabet[rng.IntN(len(alphabet))]
		}
		return s
	}
	for i := range 500 {
		list := []*service.ReadingView{} // the service never returns a nil page
		for range rng.IntN(4) {
			list = append(list, randomView(rng, text))
		}
		next := ""
		if i%2 == 0 {
			next = text()
		}
		got, want := appendReadings(nil, list, next), encodingJSON(t, list, next)
		if !bytes.Equal(got, want) {
			t.Fatalf("case %d:\n got %s\nwant %s", i, got, want)
		}
	}
	if got, want := appendReadings(nil, nil, ""), encodingJSON(t, []*service.ReadingView{}, ""); !bytes.Equal(got, want) {
		t.Fatalf("empty page: got %s, want %s", got, want)
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "\"quoted\"", "\u2028", "\xff\xfe", "<script>", "tab\there"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("appendString(%q) = %s, want %s", s, got, want)
		}
	})
}
