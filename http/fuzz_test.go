package http

import (
	"bytes"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/service"
)

// FuzzDecodeReading feeds arbitrary bodies to the strict decoder and the
// reading rules: they never panic, every refusal is a coded "invalid" (or
// "too large") error, and anything accepted has passed validation.
func FuzzDecodeReading(f *testing.F) {
	for _, s := range []string{
		`{"taken_at":"2026-01-01T08:00:00+01:00","systolic":120,"diastolic":80,"pulse":70,"arm":"left","position":"sitting","note":"x","tags":["a"]}`,
		`{"taken_at":"2026-01-01T08:00","systolic":120,"diastolic":80}`,
		`{"systolic":"120"}`, `{"bogus":1}`, `{} {}`, `[]`, `{"tags":[1]}`, `{"pulse":1e400}`, `nul`, "",
	} {
		f.Add([]byte(s))
	}
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		var in service.ReadingInput
		if err := decode(r, &in); err != nil {
			if c := bptracker.ErrorCode(err); c != bptracker.EINVALID && c != bptracker.ETOOLARGE {
				t.Fatalf("decode(%q): code %q (%v), want invalid", body, c, err)
			}
			return
		}
		taken, err := service.ParseTime("taken_at", in.TakenAt, time.UTC)
		if err != nil {
			if bptracker.ErrorFields(err)["taken_at"] == "" {
				t.Fatalf("ParseTime(%q): %v without a field message", in.TakenAt, err)
			}
			return
		}
		rd := bptracker.Reading{TakenAt: taken, Systolic: in.Systolic, Diastolic: in.Diastolic, Pulse: in.Pulse, Arm: in.Arm,
			Position: in.Position, Note: in.Note, Tags: in.Tags, SessionID: in.SessionID, Source: bptracker.SourceManual}
		if err := rd.Validate(now); err == nil {
			if rd.Systolic <= rd.Diastolic || rd.Systolic > 300 || rd.Diastolic < 20 || rd.TakenAt.After(now.Add(10*time.Minute)) {
				t.Fatalf("accepted an invalid reading: %+v", rd)
			}
		} else if len(bptracker.ErrorFields(err)) == 0 {
			t.Fatalf("Validate: %v without field messages", err)
		}
	})
}

// FuzzTimeParam: query times never panic and refuse with a field message.
func FuzzTimeParam(f *testing.F) {
	for _, s := range []string{"2026-01-01", "2026-01-01T08:00:00Z", "2026-01-01T08:00", "x", "2026-13-45"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		r := httptest.NewRequest("GET", "/?from=x", nil)
		q := r.URL.Query()
		q.Set("from", v)
		r.URL.RawQuery = q.Encode()
		if _, err := timeParam(r, "from", time.UTC); err != nil && bptracker.ErrorFields(err)["from"] == "" {
			t.Fatalf("timeParam(%q): %v without a field message", v, err)
		}
	})
}
