package service

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"time"

	"github.com/bptracker/bptracker"
)

// The sealed part of a reading is encoded compactly in binary: decoding
// JSON was a fifth of the CPU of a 30-day history read (docs/benchmarks.md).
// The first byte is the format version; a leading '{' is the JSON of the
// first format, still read.
const bodyV1 = 1

var errBody = errors.New("reading body: damaged")

func encodeBody(b *readingBody) []byte {
	out := make([]byte, 0, 96+len(b.Note))
	out = append(out, bodyV1)
	str := func(s string) {
		out = binary.AppendUvarint(out, uint64(len(s)))
		out = append(out, s...)
	}
	str(b.TakenAt)
	out = binary.AppendUvarint(out, uint64(b.Systolic))
	out = binary.AppendUvarint(out, uint64(b.Diastolic))
	pulse := uint64(0) // 0 is "no pulse": a valid pulse is 20 or more
	if b.Pulse != nil {
		pulse = uint64(*b.Pulse)
	}
	out = binary.AppendUvarint(out, pulse)
	str(string(b.Arm))
	str(string(b.Position))
	flags := byte(0)
	if b.Irregular {
		flags = 1
	}
	out = append(out, flags)
	str(b.Note)
	out = binary.AppendUvarint(out, uint64(len(b.Tags)))
	for _, t := range b.Tags {
		str(t)
	}
	str(string(b.Source))
	str(b.SessionID)
	str(b.CreatedBy)
	out = binary.AppendVarint(out, b.CreatedAt.UnixNano())
	return out
}

func decodeBody(p []byte, b *readingBody) error {
	if len(p) > 0 && p[0] == '{' {
		return json.Unmarshal(p, b)
	}
	if len(p) == 0 || p[0] != bodyV1 {
		return errBody
	}
	d := decoder{p: p[1:]}
	b.TakenAt = d.str()
	b.Systolic, b.Diastolic = int(d.uint()), int(d.uint())
	if v := int(d.uint()); v != 0 {
		b.Pulse = &v
	}
	b.Arm, b.Position = bptracker.Arm(d.str()), bptracker.Position(d.str())
	b.Irregular = d.byte() == 1
	b.Note = d.str()
	if n := d.uint(); n > 0 && n <= bptracker.TagsMax {
		b.Tags = make([]string, n)
		for i := range b.Tags {
			b.Tags[i] = d.str()
		}
	} else if n > bptracker.TagsMax {
		return errBody
	}
	b.Source, b.SessionID, b.CreatedBy = bptracker.Source(d.str()), d.str(), d.str()
	b.CreatedAt = time.Unix(0, d.int()).UTC()
	if d.err || len(d.p) != 0 {
		return errBody
	}
	return nil
}

// decoder reads varints and strings, remembering the first overrun.
type decoder struct {
	p   []byte
	err bool
}

func (d *decoder) uint() uint64 {
	v, n := binary.Uvarint(d.p)
	if n <= 0 || v > 1<<31 {
		d.err, d.p = true, nil
		return 0
	}
	d.p = d.p[n:]
	return v
}

func (d *decoder) int() int64 {
	v, n := binary.Varint(d.p)
	if n <= 0 {
		d.err, d.p = true, nil
		return 0
	}
	d.p = d.p[n:]
	return v
}

func (d *decoder) byte() byte {
	if len(d.p) == 0 {
		d.err = true
		return 0
	}
	c := d.p[0]
	d.p = d.p[1:]
	return c
}

func (d *decoder) str() string {
	n := d.uint()
	if n > uint64(len(d.p)) {
		d.err, d.p = true, nil
		return ""
	}
	s := string(d.p[:n])
	d.p = d.p[n:]
	return s
}
