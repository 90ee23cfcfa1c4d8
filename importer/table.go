package importer

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/bptracker/bptracker"
)

// role is what a column (or JSON field) holds.
type role int

const (
	roleNone role = iota
	roleSystolic
	roleDiastolic
	roleBP // "120/80"
	rolePulse
	roleDate
	roleTime
	roleDateTime
	roleOffset
	roleNote
	roleArm
	rolePosition
	roleIrregular
	roleTags
	roleCount
)

// synonyms maps normalised header names (see normHeader) to roles.
var synonyms = map[string]role{}

func init() {
	for r, names := range map[role][]string{
		roleSystolic: {"sys", "systolic", "systole", "sbp", "systolic bp", "systolic blood pressure", "systolic pressure",
			"upper", "top", "high", "syst", "systolic value", "sys bp"},
		roleDiastolic: {"dia", "diastolic", "diastole", "dbp", "diastolic bp", "diastolic blood pressure", "diastolic pressure",
			"lower", "bottom", "low", "diast", "diastolic value", "dia bp"},
		roleBP: {"bp", "blood pressure", "reading", "pressure", "sys dia", "systolic diastolic", "bp reading", "value"},
		rolePulse: {"pulse", "hr", "heart rate", "heartrate", "heart_rate", "bpm", "pulse rate", "pul", "pulse bpm",
			"heart beat", "heartbeat", "heart rate bpm", "pr", "rate"},
		roleDate: {"date", "day", "date of reading", "measurement date", "date taken", "reading date", "dated"},
		roleTime: {"time", "time of day", "measurement time", "time taken", "reading time", "clock", "hour"},
		roleDateTime: {"datetime", "date time", "date and time", "date & time", "timestamp", "taken at", "taken_at", "takenat",
			"when", "measured at", "measured", "recorded at", "time stamp", "date time taken"},
		roleOffset:   {"utc offset", "offset", "timezone", "time zone", "tz", "zone", "utc"},
		roleNote:     {"note", "notes", "comment", "comments", "remark", "remarks", "memo", "description", "annotation"},
		roleArm:      {"arm", "side", "which arm", "measurement arm", "arm used", "limb"},
		rolePosition: {"position", "posture", "body position", "pose"},
		roleIrregular: {"irregular", "irregular heartbeat", "irregular heart beat", "irregular heartbeat detected", "ihb",
			"arrhythmia", "irregular pulse", "irregular_heartbeat", "irregularheartbeat", "afib"},
		roleTags: {"tags", "tag", "labels", "label"},
	} {
		for _, n := range names {
			synonyms[normHeader(n)] = r
		}
	}
}

// normHeader lowercases a header, drops units in brackets ("SYS (mmHg)")
// and trailing unit words, and turns punctuation into single spaces.
func normHeader(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	// Drop bracketed parts: "(mmhg)", "[bpm]", "{…}".
	var sb strings.Builder
	depth := 0
	for _, c := range s {
		switch c {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			if depth > 0 {
				depth--
			}
		default:
			if depth == 0 {
				if c == '&' {
					sb.WriteRune(c)
				} else if unicode.IsLetter(c) || unicode.IsDigit(c) {
					sb.WriteRune(c)
				} else {
					sb.WriteRune(' ')
				}
			}
		}
	}
	words := strings.Fields(sb.String())
	// Trailing units: "sys mmhg", "pulse bpm", "pulse min".
	for len(words) > 1 {
		last := words[len(words)-1]
		if last == "mmhg" || last == "hg" || last == "mm" || last == "min" || last == "bpm" {
			words = words[:len(words)-1]
			continue
		}
		break
	}
	return strings.Join(words, " ")
}

// columns maps roles to column indexes (-1: absent).
type columns [roleCount]int

// headerOf returns the columns a header row names, and whether they are
// enough to read readings from: a date and either both pressures or one
// combined column.
func headerOf(cells []string) (columns, bool) {
	var c columns
	for i := range c {
		c[i] = -1
	}
	for i, cell := range cells {
		r := synonyms[normHeader(cell)]
		if r != roleNone && c[r] < 0 {
			c[r] = i
		}
	}
	hasValues := (c[roleSystolic] >= 0 && c[roleDiastolic] >= 0) || c[roleBP] >= 0
	hasDate := c[roleDate] >= 0 || c[roleDateTime] >= 0
	if c[roleDate] < 0 && c[roleDateTime] < 0 && c[roleTime] >= 0 {
		// A lone "Time" column holding full date-times.
		c[roleDateTime], c[roleTime] = c[roleTime], -1
		hasDate = true
	}
	return c, hasValues && hasDate
}

// row is one record of a table: its 1-based number as the user sees it
// and its cells.
type row struct {
	n     int
	cells []string
}

// headerSearchRows is how far down a sheet the header row may be (title
// rows above it are common).
const headerSearchRows = 30

const noHeader = "no header row found: the file needs columns for the date, the systolic and the diastolic pressure " +
	"(or one combined \"120/80\" column), with headers such as Date, Time, Sys, Dia, Pulse"

// table reads rows into readings: it finds the header, settles the date
// order and converts every later row.
type table struct {
	b        *builder
	date1904 bool
	// epoch reads numeric date-times as Unix time (JSON) instead of
	// spreadsheet serial numbers.
	epoch bool
	// decimalComma reads "120,5" as 120.5 (semicolon-delimited files).
	decimalComma bool
	zones        map[string]*time.Location // zone names loaded so far
}

// findHeader returns the index of the header row in rows and its columns.
func findHeader(rows []row) (int, columns, bool) {
	for i := 0; i < len(rows) && i < headerSearchRows; i++ {
		if c, ok := headerOf(rows[i].cells); ok {
			return i, c, true
		}
	}
	return 0, columns{}, false
}

// run converts the rows after the header. rows hold only non-empty rows.
func (t *table) run(rows []row, hi int, c columns) error {
	data := rows[hi+1:]
	order, err := t.dateOrder(data, c)
	if err != nil {
		return err
	}
	for _, r := range data {
		rd, reason := t.reading(r.cells, c, order)
		if reason != "" {
			t.b.reject(r.n, reason)
			continue
		}
		t.b.add(r.n, rd)
	}
	return nil
}

func cell(cells []string, i int) string {
	if i < 0 || i >= len(cells) {
		return ""
	}
	return strings.TrimSpace(cells[i])
}

// dateOrder settles day-first or month-first from the option or the data.
func (t *table) dateOrder(data []row, c columns) (string, error) {
	if t.b.opt.DateOrder != "" {
		return t.b.opt.DateOrder, nil
	}
	var ev orderEvidence
	for _, r := range data {
		ev.scan(cell(r.cells, c[roleDate]))
		ev.scan(cell(r.cells, c[roleDateTime]))
	}
	return ev.decide()
}

// reading converts one row; reason says why it cannot.
func (t *table) reading(cells []string, c columns, order string) (bptracker.Reading, string) {
	var r bptracker.Reading
	var reason string
	if c[roleSystolic] >= 0 && (cell(cells, c[roleSystolic]) != "" || c[roleBP] < 0) {
		if r.Systolic, reason = t.number(cell(cells, c[roleSystolic]), "systolic"); reason != "" {
			return r, reason
		}
		if r.Diastolic, reason = t.number(cell(cells, c[roleDiastolic]), "diastolic"); reason != "" {
			return r, reason
		}
	} else {
		if r.Systolic, r.Diastolic, reason = t.combined(cell(cells, c[roleBP])); reason != "" {
			return r, reason
		}
	}
	if s := cell(cells, c[rolePulse]); s != "" {
		p, reason := t.number(s, "pulse")
		if reason != "" {
			return r, reason
		}
		r.Pulse = &p
	}
	if r.TakenAt, reason = t.when(cell(cells, c[roleDate]), cell(cells, c[roleTime]), cell(cells, c[roleDateTime]), cell(cells, c[roleOffset]), order); reason != "" {
		return r, reason
	}
	if r.Arm, reason = parseArm(cell(cells, c[roleArm])); reason != "" {
		return r, reason
	}
	if r.Position, reason = parsePosition(cell(cells, c[rolePosition])); reason != "" {
		return r, reason
	}
	if r.IrregularHeartbeat, reason = parseBool(cell(cells, c[roleIrregular])); reason != "" {
		return r, reason
	}
	r.Note = unneutralise(cell(cells, c[roleNote]))
	r.Tags = parseTags(cell(cells, c[roleTags]))
	return r, ""
}

// number reads an integer measurement: "120", "120.0", "120 mmHg",
// "120,0" in decimal-comma files. Fractions are rounded.
func (t *table) number(s, what string) (int, string) {
	if s == "" {
		return 0, what + " is missing"
	}
	s = strings.ToLower(s)
	for _, unit := range []string{"mmhg", "mm hg", "bpm", "/min"} {
		s = strings.TrimSpace(strings.TrimSuffix(s, unit))
	}
	if t.decimalComma {
		s = strings.Replace(s, ",", ".", 1)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, what + " is not a number"
	}
	if math.Abs(f) > 1e6 {
		return 0, what + " is out of range"
	}
	return int(math.Round(f)), ""
}

// combined reads "120/80" (also "120 / 80", "120-80", "120/80/65" where
// the third number is the pulse and is ignored here).
func (t *table) combined(s string) (int, int, string) {
	if s == "" {
		return 0, 0, "blood pressure is missing"
	}
	sep := "/"
	if !strings.Contains(s, "/") {
		sep = "-"
	}
	parts := strings.Split(s, sep)
	if len(parts) < 2 || len(parts) > 3 {
		return 0, 0, "blood pressure must be written as systolic/diastolic, e.g. 120/80"
	}
	sys, reason := t.number(strings.TrimSpace(parts[0]), "systolic")
	if reason != "" {
		return 0, 0, "blood pressure must be written as systolic/diastolic, e.g. 120/80"
	}
	dia, reason := t.number(strings.TrimSpace(parts[1]), "diastolic")
	if reason != "" {
		return 0, 0, "blood pressure must be written as systolic/diastolic, e.g. 120/80"
	}
	return sys, dia, ""
}

func parseArm(s string) (bptracker.Arm, string) {
	switch strings.ToLower(strings.Join(strings.Fields(s), " ")) {
	case "":
		return "", ""
	case "left", "l", "left arm", "left upper arm", "lt":
		return bptracker.ArmLeft, ""
	case "right", "r", "right arm", "right upper arm", "rt":
		return bptracker.ArmRight, ""
	}
	return "", "arm must be left or right"
}

func parsePosition(s string) (bptracker.Position, string) {
	switch strings.ToLower(strings.Join(strings.Fields(s), " ")) {
	case "":
		return "", ""
	case "sitting", "sit", "seated", "sitting down":
		return bptracker.PositionSitting, ""
	case "standing", "stand", "standing up", "upright":
		return bptracker.PositionStanding, ""
	case "lying", "lying down", "lie", "supine", "recumbent", "reclining", "laying", "laying down":
		return bptracker.PositionLying, ""
	}
	return "", "position must be sitting, standing or lying"
}

func parseBool(s string) (bool, string) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "no", "n", "false", "0", "-", "regular", "none":
		return false, ""
	case "yes", "y", "true", "1", "x", "✓", "✔", "irregular", "ihb":
		return true, ""
	}
	return false, "irregular heartbeat must be yes or no"
}

func parseTags(s string) []string {
	if s == "" {
		return nil
	}
	var tags []string
	for _, t := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		if t = unneutralise(strings.TrimSpace(t)); t != "" {
			tags = append(tags, t)
		}
	}
	return tags
}

// unneutralise undoes the exporter's formula neutralisation: a text that
// starts with apostrophes before =, +, -, @, tab or CR had one added.
func unneutralise(s string) string {
	if t := strings.TrimLeft(s, "'"); len(t) < len(s) && t != "" && strings.ContainsRune("=+-@\t\r", rune(t[0])) {
		return s[1:]
	}
	return s
}
