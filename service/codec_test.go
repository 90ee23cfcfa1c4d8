package service

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
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
		if err := decodeBody(encodeBody(&b), &got); err != nil {
			t.Fatal(err)
		}
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
	for _, bad := range [][]byte{nil, {}, {2}, {bodyV1}, {bodyV1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, append(encodeBody(&readingBody{}), 0)} {
		if err := decodeBody(bad, &readingBody{}); err == nil {
			t.Errorf("decodeBody(%x) accepted a damaged body", bad)
		}
	}
}

// FuzzDecodeBody: a damaged body (say, a store edited by hand) never
// panics and never allocates without bound.
func FuzzDecodeBody(f *testing.F) {
	f.Add(encodeBody(&readingBody{TakenAt: "2026-01-05T07:30:00Z", Systolic: 120, Diastolic: 80, Tags: []string{"a"}}))
	f.Add([]byte(`{"s":120}`))
	f.Fuzz(func(t *testing.T, p []byte) {
		var b, again readingBody
		if decodeBody(p, &b) == nil && p[0] == bodyV1 {
			if err := decodeBody(encodeBody(&b), &again); err != nil || !reflect.DeepEqual(again, b) {
				t.Fatalf("decode(encode(b)) = %+v, %v; want %+v", again, err, b)
			}
		}
	})
}
