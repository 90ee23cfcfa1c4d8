package importer_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/exporter"
	"github.com/bptracker/bptracker/importer"
)

// fuzzParse is the property every importer keeps: no panic, errors are
// coded (never internal), and every accepted reading is valid.
func fuzzParse(t *testing.T, data []byte, format string) {
	res, err := importer.Parse(data, importer.Options{Format: format, Now: now, DateOrder: importer.DateOrderDMY})
	if err != nil {
		if code := bptracker.ErrorCode(err); code != bptracker.EINVALID && code != bptracker.ETOOLARGE {
			t.Fatalf("error code %q: %v", code, err)
		}
		return
	}
	for i, r := range res.Readings {
		if err := r.Validate(now); err != nil {
			t.Fatalf("reading %d accepted but invalid: %v", i, err)
		}
	}
	for _, rj := range res.Rejected {
		if rj.Row < 1 || rj.Reason == "" {
			t.Fatalf("rejection without row or reason: %+v", rj)
		}
	}
}

func FuzzParseCSV(f *testing.F) {
	for _, s := range []string{
		"Date,Time,Sys,Dia,Pulse\n2026-01-31,08:15,128,82,64\n",
		"Datum;Date;Time;Sys;Dia;HR\n;31.01.2026;8:15;128,0;82;64\n",
		"When\tBP\n02/01/2026 07:30\t120/80\n",
		"taken_at,sys,dia\n2026-01-31T08:15:00+09:00,120,80\n31 Jan 2026 21:00,121,80\n46054.5,123,80\n",
		"Date and time,UTC offset,Systolic,Diastolic\n2026-01-05 06:00:00,Europe/Paris,140,90\n",
		"\"Date\",\"Sys\",\"Dia\"\n\"2026-01-01\",\"1e300\",\"NaN\"\n",
	} {
		f.Add([]byte(s))
	}
	var buf bytes.Buffer
	if err := exporter.CSV(&buf, history(f)); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, data, importer.FormatCSV) })
}

func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{
		`[{"date":"2026-01-31","time":"08:15","sys":128,"dia":82,"pulse":64}]`,
		`{"readings":[{"timestamp":1769847300000,"SYS":"128","DIA":82,"tags":["a"]}]}`,
		`[{"bp":"120/80","datetime":"31/01/2026 08:00","irregular":true}]`,
		`{"sys":120,"dia":80,"taken_at":"2026-01-31T08:00:00Z"}`,
	} {
		f.Add([]byte(s))
	}
	var buf bytes.Buffer
	if err := exporter.JSON(&buf, history(f)); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, data, importer.FormatJSON) })
}

func FuzzParseFHIR(f *testing.F) {
	var buf bytes.Buffer
	if err := exporter.FHIR(&buf, "p", "Ada", history(f)); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(`{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"55284-4"}]},"effectiveDateTime":"2026-01-31T08:15:00+01:00","component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":120}},{"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":80}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, data, importer.FormatFHIR) })
}

func FuzzParseXLSX(f *testing.F) {
	f.Add(exportedXLSX(f))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, data, importer.FormatXLSX) })
}

func FuzzParseODS(f *testing.F) {
	f.Add(odsOf(f, odsHead+odsHeaderRow()+odsReadingRow()+odsTail))
	f.Add(odsOf(f, odsHead+odsHeaderRow()+`<table:table-row table:number-rows-repeated="3">`+
		`<table:table-cell office:value-type="time" office:time-value="PT08H15M00S"/><table:table-cell><text:p>120<text:s text:c="2"/></text:p></table:table-cell></table:table-row>`+odsTail))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, data, importer.FormatODS) })
}

// BenchmarkImportTenYears imports ten years of two readings a day (7,305
// rows) from the CSV and the XLSX export. Target: at most 2 s an import.
func BenchmarkImportTenYears(b *testing.B) {
	start := time.Date(2016, 3, 1, 7, 30, 0, 0, time.FixedZone("", 3600))
	var rs []bptracker.Reading
	for d := 0; d < 3653 && len(rs) < 7305; d++ {
		for _, h := range []int{0, 13} {
			p := 60 + d%20
			rs = append(rs, bptracker.Reading{TakenAt: start.AddDate(0, 0, d).Add(time.Duration(h) * time.Hour),
				Systolic: 115 + d%30, Diastolic: 70 + d%20, Pulse: &p, Arm: bptracker.ArmLeft, Note: "ok"})
		}
	}
	rs = rs[:7305]
	for _, format := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"CSV", func(w *bytes.Buffer) error { return exporter.CSV(w, rs) }},
		{"XLSX", func(w *bytes.Buffer) error { return exporter.XLSX(w, rs, bptracker.Summary{}) }},
	} {
		b.Run(format.name, func(b *testing.B) {
			var buf bytes.Buffer
			if err := format.write(&buf); err != nil {
				b.Fatal(err)
			}
			data := buf.Bytes()
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				res, err := importer.Parse(data, importer.Options{Now: now})
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Readings) != len(rs) {
					b.Fatalf("readings: got %d, want %d", len(res.Readings), len(rs))
				}
			}
		})
	}
}
