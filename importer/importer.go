// Package importer reads a patient's reading history from the files people
// have: CSV (comma, semicolon, tab or pipe), XLSX, ODS, the JSON a
// browser-only tracker saves, and FHIR R4. It returns validated domain
// readings and, for every row it could not use, the row number and a reason
// that quotes nothing from the file. It stores nothing: skipping readings
// already stored and the all-or-nothing rule are the service's.
package importer

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/bptracker/bptracker"
)

// Formats Parse understands (Options.Format and Result.Format).
const (
	FormatCSV  = "csv" // any delimiter; "tsv" is accepted as an alias
	FormatXLSX = "xlsx"
	FormatODS  = "ods"
	FormatJSON = "json"
	FormatFHIR = "fhir"
)

// Date orders for numeric dates such as 03/04/2026.
const (
	DateOrderDMY = "dmy"
	DateOrderMDY = "mdy"
)

// Limits on what Parse accepts.
const (
	MaxInputBytes = 10 << 20 // the file as uploaded
	// MaxRows bounds spreadsheet rows (XLSX, ODS) and, with MaxRecords,
	// the readings of one file: 20,000 is more than 27 years of two
	// readings a day.
	MaxRows = 20000
	// MaxRecords bounds CSV and JSON records; their size limit already
	// bounds the work, this keeps the result's memory small.
	MaxRecords = 100000
	// MaxUnzippedBytes and MaxZipRatio guard against zip bombs in XLSX and
	// ODS files: an honest spreadsheet of 20,000 rows expands to a few MiB
	// and compresses perhaps 10 to 20 times.
	MaxUnzippedBytes = 50 << 20
	MaxZipRatio      = 100
	MaxZipEntries    = 2000
)

// Options say how to read a file. The zero value detects the format, fails
// on ambiguous dates, reads times without an offset as UTC and takes
// time.Now for "not in the future".
type Options struct {
	// Format is one of the Format constants, or "" to detect it.
	Format string
	// DateOrder is DateOrderDMY or DateOrderMDY for dates like 03/04/2026.
	// When "" and the file's dates could be read either way, Parse returns
	// an EINVALID error whose Fields has "date_order".
	DateOrder string
	// Location is the time zone of times written without a UTC offset
	// (nil: UTC). Times with an offset keep it.
	Location *time.Location
	// Now is the current time for validation (zero: time.Now()).
	Now time.Time
}

// Rejection is a row (a record, an array element or a FHIR resource,
// counted from 1) that could not be imported, and why. Reason never quotes
// a value from the file.
type Rejection struct {
	Row    int    `json:"row"`
	Reason string `json:"reason"`
}

// Result is what a file holds.
type Result struct {
	Format string `json:"format"`
	// Readings are valid, in file order, with Source import and no id or
	// patient: the caller assigns those.
	Readings []bptracker.Reading `json:"readings"`
	Rejected []Rejection         `json:"rejected"`
	// Duplicates counts readings dropped because an earlier one in the same
	// file has the same Key.
	Duplicates int `json:"duplicates"`
	// Ignored counts things that are not readings and not errors: blank
	// rows, FHIR resources of other kinds.
	Ignored int `json:"ignored"`
}

// Key identifies a reading for duplicate detection: the instant it was
// taken (whatever the offset), systolic, diastolic and pulse.
func Key(r bptracker.Reading) string {
	p := "-"
	if r.Pulse != nil {
		p = strconv.Itoa(*r.Pulse)
	}
	return fmt.Sprintf("%d.%09d/%d/%d/%s", r.TakenAt.Unix(), r.TakenAt.Nanosecond(), r.Systolic, r.Diastolic, p)
}

func invalid(format string, args ...any) error {
	return bptracker.Errorf(bptracker.EINVALID, format, args...)
}

// Parse reads data in the given or detected format. A file it cannot read
// at all is an error (EINVALID, or ETOOLARGE past a limit); rows it cannot
// use are in Result.Rejected. It never panics on hostile input.
func Parse(data []byte, opt Options) (res *Result, err error) {
	if len(data) > MaxInputBytes {
		return nil, bptracker.Errorf(bptracker.ETOOLARGE, "the file is larger than %d MiB", MaxInputBytes>>20)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, invalid("the file is empty")
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	if opt.Location == nil {
		opt.Location = time.UTC
	}
	switch opt.DateOrder {
	case "", DateOrderDMY, DateOrderMDY:
	default:
		return nil, &bptracker.Error{Code: bptracker.EINVALID, Message: "the date order must be dmy or mdy",
			Fields: map[string]string{"date_order": "must be dmy or mdy"}}
	}
	format := strings.ToLower(opt.Format)
	if format == "tsv" {
		format = FormatCSV
	}
	if format == "" {
		if format, err = Detect(data); err != nil {
			return nil, err
		}
	}
	b := newBuilder(format, opt)
	switch format {
	case FormatCSV:
		err = parseCSV(data, b)
	case FormatXLSX:
		err = parseXLSX(data, b)
	case FormatODS:
		err = parseODS(data, b)
	case FormatJSON:
		err = parseJSON(data, b)
	case FormatFHIR:
		err = parseFHIR(data, b)
	default:
		return nil, invalid("unknown format: use csv, tsv, xlsx, ods, json or fhir")
	}
	if err != nil {
		return nil, err
	}
	return b.res, nil
}

// Detect guesses a file's format from its content.
func Detect(data []byte) (string, error) {
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return detectZip(data)
	case bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		return "", invalid("old Excel .xls files are not supported: save the sheet as .xlsx or CSV")
	case bytes.HasPrefix(data, []byte("%PDF")):
		return "", invalid("PDF files cannot be imported: use CSV, XLSX, ODS, JSON or FHIR")
	}
	text := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF")), " \t\r\n")
	if len(text) > 0 && (text[0] == '{' || text[0] == '[') {
		// FHIR resources always name their type near the top.
		head := text[:min(len(text), 4096)]
		if resourceTypeKey.Match(head) {
			return FormatFHIR, nil
		}
		return FormatJSON, nil
	}
	return FormatCSV, nil
}

// resourceTypeKey finds a "resourceType" key, not the same words escaped
// inside a note.
var resourceTypeKey = regexp.MustCompile(`(?:^|[^\\])"resourceType"\s*:`)

// builder turns rows of any format into the Result.
type builder struct {
	opt  Options
	res  *Result
	seen map[string]bool
}

func newBuilder(format string, opt Options) *builder {
	return &builder{opt: opt, res: &Result{Format: format, Readings: []bptracker.Reading{}, Rejected: []Rejection{}}, seen: map[string]bool{}}
}

func (b *builder) reject(row int, reason string) {
	b.res.Rejected = append(b.res.Rejected, Rejection{Row: row, Reason: reason})
}

// add validates r and keeps it unless an earlier reading has its Key.
func (b *builder) add(row int, r bptracker.Reading) {
	r.Source = bptracker.SourceImport
	if err := r.Validate(b.opt.Now); err != nil {
		b.reject(row, validationReason(err))
		return
	}
	k := Key(r)
	if b.seen[k] {
		b.res.Duplicates++
		return
	}
	b.seen[k] = true
	b.res.Readings = append(b.res.Readings, r)
}

// validationReason joins the per-field messages of Validate in a stable
// order; those messages state the rule, never the value.
func validationReason(err error) string {
	fields := bptracker.ErrorFields(err)
	if len(fields) == 0 {
		return bptracker.ErrorMessage(err)
	}
	order := []string{"taken_at", "systolic", "diastolic", "pulse", "arm", "position", "note", "tags", "source", "session_id"}
	var parts []string
	for _, f := range order {
		if m, ok := fields[f]; ok {
			parts = append(parts, m)
		}
	}
	var rest []string
	for f, m := range fields {
		if !contains(order, f) {
			rest = append(rest, m)
		}
	}
	sort.Strings(rest)
	return strings.Join(append(parts, rest...), "; ")
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// decodeText returns data as UTF-8: a UTF-8 or UTF-16 byte-order mark is
// honoured (Excel's "Unicode text" is UTF-16LE) and bytes that are not
// UTF-8 are read as Windows-1252, what Excel writes for "CSV" on Windows.
func decodeText(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")):
		data = data[3:]
	case bytes.HasPrefix(data, []byte("\xFF\xFE")), bytes.HasPrefix(data, []byte("\xFE\xFF")):
		be := data[0] == 0xFE
		data = data[2:]
		u := make([]uint16, len(data)/2)
		for i := range u {
			if be {
				u[i] = uint16(data[2*i])<<8 | uint16(data[2*i+1])
			} else {
				u[i] = uint16(data[2*i+1])<<8 | uint16(data[2*i])
			}
		}
		return string(utf16.Decode(u))
	}
	if utf8.Valid(data) {
		return string(data)
	}
	var sb strings.Builder
	sb.Grow(len(data) + len(data)/8)
	for _, c := range data {
		if c >= 0x80 && c < 0xA0 {
			sb.WriteRune(cp1252[c-0x80])
		} else {
			sb.WriteRune(rune(c))
		}
	}
	return sb.String()
}

// cp1252 maps 0x80..0x9F of Windows-1252; the rest is Latin-1.
var cp1252 = [32]rune{
	'€', '\uFFFD', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\uFFFD', 'Ž', '\uFFFD',
	'\uFFFD', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\uFFFD', 'ž', 'Ÿ',
}
