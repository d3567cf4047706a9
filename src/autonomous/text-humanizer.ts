/**
 * Anti-AI post-processing of generated text (spec: text_humanizer.py): words and phrases that
 * mark text as machine-written are swapped for plain ones. Pure and deterministic.
 *
 * English entries list their inflected forms; Russian ones inflect too much for that, so an
 * entry marked `stem` replaces only the stem and keeps whatever ending follows. Stems are
 * paired so both sides take the same endings (e.g. "многогранн|ый" → "разнообразн|ый").
 */
interface Replacement {
  /** Lower case; a space matches any run of whitespace, an apostrophe either ' or ’. */
  readonly from: string;
  readonly to: string;
  readonly stem?: boolean;
}

export const HUMANIZER_REPLACEMENTS: readonly Replacement[] = [
  // English: phrases
  { from: "it's important to note that", to: 'note that' },
  { from: 'it is important to note that', to: 'note that' },
  { from: "it's worth noting that", to: 'notably,' },
  { from: 'it is worth noting that', to: 'notably,' },
  { from: "in today's fast-paced world", to: 'these days' },
  { from: 'stands as a testament to', to: 'shows' },
  { from: 'is a testament to', to: 'proves' },
  { from: 'a testament to', to: 'proof of' },
  { from: 'testament to', to: 'proof of' },
  { from: 'navigate the complexities of', to: 'deal with' },
  { from: 'navigating the complexities of', to: 'dealing with' },
  { from: 'a symphony of', to: 'a mix of' },
  { from: 'a dance of', to: 'a play of' },
  { from: 'delicate dance', to: 'balancing act' },
  { from: 'in the heart of', to: 'in the middle of' },
  { from: 'a myriad of', to: 'many' },
  { from: 'a plethora of', to: 'plenty of' },
  { from: 'embark on', to: 'start' },
  { from: 'embarks on', to: 'starts' },
  { from: 'embarked on', to: 'started' },
  { from: 'ever-evolving', to: 'changing' },
  { from: 'beacon of', to: 'source of' },
  { from: 'her eyes widened', to: 'her eyes went wide' },
  { from: 'his eyes widened', to: 'his eyes went wide' },
  { from: 'bit her lip', to: 'chewed her lip' },
  { from: 'bites her lip', to: 'chews her lip' },
  { from: 'sent shivers down her spine', to: 'made her shiver' },
  { from: 'sent shivers down his spine', to: 'made him shiver' },
  { from: 'resonates with', to: 'speaks to' },
  { from: 'resonate with', to: 'speak to' },
  { from: 'delve into', to: 'explore' },
  { from: 'delves into', to: 'explores' },
  { from: 'delved into', to: 'explored' },
  { from: 'delving into', to: 'exploring' },
  // English: words
  { from: 'delve', to: 'explore' },
  { from: 'delves', to: 'explores' },
  { from: 'delved', to: 'explored' },
  { from: 'delving', to: 'exploring' },
  { from: 'tapestry', to: 'blend' },
  { from: 'tapestries', to: 'blends' },
  { from: 'testament', to: 'proof' },
  { from: 'realm', to: 'world' },
  { from: 'realms', to: 'worlds' },
  { from: 'myriad', to: 'countless' },
  { from: 'intricate', to: 'detailed' },
  { from: 'multifaceted', to: 'complex' },
  { from: 'vibrant', to: 'lively' },
  { from: 'bustling', to: 'busy' },
  { from: 'meticulous', to: 'careful' },
  { from: 'meticulously', to: 'carefully' },
  { from: 'enigmatic', to: 'mysterious' },
  { from: 'mesmerizing', to: 'hypnotic' },
  { from: 'unwavering', to: 'steady' },
  { from: 'seamlessly', to: 'smoothly' },
  { from: 'furthermore', to: 'also' },
  { from: 'moreover', to: 'besides' },
  { from: 'utilize', to: 'use' },
  { from: 'utilizes', to: 'uses' },
  { from: 'utilized', to: 'used' },
  { from: 'nestled', to: 'tucked' },
  { from: 'ministrations', to: 'touch' },
  // Russian: phrases
  { from: 'стоит отметить, что', to: 'заметим, что' },
  { from: 'важно отметить, что', to: 'заметим, что' },
  { from: 'следует отметить, что', to: 'заметим, что' },
  { from: 'в конечном итоге', to: 'в итоге' },
  { from: 'в современном мире', to: 'сегодня' },
  { from: 'играет ключевую роль', to: 'много значит' },
  { from: 'играет важную роль', to: 'много значит' },
  { from: 'в самом сердце', to: 'в самом центре' },
  { from: 'вихрь эмоций', to: 'поток эмоций' },
  { from: 'вихрем эмоций', to: 'потоком эмоций' },
  { from: 'является свидетельством', to: 'доказывает' },
  { from: 'свидетельство того', to: 'доказательство того' },
  { from: 'погрузиться в', to: 'окунуться в' },
  { from: 'погрузился в', to: 'окунулся в' },
  { from: 'погрузилась в', to: 'окунулась в' },
  { from: 'затаила дыхание', to: 'замерла' },
  { from: 'затаил дыхание', to: 'замер' },
  { from: 'глаза расширились', to: 'глаза округлились' },
  { from: 'прикусила губу', to: 'поджала губы' },
  { from: 'по спине пробежали мурашки', to: 'по спине пробежал холодок' },
  { from: 'таким образом', to: 'так что' },
  { from: 'бесспорно', to: 'конечно' },
  { from: 'поистине', to: 'по-настоящему' },
  // Russian: stems (same declension on both sides)
  { from: 'многогранн', to: 'разнообразн', stem: true },
  { from: 'неотъемлем', to: 'важн', stem: true },
  { from: 'завораживающ', to: 'чарующ', stem: true },
  { from: 'пленительн', to: 'красив', stem: true },
  { from: 'судьбоносн', to: 'важн', stem: true },
  { from: 'безграничн', to: 'огромн', stem: true },
  { from: 'непоколебим', to: 'твёрд', stem: true },
  { from: 'гобелен', to: 'узор', stem: true },
  { from: 'калейдоскоп', to: 'набор', stem: true },
];

// Unicode-aware word edges: \b only knows ASCII letters, so it would split Cyrillic words.
const BEFORE = '(?<![\\p{L}\\p{N}_])';
const AFTER = '(?![\\p{L}\\p{N}_])';

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function patternOf({ from, stem }: Replacement): RegExp {
  const body = from
    .split(' ')
    .map((word) => escape(word).replace(/'/g, "['’]"))
    .join('\\s+');
  return stem
    ? new RegExp(`${BEFORE}(${body})(\\p{L}*)${AFTER}`, 'giu')
    : new RegExp(`${BEFORE}(${body})${AFTER}`, 'giu');
}

/** Longest first, so a phrase is replaced before a word inside it. */
const COMPILED = [...HUMANIZER_REPLACEMENTS]
  .sort((a, b) => b.from.length - a.from.length)
  .map((replacement) => ({ replacement, pattern: patternOf(replacement) }));

/** `replacement` in the case of `original`: lower, Title or UPPER. */
function matchCase(original: string, replacement: string): string {
  const letters = original.replace(/[^\p{L}]/gu, '');
  if (letters.length > 1 && letters === letters.toUpperCase() && letters !== letters.toLowerCase())
    return replacement.toUpperCase();
  const first = letters.charAt(0);
  if (first && first === first.toUpperCase() && first !== first.toLowerCase())
    return replacement.charAt(0).toUpperCase() + replacement.slice(1);
  return replacement;
}

export function humanizeText(text: string): string {
  let result = text;
  for (const { replacement, pattern } of COMPILED) {
    result = replacement.stem
      ? result.replace(
          pattern,
          (_match, stem: string, ending: string) => matchCase(stem, replacement.to) + ending,
        )
      : result.replace(pattern, (_match, phrase: string) => matchCase(phrase, replacement.to));
  }
  return result;
}

/** Every string inside `data` (nested arrays and objects too) humanized; the rest unchanged. */
export function humanizeCharacterData<T>(data: T): T {
  if (typeof data === 'string') return humanizeText(data) as T;
  if (Array.isArray(data)) return data.map((item: unknown) => humanizeCharacterData(item)) as T;
  if (data !== null && typeof data === 'object') {
    return Object.fromEntries(
      Object.entries(data).map(([key, value]) => [key, humanizeCharacterData(value)]),
    ) as T;
  }
  return data;
}
