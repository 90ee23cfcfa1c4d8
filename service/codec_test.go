package service

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/bptracker/bptracker"
)

func TestBodyRoundTrip(t *testing.T) {
	pulse := 64
	for _, b := range []readingBody{
		{TakenAt: "2026-01-05T07:30:00+01:00", Systolic: 128, Diastolic: 82, Pulse: &pulse, Arm: "left", Position: "sitting",
			Irregular: true, Note: "après la marche ✓", Tags: []string{"morning", "meds"}, Source: "import", SessionID: "s1",
			CreatedBy: "u1", CreatedAt: time.Date(2026, 1, 5, 6, 31, 0, 123, time.UTC)},
		{TakenAt: "2026-01-05T07:30:00Z", Systolic: 300, Diastolic: 20, Source: "manual", CreatedBy: "u", CreatedAt: time.Unix(0, 0).UTC()},
	} {
		var got readingBody
		enc, err := encodeBody(&b)
		if err != nil {
			t.Fatal(err)
		}
		if err := decodeBody(enc, &got); err != nil {
			t.Fatal(err)
		}
		// The time comes back as a time, with its offset, not as text.
		gt, _ := got.time()
		bt, _ := b.time()
		_, goff := gt.Zone()
		_, boff := bt.Zone()
		if !gt.Equal(bt) || goff != boff || gt.Format(time.RFC3339Nano) != b.TakenAt {
			t.Errorf("taken_at: got %v, want %s", gt, b.TakenAt)
		}
		got.takenAt, got.TakenAt = time.Time{}, b.TakenAt
		if !reflect.DeepEqual(got, b) {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, b)
		}
		// The first format, JSON, still reads.
		js, _ := json.Marshal(b)
		var old readingBody
		if err := decodeBody(js, &old); err != nil || old.Systolic != b.Systolic || old.Note != b.Note {
			t.Errorf("JSON body: %+v, %v", old, err)
		}
	}
	full, _ := encodeBody(&readingBody{TakenAt: "2026-01-05T07:30:00Z"})
	if _, err := encodeBody(&readingBody{}); err == nil {
		t.Error("a body without a time encoded")
	}
	for _, bad := range [][]byte{nil, {}, {3}, {bodyV1}, {bodyV2}, {bodyV1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, append(full, 0), full[:len(full)-1]} {
		if err := decodeBody(bad, &readingBody{}); err == nil {
			t.Errorf("decodeBody(%x) accepted a damaged body", bad)
		}
	}
}

// FuzzDecodeBody: a damaged body (say, a store edited by hand) never
// panics and never allocates without bound.
func FuzzDecodeBody(f *testing.F) {
	seed, _ := encodeBody(&readingBody{TakenAt: "2026-01-05T07:30:00+05:30", Systolic: 120, Diastolic: 80, Tags: []string{"a"}, CreatedBy: "01a242c8-5c25-7ebb-a667-6b38863c3115"})
	f.Add(seed)
	f.Add([]byte(`{"s":120}`))
	f.Fuzz(func(t *testing.T, p []byte) {
		var b, again readingBody
		if decodeBody(p, &b) == nil && p[0] == bodyV2 {
			enc, err := encodeBody(&b)
			if err != nil {
				t.Fatalf("a decoded body does not encode: %v", err)
			}
			if err := decodeBody(enc, &again); err != nil || !reflect.DeepEqual(again, b) {
				t.Fatalf("decode(encode(b)) = %+v, %v; want %+v", again, err, b)
			}
		}
	})
}

// TestSealedReadingSize: on DynamoDB a reading's bytes are read capacity; a
// 30-day page of 300 readings fits 8 RCU only while a typical sealed reading
// stays at or under SealedReadingBudget (the dynamo capacity test stores
// readings of that size).
func TestSealedReadingSize(t *testing.T) {
	pulse := 68
	b := readingBody{TakenAt: "2026-12-04T08:15:00+01:00", Systolic: 128, Diastolic: 82, Pulse: &pulse, Arm: "left",
		Position: "sitting", Source: "manual", CreatedBy: "01a242c8-5c25-7ebb-a667-6b38863c3115", CreatedAt: time.Now()}
	plain, err := encodeBody(&b)
	if err != nil {
		t.Fatal(err)
	}
	// Tink AES-256-GCM adds a 5-byte key prefix, a 12-byte nonce and a
	// 16-byte tag.
	if got := len(plain) + 5 + 12 + 16; got > SealedReadingBudget {
		t.Fatalf("a typical sealed reading is %d bytes, over the %d-byte budget", got, SealedReadingBudget)
	} else {
		t.Logf("typical sealed reading: %d bytes (budget %d)", got, SealedReadingBudget)
	}
}

func TestLocation(t *testing.T) {
	paris := Location("Europe/Paris")
	if paris.String() != "Europe/Paris" || Location("Europe/Paris") != paris {
		t.Errorf("Europe/Paris: got %v, and not the cached zone the second time", paris)
	}
	for _, bad := range []string{"", "Not/AZone", "../../etc/passwd"} {
		if Location(bad) != time.UTC {
			t.Errorf("%q: got %v, want UTC", bad, Location(bad))
		}
	}
}

func TestParseDayOrTime(t *testing.T) {
	paris := Location("Europe/Paris")
	for _, tt := range []struct {
		v    string
		want time.Time
	}{
		{"2026-01-01", time.Date(2026, 1, 1, 0, 0, 0, 0, paris)},
		{"2026-07-01", time.Date(2026, 7, 1, 0, 0, 0, 0, paris)},
		{"2026-01-01T08:15:00Z", time.Date(2026, 1, 1, 8, 15, 0, 0, time.UTC)},
	} {
		got, err := ParseDayOrTime("from", tt.v, paris)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("%s: got %v, %v; want %v", tt.v, got, err, tt.want)
		}
	}
	_, err := ParseDayOrTime("from", "01/02/2026", paris)
	var e *bptracker.Error
	if !errors.As(err, &e) || e.Code != bptracker.EINVALID || e.Fields["from"] == "" {
		t.Errorf("a date in another form: got %v, want invalid naming from", err)
	}
}
