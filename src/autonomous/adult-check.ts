/**
 * Guards for generated characters (pure). Every generated character must be an adult: text
 * that states or implies an age under 18 is rejected, erring on the side of rejection — a
 * false alarm only costs a retry. And the personality field describes behaviour, never sexual
 * behaviour (spec: character_generator.py's NSFW rule).
 */

export const ADULT_AGE = 18;

const L = '\\p{L}';
const BEFORE = `(?<![${L}\\p{N}])`;

/** Age phrases whose first group is the number: "16 years old", "16-year-old", "ей 16 лет". */
const AGE_NUMBER_PATTERNS: readonly RegExp[] = [
  /(?<![\d.,])(\d{1,3})\s*-?\s*(?:years?|yrs?)[\s-]*old(?![\p{L}])/giu,
  /(?<![\d.,])(\d{1,3})\s*(?:y\/o|y\.o\.|yo)(?![\p{L}])/giu,
  /(?<![\p{L}])(?:age\s+of|aged|age)\s*[:=-]?\s*(\d{1,3})(?!\d)/giu,
  // "N лет" is also a duration ("за 10 лет", "10 лет назад"); unambiguous ones are skipped.
  /(?<!(?:за|через|спустя|течение|протяжении|последние|первые)\s+)(?<![\d.,])(\d{1,3})\s*(?:лет|года?|годик\p{L}*)(?![\p{L}])(?!\s+(?:назад|спустя|из\s+них))/giu,
  /(?<![\d.,])(\d{1,3})\s*-?\s*(?:ти|х|и)?\s*-?\s*летн\p{L}*/giu,
  /(?<![\p{L}])возраст\p{L}*\s*[:—–-]?\s*(\d{1,3})(?!\d)/giu,
  /(?<![\p{L}])when\s+(?:she|he|they|I)\s+(?:was|were)\s+(?:only\s+|just\s+)?(\d{1,3})(?!\d)/giu,
  /(?<![\p{L}])выгляд\p{L}*\s+на\s+(\d{1,3})(?!\d)/giu,
];

/** Words and phrases that state or imply a minor, whatever the number. */
const MINOR_PATTERNS: readonly RegExp[] = [
  new RegExp(
    `${BEFORE}(?:pre-?teen|teen|teens|teenage|teenaged|teenagers?|tweens?|adolescents?|` +
      `under-?aged?|school\\s?girls?|school\\s?boys?|high[\\s-]schoolers?|` +
      `high\\s+school\\s+(?:student|girl|boy)s?|middle[\\s-]schoolers?|junior\\s+high|` +
      `loli|lolicon|shota|shotacon|jailbait)(?![${L}])`,
    'giu',
  ),
  // "minor" the noun, not the adjective of "a minor noble": followed by punctuation, the end,
  // or a conjunction or preposition.
  new RegExp(
    `${BEFORE}minors?(?=\\s*(?:$|[^\\s${L}]|(?:and|or|but|who|with|in|at|from|yet|so)(?![${L}])))`,
    'giu',
  ),
  /(?<![\d.,])\d{1,2}(?:st|nd|rd|th)\s+grader?s?(?![\p{L}])/giu,
  new RegExp(
    `${BEFORE}(?:школьни[${L}]*|подрост[${L}]*|несовершеннолет[${L}]*|малолет[${L}]*|` +
      `старшекласс[${L}]*|младшекласс[${L}]*|гимназист[${L}]*|лоли|лоликон[${L}]*)`,
    'giu',
  ),
  /(?<![\p{L}])(?:одиннадцат|двенадцат|тринадцат|четырнадцат|пятнадцат|шестнадцат|семнадцат)(?:ь\s+лет|и\s*-?\s*летн)/giu,
  /(?<![\p{L}])(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen)[\s-]+years?[\s-]+old(?![\p{L}])/giu,
  /(?<![\d.,])\d{1,2}\s*-?\s*(?:й|го|м)?\s*класс\p{L}*/giu,
];

/** What in `text` states or implies an age under 18; empty when nothing does. */
export function minorSignals(text: string): string[] {
  const found: string[] = [];
  for (const pattern of AGE_NUMBER_PATTERNS) {
    for (const match of text.matchAll(pattern)) {
      if (Number(match[1]) < ADULT_AGE) found.push(match[0].trim());
    }
  }
  for (const pattern of MINOR_PATTERNS) {
    for (const match of text.matchAll(pattern)) found.push(match[0].trim());
  }
  return found;
}

/** A stated age that makes the character an adult: an integer of at least 18. */
export function isAdultAge(age: unknown): boolean {
  return typeof age === 'number' && Number.isInteger(age) && age >= ADULT_AGE;
}

const SEXUAL_TERMS = new RegExp(
  `${BEFORE}(?:sex|sexual|sexually|sexy|horny|aroused|arousal|orgasms?|erotic|lust|lustful|` +
    `seduce[sd]?|seducing|seductive|seduction|naked|nude|kinky|kinks?|fetish(?:es)?|bdsm|` +
    `masturbat[${L}]*|intercourse|nympho[${L}]*|` +
    `секс[${L}]*|эрот[${L}]*|возбужд[${L}]*|похот[${L}]*|оргазм[${L}]*|обнажён[${L}]*|` +
    `обнажен[${L}]*|голая|голый|соблазн[${L}]*|фетиш[${L}]*|мастурб[${L}]*|разврат[${L}]*|` +
    `нимфоман[${L}]*)(?![${L}])`,
  'giu',
);

/** Sexual words in `text` (checked on the personality field, which must have none). */
export function sexualTermsIn(text: string): string[] {
  return [...text.matchAll(SEXUAL_TERMS)].map((match) => match[0]);
}
