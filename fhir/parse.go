package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/bptracker/bptracker"
)

// Item is one reading found in the input, or the reason an Observation could
// not become one. Reasons never quote values from the input.
type Item struct {
	// Entry is the 1-based position of the (first) Observation the reading
	// came from among the resources of the input.
	Entry   int
	Reading *bptracker.Reading // nil when rejected
	Reason  string
}

// ParseResult is what Parse found.
type ParseResult struct {
	Items []Item
	// Ignored counts resources that are not blood-pressure readings
	// (Patient, other Observations, averages, pulses with no blood pressure
	// at the same time, entered-in-error Observations).
	Ignored int
}

// MaxResources bounds the resources Parse looks at, whatever the input size.
const MaxResources = 200000

// Parse reads FHIR R4 JSON: a Bundle of any type, a single Observation, a
// JSON array of resources, or NDJSON (one resource a line, as bulk data
// exports write it). Readings carry TakenAt, values, pulse, arm, position
// and note; the caller sets source, patient and ids and validates them.
func Parse(data []byte) (*ParseResult, error) {
	resources, err := collect(data)
	if err != nil {
		return nil, err
	}
	p := &parser{res: &ParseResult{}, parts: map[int64]*partial{}, pulses: map[int64]*pulseObs{}}
	for i, raw := range resources {
		p.resource(i+1, raw)
	}
	p.finish()
	return p.res, nil
}

func invalid(format string, args ...any) error {
	return bptracker.Errorf(bptracker.EINVALID, format, args...)
}

// jsonError turns a decoding error into a message that names positions and
// fields but never the input's text.
func jsonError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return invalid("the file is not valid JSON (syntax error at byte %d)", se.Offset)
	case errors.As(err, &te):
		if te.Field != "" {
			return invalid("the file is not valid FHIR JSON (%s has the wrong type)", te.Field)
		}
		return invalid("the file is not valid FHIR JSON (a value has the wrong type at byte %d)", te.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalid("the file is not valid JSON (it ends too early; is it truncated?)")
	}
	return invalid("the file is not valid FHIR JSON")
}

type probe struct {
	ResourceType string        `json:"resourceType"`
	Entry        []BundleEntry `json:"entry"`
}

// collect returns every resource of the input, Bundles unpacked one level.
func collect(data []byte) ([]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var out []json.RawMessage
	add := func(raw json.RawMessage) error {
		var pr probe
		if err := json.Unmarshal(raw, &pr); err != nil {
			return jsonError(err)
		}
		switch pr.ResourceType {
		case "":
			return invalid("the file is not FHIR: a resource has no resourceType")
		case "Bundle":
			for _, e := range pr.Entry {
				if len(e.Resource) > 0 {
					out = append(out, e.Resource)
				}
			}
		default:
			out = append(out, raw)
		}
		if len(out) > MaxResources {
			return bptracker.Errorf(bptracker.ETOOLARGE, "the file holds more than %d FHIR resources", MaxResources)
		}
		return nil
	}
	values := 0
	for {
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if err == io.EOF {
			break
		} else if err != nil {
			return nil, jsonError(err)
		}
		values++
		raw = bytes.TrimSpace(raw)
		switch {
		case len(raw) > 0 && raw[0] == '[':
			var arr []json.RawMessage
			if err := json.Unmarshal(raw, &arr); err != nil {
				return nil, jsonError(err)
			}
			for _, r := range arr {
				if err := add(r); err != nil {
					return nil, err
				}
			}
		case len(raw) > 0 && raw[0] == '{':
			if err := add(raw); err != nil {
				return nil, err
			}
		default:
			return nil, invalid("the file is not FHIR JSON: expected a resource, a Bundle or a list of resources")
		}
	}
	if values == 0 {
		return nil, invalid("the file is empty")
	}
	return out, nil
}

// partial is a stand-alone systolic and/or diastolic Observation waiting for
// its partner with the same effective time.
type partial struct {
	entry     int
	at        time.Time
	sys, dia  *int
	arm       bptracker.Arm
	position  bptracker.Position
	note      string
	rejection string
}

type pulseObs struct {
	value int
	used  bool
}

type parser struct {
	res    *ParseResult
	parts  map[int64]*partial
	order  []int64 // keys of parts in first-seen order
	pulses map[int64]*pulseObs
	// panels are the readings from panel Observations, waiting for a pulse.
	panels []int // indexes into res.Items
}

func (p *parser) reject(entry int, reason string) {
	p.res.Items = append(p.res.Items, Item{Entry: entry, Reason: reason})
}

func (p *parser) resource(entry int, raw json.RawMessage) {
	var o Observation
	if err := json.Unmarshal(raw, &o); err != nil {
		// A resource of another type may not fit Observation's shape; only
		// an Observation that does not decode is an error.
		var pr probe
		if json.Unmarshal(raw, &pr) == nil && pr.ResourceType != "Observation" {
			p.res.Ignored++
			return
		}
		p.reject(entry, "the Observation is not valid FHIR JSON")
		return
	}
	if o.ResourceType != "Observation" {
		p.res.Ignored++
		return
	}
	switch o.Status {
	case "entered-in-error", "cancelled":
		p.res.Ignored++
		return
	}
	code := o.Code.loinc()
	switch code {
	case CodeBPPanel, CodeBPPanelLegacy, CodeSystolic, CodeDiastolic, CodeHeartRate:
	default:
		p.res.Ignored++ // averages and every other Observation
		return
	}
	at, reason := effective(&o)
	if reason != "" {
		p.reject(entry, reason)
		return
	}
	switch code {
	case CodeBPPanel, CodeBPPanelLegacy:
		p.panel(entry, at, &o)
	case CodeHeartRate:
		v, reason := pulseValue(o.ValueQuantity)
		if reason != "" {
			p.reject(entry, reason)
			return
		}
		p.pulses[at.UnixNano()] = &pulseObs{value: v}
	case CodeSystolic, CodeDiastolic:
		v, reason := pressureValue(o.ValueQuantity, code)
		k := at.UnixNano()
		pt := p.parts[k]
		if pt == nil {
			pt = &partial{entry: entry, at: at}
			p.parts[k] = pt
			p.order = append(p.order, k)
		}
		if reason != "" {
			if pt.rejection == "" {
				pt.rejection = reason
			}
			return
		}
		if code == CodeSystolic {
			pt.sys = &v
		} else {
			pt.dia = &v
		}
		if pt.arm == "" {
			pt.arm = arm(o.BodySite)
		}
		if pt.position == "" {
			pt.position = position(o.Extension)
		}
		if pt.note == "" {
			pt.note = note(o.Note)
		}
	}
}

func (p *parser) panel(entry int, at time.Time, o *Observation) {
	var sys, dia, pulse *int
	for _, c := range o.Component {
		switch c.Code.loinc() {
		case CodeSystolic:
			v, reason := pressureValue(c.ValueQuantity, CodeSystolic)
			if reason != "" {
				p.reject(entry, reason)
				return
			}
			sys = &v
		case CodeDiastolic:
			v, reason := pressureValue(c.ValueQuantity, CodeDiastolic)
			if reason != "" {
				p.reject(entry, reason)
				return
			}
			dia = &v
		case CodeHeartRate:
			v, reason := pulseValue(c.ValueQuantity)
			if reason != "" {
				p.reject(entry, reason)
				return
			}
			pulse = &v
		}
	}
	switch {
	case sys == nil:
		p.reject(entry, "the blood pressure Observation has no systolic (8480-6) component")
		return
	case dia == nil:
		p.reject(entry, "the blood pressure Observation has no diastolic (8462-4) component")
		return
	}
	r := &bptracker.Reading{
		TakenAt:   at,
		Systolic:  *sys,
		Diastolic: *dia,
		Pulse:     pulse,
		Arm:       arm(o.BodySite),
		Position:  position(o.Extension),
		Note:      note(o.Note),
	}
	p.res.Items = append(p.res.Items, Item{Entry: entry, Reading: r})
	if pulse == nil {
		p.panels = append(p.panels, len(p.res.Items)-1)
	}
}

// finish pairs stand-alone systolic and diastolic Observations and gives
// each reading the pulse Observation taken at the same instant.
func (p *parser) finish() {
	for _, k := range p.order {
		pt := p.parts[k]
		switch {
		case pt.rejection != "":
			p.reject(pt.entry, pt.rejection)
		case pt.sys == nil:
			p.reject(pt.entry, "a diastolic Observation has no systolic Observation with the same effective time")
		case pt.dia == nil:
			p.reject(pt.entry, "a systolic Observation has no diastolic Observation with the same effective time")
		default:
			r := &bptracker.Reading{TakenAt: pt.at, Systolic: *pt.sys, Diastolic: *pt.dia, Arm: pt.arm, Position: pt.position, Note: pt.note}
			p.res.Items = append(p.res.Items, Item{Entry: pt.entry, Reading: r})
			p.panels = append(p.panels, len(p.res.Items)-1)
		}
	}
	for _, i := range p.panels {
		r := p.res.Items[i].Reading
		if pu := p.pulses[r.TakenAt.UnixNano()]; pu != nil {
			v := pu.value
			r.Pulse = &v
			pu.used = true
		}
	}
	for _, pu := range p.pulses {
		if !pu.used {
			p.res.Ignored++
		}
	}
	sort.SliceStable(p.res.Items, func(i, j int) bool { return p.res.Items[i].Entry < p.res.Items[j].Entry })
}

// effective returns the Observation's time, which must include the time
// of day and (as FHIR requires then) a UTC offset.
func effective(o *Observation) (time.Time, string) {
	s := o.EffectiveDateTime
	if s == "" {
		s = o.EffectiveInstant
	}
	if s == "" && o.EffectivePeriod != nil {
		s = o.EffectivePeriod.Start
	}
	if s == "" {
		return time.Time{}, "the Observation has no effective time"
	}
	t, err := ParseDateTime(s)
	if err != nil {
		return time.Time{}, err.Error()
	}
	return t, ""
}

type reasonError string

func (e reasonError) Error() string { return string(e) }

// ParseDateTime parses a FHIR dateTime that has a time of day, keeping its
// UTC offset. The error's text is safe to show: it does not quote s.
func ParseDateTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "T") {
		return time.Time{}, reasonError("the effective time has no time of day")
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, reasonError("the effective time is not a valid FHIR dateTime with a UTC offset")
}

// decimal returns q's value, or a reason. Values far outside any plausible
// reading are refused here so that the int conversion cannot overflow.
func decimal(q *Quantity, what string) (float64, string) {
	if q == nil || q.Value == nil {
		return 0, "the " + what + " has no value"
	}
	v, err := q.Value.Float64()
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 1e6 {
		return 0, "the " + what + " is not a usable number"
	}
	return v, ""
}

func pressureValue(q *Quantity, code string) (int, string) {
	what := "systolic value"
	if code == CodeDiastolic {
		what = "diastolic value"
	}
	v, reason := decimal(q, what)
	if reason != "" {
		return 0, reason
	}
	unit := strings.ToLower(strings.ReplaceAll(q.Unit, " ", ""))
	switch {
	case q.Code == UnitMmHg || (q.Code == "" && (unit == "" || unit == "mmhg" || unit == "mm[hg]")):
	case q.Code == "kPa" || (q.Code == "" && unit == "kpa"):
		v *= 7.50061683 // 1 kPa in mmHg
	default:
		return 0, "the " + what + " is not in mm[Hg] or kPa"
	}
	return int(math.Round(v)), ""
}

func pulseValue(q *Quantity) (int, string) {
	v, reason := decimal(q, "pulse value")
	if reason != "" {
		return 0, reason
	}
	unit := strings.ToLower(strings.ReplaceAll(q.Unit, " ", ""))
	switch {
	case q.Code == UnitMin || q.Code == "{beats}/min" || q.Code == "{Beats}/min":
	case q.Code == "" && (unit == "" || unit == "/min" || unit == "bpm" || unit == "beats/min" || unit == "beats/minute" || unit == "{beats}/min"):
	default:
		return 0, "the pulse value is not in /min"
	}
	return int(math.Round(v)), ""
}

func arm(c *CodeableConcept) bptracker.Arm {
	if c == nil {
		return ""
	}
	switch {
	case c.has(SystemSNOMED, SNOMEDLeftUpperArm):
		return bptracker.ArmLeft
	case c.has(SystemSNOMED, SNOMEDRightUpperArm):
		return bptracker.ArmRight
	}
	t := strings.ToLower(c.Text)
	for _, cd := range c.Coding {
		t += " " + strings.ToLower(cd.Display)
	}
	switch {
	case strings.Contains(t, "left") && !strings.Contains(t, "right"):
		return bptracker.ArmLeft
	case strings.Contains(t, "right") && !strings.Contains(t, "left"):
		return bptracker.ArmRight
	}
	return ""
}

func position(exts []Extension) bptracker.Position {
	for _, e := range exts {
		if e.URL != ExtBodyPosition || e.ValueCodeableConcept == nil {
			continue
		}
		c := e.ValueCodeableConcept
		switch {
		case c.has(SystemSNOMED, SNOMEDSitting):
			return bptracker.PositionSitting
		case c.has(SystemSNOMED, SNOMEDStanding):
			return bptracker.PositionStanding
		case c.has(SystemSNOMED, SNOMEDLying):
			return bptracker.PositionLying
		}
	}
	return ""
}

func note(ns []Annotation) string {
	var parts []string
	for _, n := range ns {
		if t := strings.TrimSpace(n.Text); t != "" {
			parts = append(parts, t)
		}
	}
	return strings.Join(parts, "\n")
}
