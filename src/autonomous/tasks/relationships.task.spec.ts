import { describe, expect, it } from '@jest/globals';
import { checkRelation } from './relationships.task.js';

const LANGS = ['ru', 'en', 'es', 'fr', 'de', 'pt', 'it'];
const labels = (text: string) => Object.fromEntries(LANGS.map((lang) => [lang, `${text} ${lang}`]));

describe('checkRelation', () => {
  it('accepts a known type with labels for both sides in seven languages', () => {
    const checked = checkRelation({
      type: 'sibling',
      label_for_a: labels('Sister'),
      label_for_b: labels('Brother'),
    });
    expect(checked).toEqual({
      value: { type: 'sibling', labels: { a: labels('Sister'), b: labels('Brother') } },
    });
  });

  it('names every problem', () => {
    const checked = checkRelation({
      type: 'nemesis',
      label_for_a: { ...labels('Rival'), it: '' },
      label_for_b: { ...labels('Rival'), de: 'x'.repeat(61) },
    });
    expect('problems' in checked && checked.problems).toBe(
      'type must be one of rival, ex, friend, sibling, enemy, lover, ally; ' +
        'label_for_a.it must be a label of 1-60 characters; ' +
        'label_for_b.de must be a label of 1-60 characters',
    );
  });
});
