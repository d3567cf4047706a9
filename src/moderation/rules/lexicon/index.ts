import { DE } from './de.js';
import { EN } from './en.js';
import { ES } from './es.js';
import { FR } from './fr.js';
import { IT } from './it.js';
import { PT } from './pt.js';
import { RU } from './ru.js';
import type { LanguageRules } from './types.js';

/** The seven languages of the platform, all read at once (a text's language is not known). */
export const LEXICON: readonly LanguageRules[] = [EN, RU, ES, FR, DE, PT, IT];

/**
 * Phrases that name a topic rather than show it: sexual terms inside them count for nothing
 * ("sex education" next to "children" is a school subject).
 */
export const BENIGN_PHRASES: readonly string[] = [
  'sex education',
  'sexual education',
  'sex ed',
  'sex educator',
  'половое воспитание',
  'полового воспитания',
  'сексуальное образование',
  'educación sexual',
  'éducation sexuelle',
  'sexualerziehung',
  'sexualkunde',
  'educação sexual',
  'educazione sessuale',
];
