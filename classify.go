package bptracker

// Classify returns the category of one reading under guideline g (ACC/AHA
// for "" or an unknown guideline). When systolic and diastolic fall in
// different categories the higher one wins, which is what the "or" and
// "and/or" in both guidelines' tables mean: each rule below fires when either
// number reaches it, checked from the most severe down.
func Classify(g Guideline, systolic, diastolic int) Category {
	if g == GuidelineESH {
		switch {
		case systolic >= 180 || diastolic >= 110:
			return CategoryGrade3
		case systolic >= 160 || diastolic >= 100:
			return CategoryGrade2
		case systolic >= 140 || diastolic >= 90:
			return CategoryGrade1
		case systolic >= 130 || diastolic >= 85:
			return CategoryHighNormal
		case systolic >= 120 || diastolic >= 80:
			return CategoryNormal
		default:
			return CategoryOptimal
		}
	}
	switch {
	case IsSevere(systolic, diastolic):
		return CategorySevere
	case systolic >= 140 || diastolic >= 90:
		return CategoryStage2
	case systolic >= 130 || diastolic >= 80:
		return CategoryStage1
	case systolic >= 120: // diastolic < 80 here
		return CategoryElevated
	default:
		return CategoryNormal
	}
}

// IsSevere reports whether a reading is in the hypertensive crisis range
// (systolic above 180 and/or diastolic above 120), which prompts
// SevereAdvice whatever the patient's guideline.
func IsSevere(systolic, diastolic int) bool {
	return systolic > 180 || diastolic > 120
}

// Label returns the category's name for people. An unknown category is
// returned as it is.
func (c Category) Label() string {
	switch c {
	case CategoryNormal:
		return "Normal"
	case CategoryElevated:
		return "Elevated"
	case CategoryStage1:
		return "Stage 1 hypertension"
	case CategoryStage2:
		return "Stage 2 hypertension"
	case CategorySevere:
		return "Severe (hypertensive crisis range)"
	case CategoryOptimal:
		return "Optimal"
	case CategoryHighNormal:
		return "High normal"
	case CategoryGrade1:
		return "Grade 1 hypertension"
	case CategoryGrade2:
		return "Grade 2 hypertension"
	case CategoryGrade3:
		return "Grade 3 hypertension"
	}
	return string(c)
}

// Rank orders the categories of one guideline by severity, 0 for the lowest,
// and -1 for an unknown category.
//
// "normal" is a category of both guidelines (the lowest of ACC/AHA, the
// second of ESH), so a Category alone cannot say where it sits: Rank gives it
// 0, as the default guideline does, and so ties ESH "optimal" with ESH
// "normal" (both non-hypertensive). Every other pair of one guideline is
// strictly ordered, and each guideline's ranks fit 0..(categories-1) with
// ESH's 1 unused. Use RankIn when the guideline is known.
func (c Category) Rank() int {
	if c == CategoryNormal {
		return 0
	}
	if r := c.RankIn(GuidelineACCAHA); r >= 0 {
		return r
	}
	return c.RankIn(GuidelineESH)
}

// RankIn orders c among the categories of guideline g (ACC/AHA for "" or
// an unknown guideline), 0 for the lowest; -1 when c is not one of g's
// categories.
func (c Category) RankIn(g Guideline) int {
	order := accAHAOrder
	if g == GuidelineESH {
		order = eshOrder
	}
	for i, o := range order {
		if o == c {
			return i
		}
	}
	return -1
}

var (
	accAHAOrder = []Category{CategoryNormal, CategoryElevated, CategoryStage1, CategoryStage2, CategorySevere}
	eshOrder    = []Category{CategoryOptimal, CategoryNormal, CategoryHighNormal, CategoryGrade1, CategoryGrade2, CategoryGrade3}
)
