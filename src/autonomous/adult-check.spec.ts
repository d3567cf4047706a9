import { describe, expect, it } from '@jest/globals';
import { isAdultAge, minorSignals, sexualTermsIn } from './adult-check.js';

describe('minorSignals', () => {
  it.each([
    'A 16-year-old runaway',
    'she is 17 years old',
    'Mira, 15 y/o, pilot',
    'at the age of 14 she left',
    'Age: 12',
    'a shy teenager',
    'Teen prodigy',
    'in her late teens',
    'a schoolgirl in uniform',
    'high school student council',
    'she is still a minor.',
    'a minor and a thief',
    'sixteen years old',
    'ей 16 лет',
    'Шестнадцатилетняя воровка',
    '16-летняя ведьма',
    'школьница из Твери',
    'Подросток с ножом',
    'несовершеннолетняя беглянка',
    'ученица 10 класса',
    'возраст: 17',
    'a 9th grader',
    'when she was only 15, she ran away',
    'выглядит на 16',
  ])('flags %p', (text) => {
    expect(minorSignals(text)).not.toEqual([]);
  });

  it.each([
    'A 32-year-old captain',
    'she is 18 years old',
    'spent 10 years at sea',
    'в 2010 году она уехала',
    'ей 25 лет, и 10 лет из них она воевала',
    'за 10 лет службы, 5 лет назад',
    'a minor noble of the northern court',
    'a minor injury',
    'Age: 27',
    'Возраст — 40',
    'steady, dry humour, teaches at a university',
    'childhood friend of the king',
    'when she was 20 she ran away',
  ])('accepts %p', (text) => {
    expect(minorSignals(text)).toEqual([]);
  });
});

describe('isAdultAge', () => {
  it.each([
    [18, true],
    [240, true],
    [17, false],
    [18.5, false],
    ['25', false],
    [undefined, false],
  ])('%p → %p', (age, adult) => {
    expect(isAdultAge(age)).toBe(adult);
  });
});

describe('sexualTermsIn', () => {
  it('finds sexual words in English and Russian', () => {
    expect(sexualTermsIn('Seductive, curious; loves sex talk')).toEqual(['Seductive', 'sex']);
    expect(sexualTermsIn('Похотливая и эротичная')).toEqual(['Похотливая', 'эротичная']);
  });

  it('leaves plain behaviour alone', () => {
    expect(sexualTermsIn('Sussex-born, sextant in hand; never lies; боится темноты')).toEqual([]);
  });
});
