package fhir

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/bptracker/bptracker"
	"github.com/google/uuid"
)

// idSpace derives stable resource ids: the same reading exported twice has
// the same Observation id and fullUrl, and a FHIR id is always valid
// whatever the reading id looks like.
var idSpace = uuid.MustParse("8f0d4bde-6c37-4b53-9f0e-5a51a1b2c3d4")

func derivedID(kind, id string) string {
	return uuid.NewSHA1(idSpace, []byte(kind+":"+id)).String()
}

// PatientInfo is what the export says about the patient: an id and a name,
// nothing else.
type PatientInfo struct {
	ID   string
	Name string
}

// Average is a mean over a period, exported as a 96607-7 Observation.
type Average struct {
	From, To            time.Time
	Systolic, Diastolic float64
}

// BundleOptions are optional parts of a Bundle.
type BundleOptions struct {
	// Timestamp is when the Bundle was assembled; zero leaves it out.
	Timestamp time.Time
	// Averages are added as 96607-7 Observations.
	Averages []Average
}

// NewBundle returns a `collection` Bundle with the patient and, for each
// reading that is not deleted, a blood-pressure Observation and (when it has
// a pulse) a heart-rate Observation.
func NewBundle(p PatientInfo, rs []bptracker.Reading, opt BundleOptions) (*Bundle, error) {
	b := &Bundle{ResourceType: "Bundle", Type: "collection"}
	if !opt.Timestamp.IsZero() {
		b.Timestamp = opt.Timestamp.Format(time.RFC3339)
	}
	pid := derivedID("patient", p.ID)
	b.ID = derivedID("bundle", p.ID+"@"+b.Timestamp)
	pat := Patient{ResourceType: "Patient", ID: pid}
	if name := strings.TrimSpace(p.Name); name != "" {
		pat.Name = []HumanName{{Text: name}}
	}
	if err := b.add(pid, pat); err != nil {
		return nil, err
	}
	subject := &Reference{Reference: "urn:uuid:" + pid}
	for i, r := range rs {
		if r.Deleted {
			continue
		}
		key := r.ID
		if key == "" { // readings not yet stored: position and time keep ids apart
			key = strconv.Itoa(i) + "@" + r.TakenAt.Format(time.RFC3339Nano)
		}
		bp, pulse := Observations(r, key, subject)
		if err := b.add(bp.ID, bp); err != nil {
			return nil, err
		}
		if pulse != nil {
			if err := b.add(pulse.ID, pulse); err != nil {
				return nil, err
			}
		}
	}
	for _, a := range opt.Averages {
		o := AverageObservation(a, subject)
		if err := b.add(o.ID, o); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func (b *Bundle) add(id string, res any) error {
	raw, err := json.Marshal(res)
	if err != nil {
		return bptracker.Errorf(bptracker.EINTERNAL, "fhir: encode resource %s: %v", id, err)
	}
	b.Entry = append(b.Entry, BundleEntry{FullURL: "urn:uuid:" + id, Resource: raw})
	return nil
}

func vitalSigns() []CodeableConcept {
	return []CodeableConcept{{
		Coding: []Coding{{System: SystemObsCategory, Code: "vital-signs", Display: "Vital Signs"}},
		Text:   "Vital Signs",
	}}
}

func loincConcept(code, display string) CodeableConcept {
	return CodeableConcept{Coding: []Coding{{System: SystemLOINC, Code: code, Display: display}}, Text: display}
}

func quantity(v string, unit, code string) *Quantity {
	n := json.Number(v)
	return &Quantity{Value: &n, Unit: unit, System: SystemUCUM, Code: code}
}

func mmHg(v int) *Quantity { return quantity(strconv.Itoa(v), "mmHg", UnitMmHg) }

// FormatTime formats an effective time the way FHIR's dateTime wants it,
// keeping the reading's UTC offset (so "morning" stays the patient's
// morning for whoever reads the Bundle).
func FormatTime(t time.Time) string { return t.Format(time.RFC3339Nano) }

// Observations maps one reading to its blood-pressure Observation and, when
// it has a pulse, a heart-rate Observation with the same effective time.
// key makes the resource ids (the reading id when it has one).
func Observations(r bptracker.Reading, key string, subject *Reference) (Observation, *Observation) {
	eff := FormatTime(r.TakenAt)
	bp := Observation{
		ResourceType:      "Observation",
		ID:                derivedID("bp", key),
		Status:            "final",
		Category:          vitalSigns(),
		Code:              loincConcept(CodeBPPanel, "Blood pressure panel with all children optional"),
		Subject:           subject,
		EffectiveDateTime: eff,
		Component: []Component{
			{Code: loincConcept(CodeSystolic, "Systolic blood pressure"), ValueQuantity: mmHg(r.Systolic)},
			{Code: loincConcept(CodeDiastolic, "Diastolic blood pressure"), ValueQuantity: mmHg(r.Diastolic)},
		},
	}
	if r.ID != "" {
		bp.Identifier = []Identifier{{System: SystemReadingID, Value: r.ID}}
	}
	switch r.Arm {
	case bptracker.ArmLeft:
		bp.BodySite = &CodeableConcept{Coding: []Coding{{System: SystemSNOMED, Code: SNOMEDLeftUpperArm, Display: "Left upper arm structure"}}, Text: "left upper arm"}
	case bptracker.ArmRight:
		bp.BodySite = &CodeableConcept{Coding: []Coding{{System: SystemSNOMED, Code: SNOMEDRightUpperArm, Display: "Right upper arm structure"}}, Text: "right upper arm"}
	}
	if code, display := positionCode(r.Position); code != "" {
		bp.Extension = []Extension{{URL: ExtBodyPosition, ValueCodeableConcept: &CodeableConcept{
			Coding: []Coding{{System: SystemSNOMED, Code: code, Display: display}}, Text: string(r.Position),
		}}}
	}
	if r.Note != "" {
		bp.Note = []Annotation{{Text: r.Note}}
	}
	if r.Pulse == nil {
		return bp, nil
	}
	hr := Observation{
		ResourceType:      "Observation",
		ID:                derivedID("pulse", key),
		Status:            "final",
		Category:          vitalSigns(),
		Code:              loincConcept(CodeHeartRate, "Heart rate"),
		Subject:           subject,
		EffectiveDateTime: eff,
		ValueQuantity:     quantity(strconv.Itoa(*r.Pulse), "beats/minute", UnitMin),
	}
	if r.ID != "" {
		hr.Identifier = []Identifier{{System: SystemReadingID, Value: r.ID}}
	}
	return bp, &hr
}

// AverageObservation maps a mean over a period to a 96607-7 Observation
// with 96608-5 and 96609-3 components and an effectivePeriod.
func AverageObservation(a Average, subject *Reference) Observation {
	dec := func(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }
	return Observation{
		ResourceType:    "Observation",
		ID:              derivedID("average", a.From.Format(time.RFC3339Nano)+"/"+a.To.Format(time.RFC3339Nano)),
		Status:          "final",
		Category:        vitalSigns(),
		Code:            loincConcept(CodeBPMeanPanel, "Blood pressure panel mean systolic and mean diastolic"),
		Subject:         subject,
		EffectivePeriod: &Period{Start: FormatTime(a.From), End: FormatTime(a.To)},
		Component: []Component{
			{Code: loincConcept(CodeSystolicMean, "Systolic blood pressure mean"), ValueQuantity: quantity(dec(a.Systolic), "mmHg", UnitMmHg)},
			{Code: loincConcept(CodeDiastolicMean, "Diastolic blood pressure mean"), ValueQuantity: quantity(dec(a.Diastolic), "mmHg", UnitMmHg)},
		},
	}
}

func positionCode(p bptracker.Position) (code, display string) {
	switch p {
	case bptracker.PositionSitting:
		return SNOMEDSitting, "Sitting position"
	case bptracker.PositionStanding:
		return SNOMEDStanding, "Standing position"
	case bptracker.PositionLying:
		return SNOMEDLying, "Lying position"
	}
	return "", ""
}
