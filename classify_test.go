package bptracker_test

import (
	"testing"

	bpt "github.com/bptracker/bptracker"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		sys, dia int
		acc, esh bpt.Category
	}{
		// Both guidelines' lowest classes and the absolute limits of a reading.
		{50, 20, bpt.CategoryNormal, bpt.CategoryOptimal},
		{119, 79, bpt.CategoryNormal, bpt.CategoryOptimal},
		{300, 200, bpt.CategorySevere, bpt.CategoryGrade3},
		// Systolic 120 / 130 / 140 edges.
		{120, 79, bpt.CategoryElevated, bpt.CategoryNormal},
		{129, 79, bpt.CategoryElevated, bpt.CategoryNormal},
		{130, 79, bpt.CategoryStage1, bpt.CategoryHighNormal},
		{139, 79, bpt.CategoryStage1, bpt.CategoryHighNormal},
		{140, 79, bpt.CategoryStage2, bpt.CategoryGrade1},
		// Diastolic 80 / 85 / 90 edges.
		{119, 80, bpt.CategoryStage1, bpt.CategoryNormal},
		{129, 80, bpt.CategoryStage1, bpt.CategoryNormal},
		{120, 80, bpt.CategoryStage1, bpt.CategoryNormal},
		{121, 84, bpt.CategoryStage1, bpt.CategoryNormal},
		{121, 85, bpt.CategoryStage1, bpt.CategoryHighNormal},
		{139, 89, bpt.CategoryStage1, bpt.CategoryHighNormal},
		{140, 89, bpt.CategoryStage2, bpt.CategoryGrade1},
		{139, 90, bpt.CategoryStage2, bpt.CategoryGrade1},
		// ESH grade edges: 160/100 and 180/110.
		{159, 99, bpt.CategoryStage2, bpt.CategoryGrade1},
		{160, 99, bpt.CategoryStage2, bpt.CategoryGrade2},
		{159, 100, bpt.CategoryStage2, bpt.CategoryGrade2},
		{160, 100, bpt.CategoryStage2, bpt.CategoryGrade2},
		{179, 109, bpt.CategoryStage2, bpt.CategoryGrade2},
		{180, 109, bpt.CategoryStage2, bpt.CategoryGrade3},
		{179, 110, bpt.CategoryStage2, bpt.CategoryGrade3},
		{180, 110, bpt.CategoryStage2, bpt.CategoryGrade3},
		// ACC/AHA severe: strictly above 180 and/or 120.
		{180, 120, bpt.CategoryStage2, bpt.CategoryGrade3},
		{181, 100, bpt.CategorySevere, bpt.CategoryGrade3},
		{181, 120, bpt.CategorySevere, bpt.CategoryGrade3},
		{150, 121, bpt.CategorySevere, bpt.CategoryGrade3},
		{180, 121, bpt.CategorySevere, bpt.CategoryGrade3},
		// Mixed: each number in a different class, the higher wins.
		{118, 82, bpt.CategoryStage1, bpt.CategoryNormal},
		{119, 85, bpt.CategoryStage1, bpt.CategoryHighNormal},
		{125, 86, bpt.CategoryStage1, bpt.CategoryHighNormal},
		{135, 70, bpt.CategoryStage1, bpt.CategoryHighNormal},
		{110, 95, bpt.CategoryStage2, bpt.CategoryGrade1},
		{145, 70, bpt.CategoryStage2, bpt.CategoryGrade1},
		{170, 60, bpt.CategoryStage2, bpt.CategoryGrade2},
		{130, 105, bpt.CategoryStage2, bpt.CategoryGrade2},
		{190, 60, bpt.CategorySevere, bpt.CategoryGrade3},
		{125, 125, bpt.CategorySevere, bpt.CategoryGrade3},
	}
	for _, tt := range tests {
		for _, g := range []bpt.Guideline{bpt.GuidelineACCAHA, "", "who_1999"} {
			if got := bpt.Classify(g, tt.sys, tt.dia); got != tt.acc {
				t.Errorf("Classify(%q, %d, %d) = %q, want %q", g, tt.sys, tt.dia, got, tt.acc)
			}
		}
		if got := bpt.Classify(bpt.GuidelineESH, tt.sys, tt.dia); got != tt.esh {
			t.Errorf("Classify(esh, %d, %d) = %q, want %q", tt.sys, tt.dia, got, tt.esh)
		}
	}
}

// TestClassifyMonotone checks every valid pair: raising either number never
// lowers the category, and the result is always one of the guideline's own.
func TestClassifyMonotone(t *testing.T) {
	for _, g := range []bpt.Guideline{bpt.GuidelineACCAHA, bpt.GuidelineESH} {
		for sys := bpt.SystolicMin; sys <= bpt.SystolicMax; sys++ {
			for dia := bpt.DiastolicMin; dia <= bpt.DiastolicMax; dia++ {
				c := bpt.Classify(g, sys, dia)
				r := c.RankIn(g)
				if r < 0 {
					t.Fatalf("Classify(%q, %d, %d) = %q, not a category of the guideline", g, sys, dia, c)
				}
				if up := bpt.Classify(g, sys+1, dia).RankIn(g); up < r {
					t.Fatalf("%q: %d/%d ranks %d but %d/%d ranks %d", g, sys, dia, r, sys+1, dia, up)
				}
				if up := bpt.Classify(g, sys, dia+1).RankIn(g); up < r {
					t.Fatalf("%q: %d/%d ranks %d but %d/%d ranks %d", g, sys, dia, r, sys, dia+1, up)
				}
			}
		}
	}
}

func TestIsSevere(t *testing.T) {
	tests := []struct {
		sys, dia int
		want     bool
	}{
		{50, 20, false},
		{180, 120, false},
		{180, 119, false},
		{181, 120, true},
		{180, 121, true},
		{181, 121, true},
		{181, 60, true},
		{120, 121, true},
		{300, 200, true},
	}
	for _, tt := range tests {
		if got := bpt.IsSevere(tt.sys, tt.dia); got != tt.want {
			t.Errorf("IsSevere(%d, %d) = %v, want %v", tt.sys, tt.dia, got, tt.want)
		}
	}
}

func TestCategoryLabel(t *testing.T) {
	tests := []struct {
		c    bpt.Category
		want string
	}{
		{bpt.CategoryNormal, "Normal"},
		{bpt.CategoryElevated, "Elevated"},
		{bpt.CategoryStage1, "Stage 1 hypertension"},
		{bpt.CategoryStage2, "Stage 2 hypertension"},
		{bpt.CategorySevere, "Severe (hypertensive crisis range)"},
		{bpt.CategoryOptimal, "Optimal"},
		{bpt.CategoryHighNormal, "High normal"},
		{bpt.CategoryGrade1, "Grade 1 hypertension"},
		{bpt.CategoryGrade2, "Grade 2 hypertension"},
		{bpt.CategoryGrade3, "Grade 3 hypertension"},
		{"mystery", "mystery"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := tt.c.Label(); got != tt.want {
			t.Errorf("Category(%q).Label() = %q, want %q", tt.c, got, tt.want)
		}
	}
}

var (
	accOrder = []bpt.Category{bpt.CategoryNormal, bpt.CategoryElevated, bpt.CategoryStage1, bpt.CategoryStage2, bpt.CategorySevere}
	eshOrder = []bpt.Category{bpt.CategoryOptimal, bpt.CategoryNormal, bpt.CategoryHighNormal, bpt.CategoryGrade1, bpt.CategoryGrade2, bpt.CategoryGrade3}
)

func TestCategoryRank(t *testing.T) {
	t.Run("ACCAHA", func(t *testing.T) {
		for i, c := range accOrder {
			if got, want := c.Rank(), i; got != want {
				t.Errorf("%q.Rank() = %d, want %d", c, got, want)
			}
			if got, want := c.RankIn(bpt.GuidelineACCAHA), i; got != want {
				t.Errorf("%q.RankIn(acc_aha) = %d, want %d", c, got, want)
			}
		}
	})
	t.Run("ESH", func(t *testing.T) {
		for i, c := range eshOrder {
			if got, want := c.RankIn(bpt.GuidelineESH), i; got != want {
				t.Errorf("%q.RankIn(esh) = %d, want %d", c, got, want)
			}
		}
		// Rank alone cannot tell ESH "normal" from ACC/AHA "normal": it is 0,
		// tied with "optimal"; every other step strictly increases.
		want := []int{0, 0, 2, 3, 4, 5}
		for i, c := range eshOrder {
			if got := c.Rank(); got != want[i] {
				t.Errorf("%q.Rank() = %d, want %d", c, got, want[i])
			}
		}
	})
	t.Run("Unknown", func(t *testing.T) {
		for _, c := range []bpt.Category{"", "mystery"} {
			if got := c.Rank(); got != -1 {
				t.Errorf("%q.Rank() = %d, want -1", c, got)
			}
		}
		if got := bpt.CategoryGrade1.RankIn(bpt.GuidelineACCAHA); got != -1 {
			t.Errorf("grade_1.RankIn(acc_aha) = %d, want -1", got)
		}
		if got := bpt.CategorySevere.RankIn(bpt.GuidelineESH); got != -1 {
			t.Errorf("severe.RankIn(esh) = %d, want -1", got)
		}
	})
}
