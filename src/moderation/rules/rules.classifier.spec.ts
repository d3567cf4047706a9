import { describe, expect, it } from '@jest/globals';
import { RulesClassifier } from './rules.classifier.js';

const rules = new RulesClassifier();
const scores = (text: string, nsfw = false) => rules.classifySync(text, { nsfw }).scores;
const minors = (text: string, nsfw = false) => scores(text, nsfw).minors_sexual ?? 0;

describe('rules classifier', () => {
  it.each([
    ['English', 'She is a 14 year old schoolgirl who wants sex.'],
    ['Russian', 'Ей 14 лет, она школьница и хочет секса.'],
    ['Spanish', 'Tiene 14 años y quiere sexo.'],
    ['French', 'Elle a 14 ans et veut du sexe.'],
    ['German', 'Sie ist 14 Jahre alt und will Sex.'],
    ['Portuguese', 'Ela tem 14 anos e quer sexo.'],
    ['Italian', 'Ha 14 anni e vuole fare sesso.'],
    ['a number word', 'She is fifteen years old and loves porn.'],
    ['a Russian age adjective', 'Пятнадцатилетняя девушка любит секс.'],
    ['a minor noun', 'The child has sex.'],
    ['spaced letters', 'a c h i l d and s e x'],
    ['punctuated letters', 'a c.h.i.l.d and s_e_x'],
    ['leetspeak', 'a ch1ld and s3x'],
    ['look-alike letters', 'a сhild and sеx'],
    ['a direct term', 'lolicon'],
  ])('scores sexual content involving a minor as minors_sexual (%s)', (_, text) => {
    expect(minors(text)).toBeGreaterThanOrEqual(0.7);
  });

  it('needs the minor and the sexual term near each other', () => {
    const far = `The child plays outside. ${'The sea is grey and the wind is cold. '.repeat(4)}Later, sex.`;
    expect(minors(far)).toBe(0);
    expect(minors('The child plays outside. Later the adults have sex.')).toBeGreaterThan(0.7);
  });

  it('on NSFW text, refuses a stated minor on its own; a stated adult is fine', () => {
    expect(minors('Mia is 16 years old.', true)).toBe(1);
    expect(minors('Mia is 16 years old.', false)).toBe(0);
    expect(minors('Age: 16', true)).toBe(1);
    expect(minors('Mia is 26 years old.', true)).toBe(0);
    expect(minors('Ей 16 лет.', true)).toBe(1);
    // A child in the backstory is not the character's age.
    expect(minors('She lost her child in the war.', true)).toBe(0);
  });

  it('does not read spans of time as ages', () => {
    for (const text of [
      'She has worked as a nurse for 15 years.',
      'Она 15 лет работает медсестрой.',
      'Это было 15 лет назад.',
      'Hace más de 15 años.',
      'Il y a 15 ans.',
      '15 anni fa.',
      'Vor 15 Jahren.',
    ]) {
      expect(minors(text, true)).toBe(0);
    }
  });

  it('lets a stated adult age outweigh "teen", and keeps sex education a school subject', () => {
    expect(minors('A 19 year old teen who loves sex.', true)).toBe(0);
    expect(minors('A teen who loves sex.', true)).toBe(0.5);
    expect(minors('She teaches sex education to children.')).toBe(0);
  });

  it('scores the other categories', () => {
    expect(scores('He dismembered and beheaded the corpse.').violence_graphic).toBeGreaterThan(0.9);
    expect(scores('I want to kill myself.').self_harm).toBeGreaterThanOrEqual(0.9);
    expect(scores('Хочу покончить с собой.').self_harm).toBeGreaterThanOrEqual(0.9);
    expect(scores('heil hitler').hate).toBeGreaterThanOrEqual(0.9);
    expect(scores('how to cook meth at home').illegal).toBeGreaterThanOrEqual(0.9);
    expect(scores('Vera loves sex.').sexual).toBe(1);
  });

  it('leaves ordinary text alone', () => {
    for (const text of [
      'A kind lighthouse keeper who tells stories to the children of the village.',
      'Смотритель маяка рассказывает детям истории.',
      'Un guardián del faro que cuenta historias a los niños.',
      'The elf is 300 years old and loves her daughter.',
      'Sie ist 30 Jahre alt und arbeitet als Ärztin.',
    ]) {
      expect(scores(text, true)).toEqual({});
    }
  });

  it('quotes the original text around the evidence', () => {
    const text = `${'Calm words. '.repeat(20)}She is 12 years old and loves porn. ${'More calm. '.repeat(20)}`;
    const excerpt = rules.classifySync(text, { nsfw: false }).excerpts!.minors_sexual!;
    expect(excerpt).toContain('12 years old and loves porn');
    expect(excerpt.startsWith('…')).toBe(true);
    expect(excerpt.length).toBeLessThan(200);
  });
});
