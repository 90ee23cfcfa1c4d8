package service

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/bptracker/bptracker"
	"github.com/google/uuid"
)

// The sealed part of a reading is encoded compactly in binary: decoding
// JSON was a fifth of the CPU of a 30-day history read (docs/benchmarks.md),
// and on DynamoDB every byte of a reading is read capacity (a 30-day page
// of 300 readings must fit 8 RCU: docs/capacity.md). The first byte is the
// format version; a leading '{' is the JSON of the first format, still read.
const (
	bodyV1 = 1 // times as RFC 3339 text, ids as text
	bodyV2 = 2 // times as varints (seconds, nanoseconds, UTC offset), UUIDs as 16 bytes
)

var errBody = errors.New("reading body: damaged")

// SealedReadingBudget is the size in bytes a typical sealed reading (no
// note or tags) stays within; DynamoDB's read capacity per history page
// depends on it (docs/capacity.md).
const SealedReadingBudget = 100

func encodeBody(b *readingBody) ([]byte, error) {
	out := make([]byte, 0, 64+len(b.Note))
	out = append(out, bodyV2)
	str := func(s string) {
		out = binary.AppendUvarint(out, uint64(len(s)))
		out = append(out, s...)
	}
	// taken_at keeps the patient's offset: seconds, nanoseconds, offset.
	t, err := b.time()
	if err != nil {
		return nil, fmt.Errorf("reading body: taken_at: %w", err)
	}
	_, off := t.Zone()
	out = binary.AppendVarint(out, t.Unix())
	out = binary.AppendUvarint(out, uint64(t.Nanosecond()))
	out = binary.AppendVarint(out, int64(off))
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
	if u, err := uuid.Parse(b.CreatedBy); err == nil && u.String() == b.CreatedBy {
		out = append(out, 16)
		out = append(out, u[:]...)
	} else {
		out = append(out, 0)
		str(b.CreatedBy)
	}
	out = binary.AppendVarint(out, b.CreatedAt.UnixNano())
	return out, nil
}

// time returns taken_at, with the patient's offset: as decoded from the
// binary format, else parsed from its text (new readings, the JSON format).
func (b *readingBody) time() (time.Time, error) {
	if !b.takenAt.IsZero() {
		return b.takenAt, nil
	}
	return time.Parse(time.RFC3339Nano, b.TakenAt)
}

// zones holds one *time.Location per UTC offset seen (at most one per
// minute of ±24 h), so decoding a page does not allocate one per reading.
var zones sync.Map

func fixedZone(off int) *time.Location {
	if z, ok := zones.Load(off); ok {
		return z.(*time.Location)
	}
	z, _ := zones.LoadOrStore(off, time.FixedZone("", off))
	return z.(*time.Location)
}

func decodeBody(p []byte, b *readingBody) error {
	if len(p) > 0 && p[0] == '{' {
		return json.Unmarshal(p, b)
	}
	if len(p) == 0 || (p[0] != bodyV1 && p[0] != bodyV2) {
		return errBody
	}
	v2 := p[0] == bodyV2
	d := decoder{p: p[1:]}
	if v2 {
		sec, nsec, off := d.int(), d.uint(), d.int()
		if nsec >= 1e9 || off <= -24*3600 || off >= 24*3600 {
			return errBody
		}
		// The time itself, not its text: formatting it here and parsing it
		// back in openReading was a tenth of opening a reading.
		b.takenAt = time.Unix(sec, int64(nsec)).In(fixedZone(int(off)))
	} else {
		b.TakenAt = d.str()
	}
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
	b.Source, b.SessionID = bptracker.Source(d.str()), d.str()
	if !v2 {
		b.CreatedBy = d.str()
	} else if d.byte() == 16 {
		var u uuid.UUID
		if len(d.p) < 16 {
			return errBody
		}
		copy(u[:], d.p[:16])
		d.p = d.p[16:]
		b.CreatedBy = u.String()
	} else {
		b.CreatedBy = d.str()
	}
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

// encodeChunk packs sealed readings waiting in an import job: id, time and
// the sealed value of each (the rest is set when the chunk is written).
func encodeChunk(recs []*bptracker.ReadingRecord) []byte {
	out := binary.AppendUvarint(nil, uint64(len(recs)))
	for _, r := range recs {
		out = binary.AppendUvarint(out, uint64(len(r.ID)))
		out = append(out, r.ID...)
		out = binary.AppendVarint(out, r.TakenAt.UnixNano())
		out = binary.AppendUvarint(out, uint64(len(r.Sealed)))
		out = append(out, r.Sealed...)
	}
	return out
}

func decodeChunk(p []byte, patientID string) ([]*bptracker.ReadingRecord, error) {
	d := decoder{p: p}
	n := d.uint()
	if d.err || n > uint64(len(p)) {
		return nil, errBody
	}
	recs := make([]*bptracker.ReadingRecord, 0, n)
	for range n {
		r := &bptracker.ReadingRecord{PatientID: patientID, Version: 1}
		r.ID = d.str()
		r.TakenAt = time.Unix(0, d.int()).UTC()
		r.Sealed = []byte(d.str())
		if d.err {
			return nil, errBody
		}
		recs = append(recs, r)
	}
	if len(d.p) != 0 {
		return nil, errBody
	}
	return recs, nil
}
