package importer

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/bptracker/bptracker"
)

// orderEvidence collects what numeric dates (a/b/year) say about the order.
type orderEvidence struct {
	dmy, mdy, ambiguous bool
}

var numDateRe = regexp.MustCompile(`^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})(?:$|[^\d])`)

func (e *orderEvidence) scan(s string) {
	m := numDateRe.FindStringSubmatch(s)
	if m == nil {
		return
	}
	a, _ := strconv.Atoi(m[1])
	b, _ := strconv.Atoi(m[2])
	switch {
	case a > 12 && b <= 12:
		e.dmy = true
	case b > 12 && a <= 12:
		e.mdy = true
	case a <= 12 && b <= 12 && a != b:
		e.ambiguous = true
	}
}

// AskDateOrder is the message of the error Parse returns when the dates
// could be day-first or month-first; its Fields has "date_order".
const AskDateOrder = "the dates could be day-first (31/01/2026) or month-first (01/31/2026): choose the date order, dmy or mdy"

func (e orderEvidence) decide() (string, error) {
	switch {
	case e.dmy && e.mdy:
		return "", &bptracker.Error{Code: bptracker.EINVALID,
			Message: "the dates are written both day-first and month-first: choose the date order, dmy or mdy (rows that do not fit it are rejected)",
			Fields:  map[string]string{"date_order": "choose dmy or mdy"}}
	case e.dmy:
		return DateOrderDMY, nil
	case e.mdy:
		return DateOrderMDY, nil
	case e.ambiguous:
		return "", &bptracker.Error{Code: bptracker.EINVALID, Message: AskDateOrder,
			Fields: map[string]string{"date_order": "choose dmy or mdy"}}
	}
	return DateOrderDMY, nil // no numeric dates, or only ones like 05/05/2026
}

// civil is a date and time as written, before a zone is applied.
type civil struct {
	y, mo, d     int
	h, mi, s, ns int
	hasTime      bool
	zone         *time.Location // an offset written with the value
	instant      time.Time      // set for Unix timestamps: already absolute
	isInstant    bool
}

var (
	isoDateRe = regexp.MustCompile(`^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:(?:T|\s+)(.*))?$`)
	dmyRe     = regexp.MustCompile(`^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})(?:(?:T|,?\s+)(.*))?$`)
	timeRe    = regexp.MustCompile(`(?i)^(\d{1,2})(?:[:.h](\d{2})(?:[:.](\d{2})(?:[.,](\d{1,9}))?)?)?\s*([ap])?\.?(?:m\.?)?\s*(z|utc|gmt|[+-]\d{1,2}(?::?\d{2})?|(?:utc|gmt)[+-]\d{1,2}(?::?\d{2})?)?$`)
	numberRe  = regexp.MustCompile(`^\d+(?:\.\d+)?$`)
)

var months = map[string]int{
	"jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
	"may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
	"sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}

var weekdays = map[string]bool{
	"mon": true, "monday": true, "tue": true, "tues": true, "tuesday": true, "wed": true, "wednesday": true,
	"thu": true, "thur": true, "thurs": true, "thursday": true, "fri": true, "friday": true,
	"sat": true, "saturday": true, "sun": true, "sunday": true,
}

const (
	badDate = "the date is not a date this importer understands (use e.g. 2026-01-31, 31/01/2026 or 31 Jan 2026)"
	badTime = "the time is not a time of day (use e.g. 08:15 or 8:15 PM)"
)

// parseDate reads a date, optionally with a time and an offset.
func (t *table) parseDate(s, order string) (civil, string) {
	if numberRe.MatchString(s) {
		v, _ := strconv.ParseFloat(s, 64)
		if t.epoch {
			return t.unix(v)
		}
		return serial(v, t.date1904)
	}
	var c civil
	var rest string
	if m := isoDateRe.FindStringSubmatch(s); m != nil {
		c.y, _ = strconv.Atoi(m[1])
		c.mo, _ = strconv.Atoi(m[2])
		c.d, _ = strconv.Atoi(m[3])
		rest = m[4]
	} else if m := dmyRe.FindStringSubmatch(s); m != nil {
		a, _ := strconv.Atoi(m[1])
		b, _ := strconv.Atoi(m[2])
		if order == DateOrderMDY {
			a, b = b, a
		}
		c.d, c.mo = a, b
		c.y = year(m[3])
		rest = m[4]
	} else {
		var ok bool
		if c, rest, ok = namedMonth(s); !ok {
			return c, badDate
		}
	}
	if c.mo < 1 || c.mo > 12 || c.d < 1 || c.d > 31 {
		return c, "the date is not a valid calendar date"
	}
	if rest = strings.TrimSpace(rest); rest != "" {
		if reason := parseClock(rest, &c); reason != "" {
			return c, reason
		}
	}
	return c, ""
}

// year reads a two- or four-digit year; two digits mean 1970–2069.
func year(s string) int {
	y, _ := strconv.Atoi(s)
	if len(s) == 2 {
		if y < 70 {
			return 2000 + y
		}
		return 1900 + y
	}
	return y
}

// namedMonth reads "31 Jan 2026", "Jan 31, 2026", "Saturday, 31 January
// 2026 08:15" and the like; rest is the time part.
func namedMonth(s string) (civil, string, bool) {
	var c civil
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == '-' || r == '/' })
	var nums []string
	var rest []string
	for i, f := range fields {
		lf := strings.ToLower(strings.TrimSuffix(f, "."))
		if strings.Contains(f, ":") {
			rest = fields[i:]
			break
		}
		switch {
		case months[lf] != 0 && c.mo == 0:
			c.mo = months[lf]
		case weekdays[lf]:
		default:
			n := strings.TrimRight(lf, "stndrh") // 1st, 2nd, 3rd, 4th
			if n == "" || strings.Trim(n, "0123456789") != "" || len(n) > 4 {
				return c, "", false
			}
			nums = append(nums, n)
		}
	}
	if c.mo == 0 || len(nums) != 2 {
		return c, "", false
	}
	if len(nums[0]) == 4 { // 2026 Jan 31
		nums[0], nums[1] = nums[1], nums[0]
	}
	c.d, _ = strconv.Atoi(nums[0])
	if len(nums[1]) != 2 && len(nums[1]) != 4 {
		return c, "", false
	}
	c.y = year(nums[1])
	return c, strings.Join(rest, " "), true
}

// parseClock reads "08:15", "8:15:30.5 PM", "08:15:00+01:00", "20h15"
// into c.
func parseClock(s string, c *civil) string {
	s = strings.TrimSpace(s)
	if v, err := strconv.ParseFloat(s, 64); err == nil && numberRe.MatchString(s) && v < 1 {
		// A spreadsheet time: a fraction of a day ("8.15" is a clock time
		// and goes to the pattern below).
		secs := int(math.Round(v * 86400))
		if secs >= 86400 {
			secs = 86399
		}
		c.h, c.mi, c.s, c.ns, c.hasTime = secs/3600, secs/60%60, secs%60, 0, true
		return ""
	}
	m := timeRe.FindStringSubmatch(s)
	if m == nil || (m[2] == "" && m[5] == "") {
		return badTime
	}
	h, _ := strconv.Atoi(m[1])
	mi, _ := strconv.Atoi(m[2])
	sec, _ := strconv.Atoi(m[3])
	ns := 0
	if m[4] != "" {
		frac := (m[4] + "000000000")[:9]
		ns, _ = strconv.Atoi(frac)
	}
	switch strings.ToLower(m[5]) {
	case "a":
		if h < 1 || h > 12 {
			return badTime
		}
		if h == 12 {
			h = 0
		}
	case "p":
		if h < 1 || h > 12 {
			return badTime
		}
		if h != 12 {
			h += 12
		}
	}
	if h > 23 || mi > 59 || sec > 59 {
		return badTime
	}
	c.h, c.mi, c.s, c.ns, c.hasTime = h, mi, sec, ns, true
	if m[6] != "" {
		loc, ok := parseOffset(m[6])
		if !ok {
			return "the UTC offset is not valid (use e.g. +01:00)"
		}
		c.zone = loc
	}
	return ""
}

// parseOffset reads "Z", "UTC", "+01:00", "+0100", "-5", "UTC+1",
// "GMT-05:30".
func parseOffset(s string) (*time.Location, bool) {
	u := strings.ToUpper(strings.TrimSpace(s))
	switch u {
	case "Z", "UTC", "GMT":
		return time.UTC, true
	}
	u = strings.TrimPrefix(strings.TrimPrefix(u, "UTC"), "GMT")
	if len(u) < 2 || (u[0] != '+' && u[0] != '-') {
		return nil, false
	}
	sign := 1
	if u[0] == '-' {
		sign = -1
	}
	body := strings.ReplaceAll(u[1:], ":", "")
	var h, m int
	var err1, err2 error
	switch len(body) {
	case 1, 2:
		h, err1 = strconv.Atoi(body)
	case 3, 4:
		h, err1 = strconv.Atoi(body[:len(body)-2])
		m, err2 = strconv.Atoi(body[len(body)-2:])
	default:
		return nil, false
	}
	if err1 != nil || err2 != nil || h > 14 || m > 59 {
		return nil, false
	}
	off := sign * (h*3600 + m*60)
	if off == 0 {
		return time.UTC, true
	}
	return time.FixedZone("", off), true
}

// serial reads a spreadsheet date serial number (days since 1899-12-30, or
// since 1904-01-01 in the 1904 date system; the fraction is the time).
func serial(v float64, date1904 bool) (civil, string) {
	if v < 1 || v > 2958465 { // 9999-12-31
		return civil{}, badDate
	}
	base := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	if date1904 {
		base = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	} else if v < 61 {
		// Excel counts a 29 February 1900 that never was.
		base = base.AddDate(0, 0, 1)
	}
	days := math.Floor(v)
	secs := math.Round((v - days) * 86400)
	t := base.AddDate(0, 0, int(days)).Add(time.Duration(secs) * time.Second)
	return civil{y: t.Year(), mo: int(t.Month()), d: t.Day(), h: t.Hour(), mi: t.Minute(), s: t.Second(), hasTime: secs > 0}, ""
}

// unix reads a Unix timestamp in seconds or, above 1e11, milliseconds (a
// JavaScript Date.now()).
func (t *table) unix(v float64) (civil, string) {
	if v > 1e11 {
		v /= 1000
	}
	if v > 253402300799 { // 9999-12-31
		return civil{}, badDate
	}
	sec := math.Floor(v)
	ts := time.Unix(int64(sec), int64(math.Round((v-sec)*1e3))*1e6).In(t.b.opt.Location)
	return civil{isInstant: true, instant: ts, hasTime: true}, ""
}

// when combines the date, time, date-time and offset cells of a row.
func (t *table) when(date, clock, datetime, offset, order string) (time.Time, string) {
	s := datetime
	if s == "" {
		s = date
	}
	if s == "" {
		return time.Time{}, "the date is missing"
	}
	c, reason := t.parseDate(s, order)
	if reason != "" {
		return time.Time{}, reason
	}
	if c.isInstant {
		return c.instant, ""
	}
	if clock != "" {
		zone := c.zone
		if reason := parseClock(clock, &c); reason != "" {
			// A "Time" column that holds a whole date-time.
			c2, r2 := t.parseDate(clock, order)
			if r2 != "" || !c2.hasTime {
				return time.Time{}, reason
			}
			c.h, c.mi, c.s, c.ns, c.zone = c2.h, c2.mi, c2.s, c2.ns, c2.zone
		}
		if c.zone == nil {
			c.zone = zone
		}
	}
	loc := t.b.opt.Location
	if offset != "" {
		l, ok := t.zone(offset)
		if !ok {
			return time.Time{}, "the UTC offset is not valid (use e.g. +01:00 or Europe/Paris)"
		}
		loc = l
	}
	if c.zone != nil {
		loc = c.zone
	}
	// time.Date would roll 31/02 over into March: check the calendar date
	// on its own (in UTC, so a DST gap cannot move it).
	if w := time.Date(c.y, time.Month(c.mo), c.d, 12, 0, 0, 0, time.UTC); w.Year() != c.y || int(w.Month()) != c.mo || w.Day() != c.d {
		return time.Time{}, "the date is not a valid calendar date"
	}
	return time.Date(c.y, time.Month(c.mo), c.d, c.h, c.mi, c.s, c.ns, loc), ""
}

var zoneNameRe = regexp.MustCompile(`^[A-Za-z_]+(?:/[A-Za-z0-9_+\-]+){1,2}$`)

// maxZoneNames bounds the distinct zone names a file may make us load.
const maxZoneNames = 32

// zone reads an offset or an IANA zone name from an offset column.
func (t *table) zone(s string) (*time.Location, bool) {
	if loc, ok := parseOffset(s); ok {
		return loc, true
	}
	if !zoneNameRe.MatchString(s) {
		return nil, false
	}
	if t.zones == nil {
		t.zones = map[string]*time.Location{}
	}
	if loc, seen := t.zones[s]; seen {
		return loc, loc != nil
	}
	if len(t.zones) >= maxZoneNames {
		return nil, false
	}
	loc, err := time.LoadLocation(s)
	if err != nil {
		loc = nil
	}
	t.zones[s] = loc
	return loc, loc != nil
}
