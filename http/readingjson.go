package http

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/bptracker/bptracker/service"
)

// appendReadings writes a page of readings as encoding/json would (the
// test holds it to that, byte for byte) without reflection: encoding was a
// quarter of the CPU of a 30-day history read (docs/benchmarks.md).
func appendReadings(b []byte, list []*service.ReadingView, next string) []byte {
	b = append(b, `{"next_cursor":`...)
	if next == "" {
		b = append(b, "null"...)
	} else {
		b = appendString(b, next)
	}
	b = append(b, `,"readings":[`...)
	for i, v := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendReading(b, v)
	}
	return append(b, "]}\n"...)
}

func appendReading(b []byte, v *service.ReadingView) []byte {
	r := &v.Reading
	b = append(b, `{"id":`...)
	b = appendString(b, r.ID)
	b = append(b, `,"patient_id":`...)
	b = appendString(b, r.PatientID)
	b = append(b, `,"taken_at":`...)
	b = appendTime(b, r.TakenAt)
	b = append(b, `,"systolic":`...)
	b = strconv.AppendInt(b, int64(r.Systolic), 10)
	b = append(b, `,"diastolic":`...)
	b = strconv.AppendInt(b, int64(r.Diastolic), 10)
	if r.Pulse != nil {
		b = append(b, `,"pulse":`...)
		b = strconv.AppendInt(b, int64(*r.Pulse), 10)
	}
	if r.Arm != "" {
		b = append(b, `,"arm":`...)
		b = appendString(b, string(r.Arm))
	}
	if r.Position != "" {
		b = append(b, `,"position":`...)
		b = appendString(b, string(r.Position))
	}
	b = append(b, `,"irregular_heartbeat":`...)
	b = strconv.AppendBool(b, r.IrregularHeartbeat)
	if r.Note != "" {
		b = append(b, `,"note":`...)
		b = appendString(b, r.Note)
	}
	if len(r.Tags) > 0 {
		b = append(b, `,"tags":[`...)
		for i, t := range r.Tags {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, t)
		}
		b = append(b, ']')
	}
	b = append(b, `,"source":`...)
	b = appendString(b, string(r.Source))
	if r.SessionID != "" {
		b = append(b, `,"session_id":`...)
		b = appendString(b, r.SessionID)
	}
	b = append(b, `,"created_by":`...)
	b = appendString(b, r.CreatedBy)
	b = append(b, `,"updated_by":`...)
	b = appendString(b, r.UpdatedBy)
	b = append(b, `,"created_at":`...)
	b = appendTime(b, r.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = appendTime(b, r.UpdatedAt)
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, int64(r.Version), 10)
	if r.Deleted {
		b = append(b, `,"deleted":true`...)
	}
	b = append(b, `,"category":`...)
	b = appendString(b, string(v.Category))
	b = append(b, `,"category_label":`...)
	b = appendString(b, v.CategoryLabel)
	b = append(b, `,"severe":`...)
	b = strconv.AppendBool(b, v.Severe)
	if v.Advice != "" {
		b = append(b, `,"advice":`...)
		b = appendString(b, v.Advice)
	}
	return append(b, '}')
}

func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendString quotes s as encoding/json does by default: <, > and & as
// \u escapes, U+2028 and U+2029 escaped, invalid UTF-8 as U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
