// Package fhir maps blood-pressure readings to and from FHIR R4 JSON: a
// reading is a vital-signs Observation (LOINC 85354-9 with systolic 8480-6
// and diastolic 8462-4 components in UCUM mm[Hg]), its pulse a separate
// Observation (8867-4, /min), its arm a SNOMED bodySite and its position the
// core observation-bodyPosition extension; averages are 96607-7 with
// 96608-5 and 96609-3 over an effectivePeriod. Export builds a `collection`
// Bundle with one Patient (name only) and the Observations; Parse reads a
// Bundle, one Observation, a JSON array or NDJSON of them, including the
// legacy panel 55284-4 and stand-alone systolic and diastolic Observations
// that share an effective time.
//
// The package knows nothing of HTTP or storage: it works on domain types.
package fhir

import "encoding/json"

// Code systems and codes used by the mapping.
const (
	SystemLOINC       = "http://loinc.org"
	SystemSNOMED      = "http://snomed.info/sct"
	SystemUCUM        = "http://unitsofmeasure.org"
	SystemObsCategory = "http://terminology.hl7.org/CodeSystem/observation-category"
	// ExtBodyPosition is the core R4 extension for the patient's position
	// during an observation.
	ExtBodyPosition = "http://hl7.org/fhir/StructureDefinition/observation-bodyPosition"
	// SystemReadingID identifies the BP Tracker reading an Observation came
	// from, so a re-import can tell its own exports apart.
	SystemReadingID = "urn:bptracker:reading"

	CodeBPPanel       = "85354-9" // Blood pressure panel with all children optional
	CodeBPPanelLegacy = "55284-4" // Blood pressure systolic and diastolic
	CodeSystolic      = "8480-6"
	CodeDiastolic     = "8462-4"
	CodeHeartRate     = "8867-4"
	CodeBPMeanPanel   = "96607-7" // Blood pressure panel mean systolic and mean diastolic
	CodeSystolicMean  = "96608-5"
	CodeDiastolicMean = "96609-3"

	SNOMEDLeftUpperArm  = "368208006"
	SNOMEDRightUpperArm = "368209003"
	SNOMEDSitting       = "33586001"
	SNOMEDStanding      = "10904000"
	SNOMEDLying         = "102538003"

	UnitMmHg = "mm[Hg]"
	UnitMin  = "/min"
)

// Bundle is a FHIR R4 Bundle (the fields this package uses).
type Bundle struct {
	ResourceType string        `json:"resourceType"`
	ID           string        `json:"id,omitempty"`
	Type         string        `json:"type"`
	Timestamp    string        `json:"timestamp,omitempty"`
	Entry        []BundleEntry `json:"entry,omitempty"`
}

// BundleEntry is one entry of a Bundle. Resource stays raw so that a
// Bundle can carry any resource type.
type BundleEntry struct {
	FullURL  string          `json:"fullUrl,omitempty"`
	Resource json.RawMessage `json:"resource,omitempty"`
}

// Patient is the R4 Patient with a name only: the export carries no
// contact details.
type Patient struct {
	ResourceType string      `json:"resourceType"`
	ID           string      `json:"id,omitempty"`
	Name         []HumanName `json:"name,omitempty"`
}

// HumanName is a person's name as text.
type HumanName struct {
	Text string `json:"text,omitempty"`
}

// Observation is the R4 Observation (the fields this package uses).
type Observation struct {
	ResourceType      string            `json:"resourceType"`
	ID                string            `json:"id,omitempty"`
	Extension         []Extension       `json:"extension,omitempty"`
	Identifier        []Identifier      `json:"identifier,omitempty"`
	Status            string            `json:"status"`
	Category          []CodeableConcept `json:"category,omitempty"`
	Code              CodeableConcept   `json:"code"`
	Subject           *Reference        `json:"subject,omitempty"`
	EffectiveDateTime string            `json:"effectiveDateTime,omitempty"`
	EffectiveInstant  string            `json:"effectiveInstant,omitempty"`
	EffectivePeriod   *Period           `json:"effectivePeriod,omitempty"`
	ValueQuantity     *Quantity         `json:"valueQuantity,omitempty"`
	Interpretation    []CodeableConcept `json:"interpretation,omitempty"`
	Note              []Annotation      `json:"note,omitempty"`
	BodySite          *CodeableConcept  `json:"bodySite,omitempty"`
	HasMember         []Reference       `json:"hasMember,omitempty"`
	DerivedFrom       []Reference       `json:"derivedFrom,omitempty"`
	Component         []Component       `json:"component,omitempty"`
}

// Component is one value of a panel Observation.
type Component struct {
	Code          CodeableConcept `json:"code"`
	ValueQuantity *Quantity       `json:"valueQuantity,omitempty"`
}

// CodeableConcept is a set of codings and an optional text.
type CodeableConcept struct {
	Coding []Coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

// Coding is one code in one system.
type Coding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

// Quantity is a measured amount. Value is a json.Number so that a decimal
// survives decoding exactly and a non-number is refused by the decoder.
type Quantity struct {
	Value  *json.Number `json:"value,omitempty"`
	Unit   string       `json:"unit,omitempty"`
	System string       `json:"system,omitempty"`
	Code   string       `json:"code,omitempty"`
}

// Reference points at another resource.
type Reference struct {
	Reference string `json:"reference,omitempty"`
	Display   string `json:"display,omitempty"`
}

// Period is a time range.
type Period struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

// Annotation is a free-text note.
type Annotation struct {
	Text string `json:"text"`
}

// Identifier is a business identifier.
type Identifier struct {
	System string `json:"system,omitempty"`
	Value  string `json:"value,omitempty"`
}

// Extension carries a value the core resource has no field for.
type Extension struct {
	URL                  string           `json:"url"`
	ValueCodeableConcept *CodeableConcept `json:"valueCodeableConcept,omitempty"`
}

// has reports whether the concept holds code in system.
func (c *CodeableConcept) has(system, code string) bool {
	for _, cd := range c.Coding {
		if cd.System == system && cd.Code == code {
			return true
		}
	}
	return false
}

// loinc returns the concept's first LOINC code, or "".
func (c *CodeableConcept) loinc() string {
	for _, cd := range c.Coding {
		if cd.System == SystemLOINC || cd.System == "urn:oid:2.16.840.1.113883.6.1" {
			return cd.Code
		}
	}
	return ""
}
