// Client-side classification for the live hint while typing; a port of the
// tables in shared/DESIGN.md (the server's category is authoritative).
import type { Category, Guideline } from './types';

export const SEVERE_ADVICE =
  'Rest five minutes and measure again. If it is still this high and you have symptoms ' +
  '(chest pain, shortness of breath, back pain, numbness or weakness, change in vision, difficulty speaking), ' +
  'call emergency services.';

/** Systolic above 180 and/or diastolic above 120, whatever the guideline. */
export function isSevere(systolic: number, diastolic: number): boolean {
  return systolic > 180 || diastolic > 120;
}

/** The higher of the two numbers' categories wins. */
export function classify(g: Guideline, systolic: number, diastolic: number): Category {
  if (g === 'esh') {
    if (systolic >= 180 || diastolic >= 110) return 'grade_3';
    if (systolic >= 160 || diastolic >= 100) return 'grade_2';
    if (systolic >= 140 || diastolic >= 90) return 'grade_1';
    if (systolic >= 130 || diastolic >= 85) return 'high_normal';
    if (systolic >= 120 || diastolic >= 80) return 'normal';
    return 'optimal';
  }
  if (isSevere(systolic, diastolic)) return 'severe';
  if (systolic >= 140 || diastolic >= 90) return 'stage_2';
  if (systolic >= 130 || diastolic >= 80) return 'stage_1';
  if (systolic >= 120) return 'elevated';
  return 'normal';
}

const LABELS: Record<Category, string> = {
  normal: 'Normal',
  elevated: 'Elevated',
  stage_1: 'Stage 1 hypertension',
  stage_2: 'Stage 2 hypertension',
  severe: 'Severe (hypertensive crisis range)',
  optimal: 'Optimal',
  high_normal: 'High normal',
  grade_1: 'Grade 1 hypertension',
  grade_2: 'Grade 2 hypertension',
  grade_3: 'Grade 3 hypertension',
};

export function categoryLabel(c: string | null | undefined): string {
  if (!c) return '—';
  return (LABELS as Record<string, string>)[c] ?? c;
}

/** A severity level 0–4 shared by both guidelines, for colour (always shown with the label). */
export function categoryLevel(c: string | null | undefined): number {
  switch (c) {
    case 'optimal': case 'normal': return 0;
    case 'elevated': case 'high_normal': return 1;
    case 'stage_1': case 'grade_1': return 2;
    case 'stage_2': case 'grade_2': return 3;
    case 'severe': case 'grade_3': return 4;
    default: return 0;
  }
}

export const GUIDELINE_LABELS: Record<Guideline, string> = {
  acc_aha: 'ACC/AHA 2017',
  esh: 'ESH 2023',
};

/** Systolic thresholds where a guideline's bands start (for chart shading). */
export function systolicBands(g: Guideline): { from: number; to: number; level: number }[] {
  return g === 'esh'
    ? [
        { from: 130, to: 140, level: 1 },
        { from: 140, to: 160, level: 2 },
        { from: 160, to: 180, level: 3 },
        { from: 180, to: 320, level: 4 },
      ]
    : [
        { from: 120, to: 130, level: 1 },
        { from: 130, to: 140, level: 2 },
        { from: 140, to: 180, level: 3 },
        { from: 180, to: 320, level: 4 },
      ];
}

export const LIMITS = {
  systolic: [50, 300],
  diastolic: [20, 200],
  pulse: [20, 250],
  note: 500,
} as const;
