package importer_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/importer"
)

// now is the fixed clock of every test.
var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

var paris = mustLoad("Europe/Paris")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.FixedZone("CET", 3600)
	}
	return loc
}

// brief renders a reading compactly for comparisons:
// "2026-01-31T08:15:00+01:00 120/80 p64 left sitting irr note [tags]".
func brief(r bptracker.Reading) string {
	s := fmt.Sprintf("%s %d/%d", r.TakenAt.Format(time.RFC3339), r.Systolic, r.Diastolic)
	if r.Pulse != nil {
		s += fmt.Sprintf(" p%d", *r.Pulse)
	}
	if r.Arm != "" {
		s += " " + string(r.Arm)
	}
	if r.Position != "" {
		s += " " + string(r.Position)
	}
	if r.IrregularHeartbeat {
		s += " irr"
	}
	if r.Note != "" {
		s += " " + r.Note
	}
	if len(r.Tags) > 0 {
		s += " [" + strings.Join(r.Tags, "|") + "]"
	}
	return s
}

func briefs(rs []bptracker.Reading) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = brief(r)
	}
	return out
}

func equalLists(tb testing.TB, got, want []string) {
	tb.Helper()
	if len(got) != len(want) {
		tb.Fatalf("got %d readings, want %d:\n got  %q\n want %q", len(got), len(want), got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			tb.Errorf("reading %d:\n got  %q\n want %q", i, got[i], want[i])
		}
	}
}

func mustParse(tb testing.TB, data string, opt importer.Options) *importer.Result {
	tb.Helper()
	if opt.Now.IsZero() {
		opt.Now = now
	}
	res, err := importer.Parse([]byte(data), opt)
	if err != nil {
		tb.Fatalf("Parse: %v", err)
	}
	return res
}

func TestParseCSV(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		opt  importer.Options
		want []string
	}{
		{"comma, separate date and time, synonyms with units",
			"Date,Time,SYS (mmHg),DIA (mmHg),Pulse (bpm),Notes\n2026-01-31,08:15,128,82,64,after coffee\n2026-01-31,20:05,131,84,,\n",
			importer.Options{},
			[]string{"2026-01-31T08:15:00Z 128/82 p64 after coffee", "2026-01-31T20:05:00Z 131/84"}},
		{"semicolon, day-first detected, decimal comma, location",
			"Datum;Date;Time;Sys;Dia;HR\n;31.01.2026;8:15;128,0;82;64\n;01.02.2026;7:00 PM;130;85;70\n",
			importer.Options{Location: paris},
			[]string{"2026-01-31T08:15:00+01:00 128/82 p64", "2026-02-01T19:00:00+01:00 130/85 p70"}},
		{"tab, combined column, month-first explicit",
			"When\tBP\tHeart rate\tArm\tPosition\n02/01/2026 07:30\t120/80\t60\tL\tseated\n02/03/2026 21:00\t125 / 79\t\tright\tlying down\n",
			importer.Options{DateOrder: importer.DateOrderMDY},
			[]string{"2026-02-01T07:30:00Z 120/80 p60 left sitting", "2026-02-03T21:00:00Z 125/79 right lying"}},
		{"title rows above the header, UTC offset column, irregular and tags",
			"My blood pressure\nexported by hand\n\nDate and time,UTC offset,Systolic,Diastolic,Irregular heartbeat,Tags\n2026-01-05 06:00:00,-05:00,140,90,yes,\"clinic, stress\"\n",
			importer.Options{},
			[]string{"2026-01-05T06:00:00-05:00 140/90 irr [clinic|stress]"}},
		{"ISO with offset, month names, Excel serials",
			"taken_at,sys,dia\n2026-01-31T08:15:00+09:00,120,80\n31 Jan 2026 21:00,121,80\n\"Feb 2, 2026 8:00 am\",122,80\n46054.5,123,80\n",
			importer.Options{},
			[]string{"2026-01-31T08:15:00+09:00 120/80", "2026-01-31T21:00:00Z 121/80", "2026-02-02T08:00:00Z 122/80", "2026-02-01T12:00:00Z 123/80"}},
		{"clock forms and zone names",
			"Date,Time,Offset,Sys,Dia\n2026-01-31,8.15,Europe/Paris,120,80\n2026-07-31,20h15,Europe/Paris,121,80\n2026-01-31,0.5,UTC+5:30,122,80\n",
			importer.Options{Now: time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)},
			[]string{"2026-01-31T08:15:00+01:00 120/80", "2026-07-31T20:15:00+02:00 121/80", "2026-01-31T12:00:00+05:30 122/80"}},
		{"neutralised note comes back",
			"Date,Time,Sys,Dia,Note\n2026-01-31,08:15,128,82,'=1+2\n",
			importer.Options{},
			[]string{"2026-01-31T08:15:00Z 128/82 =1+2"}},
		{"UTF-16 with BOM (Excel Unicode text)",
			utf16le("Date\tSys\tDia\r\n2026-01-31 08:00\t120\t80\r\n"),
			importer.Options{},
			[]string{"2026-01-31T08:00:00Z 120/80"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := mustParse(t, tc.in, tc.opt)
			if len(res.Rejected) > 0 {
				t.Errorf("rejected: %+v", res.Rejected)
			}
			equalLists(t, briefs(res.Readings), tc.want)
			for _, r := range res.Readings {
				if r.Source != bptracker.SourceImport {
					t.Errorf("source: got %q, want %q", r.Source, bptracker.SourceImport)
				}
			}
		})
	}
}

func utf16le(s string) string {
	b := []byte{0xFF, 0xFE}
	for _, r := range s {
		b = append(b, byte(r), byte(r>>8))
	}
	return string(b)
}

func TestRejections(t *testing.T) {
	in := "Date,Time,Sys,Dia,Pulse,Arm\n" +
		"2026-01-31,08:15,128,82,64,left\n" + // 2 ok
		"2026-01-31,08:20,999,82,64,left\n" + // 3 systolic out of range
		"2026-01-31,08:25,80,82,,\n" + // 4 systolic not above diastolic
		"2026-01-31,08:30,abc,82,,\n" + // 5 not a number
		"2027-01-31,08:30,120,80,,\n" + // 6 future
		"2026-02-30,08:30,120,80,,\n" + // 7 no such day
		"2026-01-31,25:30,120,80,,\n" + // 8 bad time
		"2026-01-31,08:30,120,80,,middle\n" + // 9 bad arm
		"2026-01-31,08:15,128,82,64,left\n" + // 10 duplicate of 2
		",,,,,\n" + // blank: skipped
		"2026-01-31,09:00,120,80,280,\n" // 12 pulse
	res := mustParse(t, in, importer.Options{})
	if got, want := len(res.Readings), 1; got != want {
		t.Fatalf("readings: got %d, want %d", got, want)
	}
	if got, want := res.Duplicates, 1; got != want {
		t.Errorf("duplicates: got %d, want %d", got, want)
	}
	want := []importer.Rejection{
		{3, "systolic must be between 50 and 300 mmHg"},
		{4, "systolic must be greater than diastolic"},
		{5, "systolic is not a number"},
		{6, "taken_at cannot be more than ten minutes in the future"},
		{7, "the date is not a valid calendar date"},
		{8, "the time is not a time of day (use e.g. 08:15 or 8:15 PM)"},
		{9, "arm must be left or right"},
		{12, "pulse must be between 20 and 250 beats per minute"},
	}
	if len(res.Rejected) != len(want) {
		t.Fatalf("rejected: got %+v, want %+v", res.Rejected, want)
	}
	for i := range want {
		if res.Rejected[i] != want[i] {
			t.Errorf("rejection %d: got %+v, want %+v", i, res.Rejected[i], want[i])
		}
	}
	// No value from the file may appear in a reason.
	for _, r := range res.Rejected {
		for _, v := range []string{"999", "abc", "2027", "25:30", "middle", "280"} {
			if strings.Contains(r.Reason, v) {
				t.Errorf("row %d: reason %q quotes the value %q", r.Row, r.Reason, v)
			}
		}
	}
}

func TestDateOrder(t *testing.T) {
	ambiguous := "Date,Sys,Dia\n03/04/2026 08:00,120,80\n05/06/2026 08:00,121,80\n"
	_, err := importer.Parse([]byte(ambiguous), importer.Options{Now: now.AddDate(1, 0, 0)})
	if got, want := bptracker.ErrorCode(err), bptracker.EINVALID; got != want {
		t.Fatalf("ambiguous dates: got code %q, want %q", got, want)
	}
	if got := bptracker.ErrorFields(err)["date_order"]; got == "" {
		t.Errorf("ambiguous dates: no date_order field in %v", err)
	}
	if got := bptracker.ErrorMessage(err); !strings.Contains(got, "date order") {
		t.Errorf("message: got %q, want it to ask for the date order", got)
	}
	for _, tc := range []struct {
		order string
		first string
	}{{"dmy", "2026-04-03T08:00:00Z"}, {"mdy", "2026-03-04T08:00:00Z"}} {
		res := mustParse(t, ambiguous, importer.Options{DateOrder: tc.order, Now: now.AddDate(1, 0, 0)})
		if got := res.Readings[0].TakenAt.Format(time.RFC3339); got != tc.first {
			t.Errorf("%s: got %s, want %s", tc.order, got, tc.first)
		}
	}
	// One unambiguous date settles the whole file.
	res := mustParse(t, ambiguous+"25/01/2026 08:00,122,80\n", importer.Options{Now: now.AddDate(1, 0, 0)})
	if got, want := res.Readings[0].TakenAt.Format("2006-01-02"), "2026-04-03"; got != want {
		t.Errorf("settled by a day > 12: got %s, want %s", got, want)
	}
	// The same day and month is not ambiguous.
	mustParse(t, "Date,Sys,Dia\n02/02/2026,120,80\n", importer.Options{})
	// An unknown order is refused.
	if _, err := importer.Parse([]byte(ambiguous), importer.Options{DateOrder: "ymd"}); bptracker.ErrorCode(err) != bptracker.EINVALID {
		t.Errorf("date order ymd: got %v, want EINVALID", err)
	}
}

func TestParseJSON(t *testing.T) {
	in := `{"version": 3, "readings": [
	  {"timestamp": 1769847300000, "SYS": 128, "DIA": 82, "bpm": 64, "comment": "ok", "x": "resourceType"},
	  {"date": "2026-01-31", "time": "20:05", "systolic": "131", "diastolic": 84, "notes": null},
	  {"taken_at": "2026-02-01T07:00:00-05:00", "sys": 119, "dia": 79, "heart_rate": 58, "arm": "right", "irregular_heartbeat": true, "tags": ["a", "b"]},
	  {"datetime": "2026-02-01 07:00", "sys": 20, "dia": 79},
	  "not an object",
	  {"foo": 1}
	]}`
	res := mustParse(t, in, importer.Options{Location: paris})
	if got, want := res.Format, importer.FormatJSON; got != want {
		t.Errorf("format: got %q, want %q", got, want)
	}
	equalLists(t, briefs(res.Readings), []string{
		"2026-01-31T09:15:00+01:00 128/82 p64 ok",
		"2026-01-31T20:05:00+01:00 131/84",
		"2026-02-01T07:00:00-05:00 119/79 p58 right irr [a|b]",
	})
	want := []importer.Rejection{
		{4, "systolic must be between 50 and 300 mmHg"},
		{5, "the element is not an object"},
		{6, "the object has no date, systolic and diastolic (or blood pressure) fields"},
	}
	if fmt.Sprint(res.Rejected) != fmt.Sprint(want) {
		t.Errorf("rejected: got %+v, want %+v", res.Rejected, want)
	}
}

func TestParseFHIR(t *testing.T) {
	in := `{"resourceType":"Bundle","type":"collection","entry":[
	 {"resource":{"resourceType":"Patient"}},
	 {"resource":{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},
	  "effectiveDateTime":"2026-01-31T08:15:00+01:00","component":[
	   {"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":128,"code":"mm[Hg]","system":"http://unitsofmeasure.org"}},
	   {"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":82,"code":"mm[Hg]","system":"http://unitsofmeasure.org"}}]}},
	 {"resource":{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},
	  "effectiveDateTime":"2026-01-31T09:15:00+01:00","component":[
	   {"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":400,"code":"mm[Hg]","system":"http://unitsofmeasure.org"}},
	   {"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":82,"code":"mm[Hg]","system":"http://unitsofmeasure.org"}}]}}
	]}`
	res := mustParse(t, in, importer.Options{})
	if got, want := res.Format, importer.FormatFHIR; got != want {
		t.Errorf("format: got %q, want %q", got, want)
	}
	equalLists(t, briefs(res.Readings), []string{"2026-01-31T08:15:00+01:00 128/82"})
	if got, want := fmt.Sprint(res.Rejected), fmt.Sprint([]importer.Rejection{{3, "systolic must be between 50 and 300 mmHg"}}); got != want {
		t.Errorf("rejected: got %s, want %s", got, want)
	}
	if got, want := res.Ignored, 1; got != want {
		t.Errorf("ignored: got %d, want %d", got, want)
	}
}

func TestKey(t *testing.T) {
	p := 60
	a := bptracker.Reading{TakenAt: time.Date(2026, 1, 31, 8, 0, 0, 0, time.FixedZone("", 3600)), Systolic: 120, Diastolic: 80, Pulse: &p}
	b := a
	b.TakenAt = a.TakenAt.UTC() // the same instant
	b.Note = "different note"
	if importer.Key(a) != importer.Key(b) {
		t.Errorf("same instant and values: keys differ: %s, %s", importer.Key(a), importer.Key(b))
	}
	c := a
	c.Pulse = nil
	if importer.Key(a) == importer.Key(c) {
		t.Errorf("different pulse: same key %s", importer.Key(a))
	}
}

func TestFileErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		opt  importer.Options
		code string
		msg  string
	}{
		{"empty", []byte("  \n"), importer.Options{}, bptracker.EINVALID, "empty"},
		{"no header", []byte("a,b,c\n1,2,3\n"), importer.Options{}, bptracker.EINVALID, "no header row"},
		{"too large", append([]byte("Date,Sys,Dia\n"), make([]byte, importer.MaxInputBytes)...), importer.Options{}, bptracker.ETOOLARGE, "larger than 10 MiB"},
		{"malformed JSON", []byte(`[{"sys": 120,`), importer.Options{}, bptracker.EINVALID, "truncated"},
		{"JSON not a list", []byte(`{"a": 1}`), importer.Options{}, bptracker.EINVALID, "no list of readings"},
		{"xls", []byte("\xD0\xCF\x11\xE0rest"), importer.Options{}, bptracker.EINVALID, ".xls"},
		{"unknown format", []byte("x"), importer.Options{Format: "docx"}, bptracker.EINVALID, "unknown format"},
		{"zip that is no spreadsheet", zipOf(t, map[string]string{"a.txt": "hello"}), importer.Options{}, bptracker.EINVALID, "neither an XLSX nor an ODS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := importer.Parse(tc.in, tc.opt)
			if got := bptracker.ErrorCode(err); got != tc.code {
				t.Fatalf("code: got %q, want %q (%v)", got, tc.code, err)
			}
			if got := bptracker.ErrorMessage(err); !strings.Contains(got, tc.msg) {
				t.Errorf("message: got %q, want it to contain %q", got, tc.msg)
			}
		})
	}
}
