import { describe, expect, it } from 'vitest';
import { categoryLabel, categoryLevel, classify, isSevere } from './classify';

describe('classify ACC/AHA', () => {
  const cases: [number, number, string][] = [
    [119, 79, 'normal'], [120, 79, 'elevated'], [129, 79, 'elevated'], [129, 80, 'stage_1'], [130, 79, 'stage_1'],
    [139, 89, 'stage_1'], [140, 89, 'stage_2'], [139, 90, 'stage_2'], [180, 120, 'stage_2'], [181, 100, 'severe'],
    [150, 121, 'severe'], [110, 85, 'stage_1'],
  ];
  for (const [s, d, want] of cases) {
    it(`${s}/${d} is ${want}`, () => expect(classify('acc_aha', s, d)).toBe(want));
  }
});

describe('classify ESH', () => {
  const cases: [number, number, string][] = [
    [119, 79, 'optimal'], [120, 79, 'normal'], [119, 80, 'normal'], [129, 84, 'normal'], [130, 84, 'high_normal'],
    [129, 85, 'high_normal'], [139, 89, 'high_normal'], [140, 89, 'grade_1'], [159, 99, 'grade_1'], [160, 99, 'grade_2'],
    [159, 100, 'grade_2'], [179, 109, 'grade_2'], [180, 109, 'grade_3'], [120, 110, 'grade_3'],
  ];
  for (const [s, d, want] of cases) {
    it(`${s}/${d} is ${want}`, () => expect(classify('esh', s, d)).toBe(want));
  }
});

describe('isSevere', () => {
  it('is above 180 and/or above 120', () => {
    expect(isSevere(180, 120)).toBe(false);
    expect(isSevere(181, 80)).toBe(true);
    expect(isSevere(150, 121)).toBe(true);
  });
});

describe('labels and levels', () => {
  it('labels every category and passes unknown ones through', () => {
    expect(categoryLabel('stage_2')).toBe('Stage 2 hypertension');
    expect(categoryLabel('high_normal')).toBe('High normal');
    expect(categoryLabel('mystery')).toBe('mystery');
    expect(categoryLabel(null)).toBe('—');
  });
  it('orders severity across guidelines', () => {
    expect(categoryLevel('normal')).toBe(0);
    expect(categoryLevel('elevated')).toBe(1);
    expect(categoryLevel('grade_1')).toBe(2);
    expect(categoryLevel('stage_2')).toBe(3);
    expect(categoryLevel('severe')).toBe(4);
    expect(categoryLevel('grade_3')).toBe(4);
  });
});
