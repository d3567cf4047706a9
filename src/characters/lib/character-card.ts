import { DEFAULT_LANGUAGE, LANGUAGES } from '../../common/languages.js';
import { assertJsonTextDepth } from '../../common/validation/json-depth.js';
import { toMultiLine, toMultiLineDeep, toSingleLine } from '../../common/validation/text-field.js';
import { CHARACTER_LIMITS } from '../dto/character-limits.js';
import {
  CONTENT_RATINGS,
  RESPONSE_LENGTHS,
  type CharacterEntity,
  type ContentRating,
} from '../entities/character.entity.js';
import { CardError } from './card-error.js';
import { readCharacterBook } from './character-book.js';
import { parseStructuredTags } from './structured-tags.js';

// SillyTavern character cards: V1, V2 (github.com/malfoyslastname/character-card-spec-v2) and
// V3 (github.com/kwaroran/character-card-spec-v3). Card field names are the specs' own. This
// file reads a card into character columns; card-export.ts writes one back.

export { CardError };

/**
 * What a card may hold at all; a card over these is refused. Within them, fields are clamped
 * to what the API accepts (CHARACTER_LIMITS): a card from another app is imported, not refused.
 * The same bounds hold for every format (JSON, PNG, WebP, CharX) and for a card sent as the
 * JSON body.
 */
export const CARD_LIMITS = {
  jsonBytes: 1024 * 1024,
  name: CHARACTER_LIMITS.name,
  text: CHARACTER_LIMITS.text,
  tag: 100,
  /** A `source` entry: an id or a URL. */
  source: 2_000,
} as const;

export interface CardAsset {
  type: string;
  uri: string;
  name: string;
  ext: string;
  [field: string]: unknown;
}

export type CardSpec = 'v1' | 'v2' | 'v3';

type JsonObject = Record<string, unknown>;

/**
 * Any card, normalized: every field the specs define, present (the V3 ones when the card has
 * them) and type-checked, with the fields they do not define kept aside. The character book
 * is checked as a V2/V3 lorebook (readCharacterBook).
 */
export interface CardData {
  spec: CardSpec;
  name: string;
  description: string;
  personality: string;
  scenario: string;
  first_mes: string;
  mes_example: string;
  creator_notes: string;
  system_prompt: string;
  post_history_instructions: string;
  alternate_greetings: string[];
  group_only_greetings: string[];
  tags: string[];
  creator: string;
  character_version: string;
  character_book: JsonObject | null;
  extensions: JsonObject;
  nickname?: string;
  creator_notes_multilingual?: Record<string, string>;
  source?: string[];
  creation_date?: number;
  modification_date?: number;
  assets?: CardAsset[];
  /** Fields of `data` (of the root, for V1) that the specs do not define, kept verbatim. */
  unknown: JsonObject;
  /** Fields beside `spec`, `spec_version` and `data`, but V1 copies of the card's fields. */
  root: JsonObject;
}

/** The character columns a card carries, named as on CharacterEntity. */
export type CharacterCardFields = Pick<
  CharacterEntity,
  | 'name'
  | 'description'
  | 'personality'
  | 'scenario'
  | 'greeting'
  | 'alternateGreetings'
  | 'exampleDialogues'
  | 'appearance'
  | 'speechPattern'
  | 'tags'
  | 'structuredTags'
  | 'responseLength'
  | 'maxTokens'
  | 'contentRating'
  | 'originalLanguage'
  | 'highlights'
  | 'characterBook'
  | 'cardExtensions'
  | 'systemPrompt'
  | 'postHistoryInstructions'
  | 'cardExtras'
>;

/** The fields V1 defines, which V2/V3 exports also copy to the root for V1 readers. */
const V1_FIELDS = ['name', 'description', 'personality', 'scenario', 'first_mes', 'mes_example'];
/** Every field of `data` the specs define; anything else is an unknown field. */
const DATA_FIELDS = new Set([
  ...V1_FIELDS,
  'creator_notes',
  'system_prompt',
  'post_history_instructions',
  'alternate_greetings',
  'character_book',
  'tags',
  'creator',
  'character_version',
  'extensions',
  'group_only_greetings',
  'nickname',
  'creator_notes_multilingual',
  'source',
  'creation_date',
  'modification_date',
  'assets',
]);

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Optional string field: absent or null reads as ''. */
function readText(source: JsonObject, path: string, key: string, max: number): string {
  const value = source[key];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new CardError(`${path}${key} must be a string`);
  if (value.length > max) throw new CardError(`${path}${key} must be at most ${max} characters`);
  return value;
}

/** Optional array-of-strings field: absent or null reads as []. */
function readTextList(source: JsonObject, path: string, key: string, maxLength: number): string[] {
  const value = source[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new CardError(`${path}${key} must be an array of strings`);
  }
  if (value.some((item) => item.length > maxLength)) {
    throw new CardError(`${path}${key} items must be at most ${maxLength} characters`);
  }
  return value;
}

function readOneOf<T extends string>(
  source: JsonObject,
  path: string,
  key: string,
  values: readonly T[],
  fallback: T,
): T {
  const value = source[key];
  if (value === undefined || value === null) return fallback;
  if (!(values as readonly unknown[]).includes(value)) {
    throw new CardError(`${path}${key} must be one of ${values.join(', ')}`);
  }
  return value as T;
}

function readExtensions(source: JsonObject, path: string): JsonObject {
  const extensions = source.extensions;
  if (extensions === undefined || extensions === null) return {};
  if (!isObject(extensions)) throw new CardError(`${path}extensions must be an object`);
  return toMultiLineDeep(extensions);
}

/** A Unix time in seconds (0 stands for "unknown", as the V3 spec allows). */
function readDate(source: JsonObject, path: string, key: string): number | undefined {
  const value = source[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new CardError(`${path}${key} must be a number (Unix time in seconds)`);
  }
  return value;
}

function readMultilingualNotes(
  source: JsonObject,
  path: string,
): Record<string, string> | undefined {
  const value = source.creator_notes_multilingual;
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw new CardError(`${path}creator_notes_multilingual must be an object`);
  return Object.fromEntries(
    Object.keys(value).map((lang) => [
      toSingleLine(lang),
      toMultiLine(readText(value, `${path}creator_notes_multilingual.`, lang, CARD_LIMITS.text)),
    ]),
  );
}

function readAssets(source: JsonObject, path: string): CardAsset[] | undefined {
  const value = source.assets;
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new CardError(`${path}assets must be an array`);
  return value.map((asset, index) => {
    const where = `${path}assets[${index}]`;
    if (!isObject(asset)) throw new CardError(`${where} must be an object`);
    for (const field of ['type', 'uri', 'name', 'ext']) {
      if (typeof asset[field] !== 'string')
        throw new CardError(`${where}.${field} must be a string`);
    }
    return toMultiLineDeep(asset) as CardAsset;
  });
}

const pick = (source: JsonObject, keep: (key: string) => boolean): JsonObject =>
  Object.fromEntries(Object.entries(source).filter(([key]) => keep(key)));

/** Reads the card fields from `data` (V2/V3) or from the root (V1, where `path` is ''). */
function readCardData(source: JsonObject, spec: CardSpec, path: string): Omit<CardData, 'root'> {
  // One line, as the API's own name field requires: cards from elsewhere may hold breaks.
  const name = toSingleLine(readText(source, path, 'name', CARD_LIMITS.name));
  if (name === '') throw new CardError(`${path}name must be a non-empty string`);
  // Held to the API's text rules: multi-line fields lose control characters and bidi
  // overrides (keeping tabs and line breaks), one-line fields are made one line.
  const text = (key: string) => toMultiLine(readText(source, path, key, CARD_LIMITS.text));
  const greetings = (key: string) =>
    readTextList(source, path, key, CARD_LIMITS.text).map(toMultiLine);
  const line = (key: string) => toSingleLine(readText(source, path, key, CARD_LIMITS.name));
  const optional = <T>(key: string, value: T | undefined): Partial<Record<string, T>> =>
    value === undefined ? {} : { [key]: value };
  return {
    spec,
    name,
    description: text('description'),
    personality: text('personality'),
    scenario: text('scenario'),
    first_mes: text('first_mes'),
    mes_example: text('mes_example'),
    creator_notes: text('creator_notes'),
    system_prompt: text('system_prompt'),
    post_history_instructions: text('post_history_instructions'),
    alternate_greetings: greetings('alternate_greetings'),
    group_only_greetings: greetings('group_only_greetings'),
    tags: readTextList(source, path, 'tags', CARD_LIMITS.tag).map(toSingleLine),
    creator: line('creator'),
    character_version: line('character_version'),
    character_book: readCharacterBook(source.character_book, `${path}character_book`),
    extensions: readExtensions(source, path),
    ...optional('nickname', source.nickname == null ? undefined : line('nickname')),
    ...optional('creator_notes_multilingual', readMultilingualNotes(source, path)),
    ...optional(
      'source',
      source.source == null
        ? undefined
        : readTextList(source, path, 'source', CARD_LIMITS.source).map(toSingleLine),
    ),
    ...optional('creation_date', readDate(source, path, 'creation_date')),
    ...optional('modification_date', readDate(source, path, 'modification_date')),
    ...optional('assets', readAssets(source, path)),
    unknown: toMultiLineDeep(pick(source, (key) => !DATA_FIELDS.has(key))),
  };
}

/**
 * Checks and normalizes a parsed card of any version. A card without `spec` is V1 (its fields
 * sit at the root); V2 and V3 keep theirs in `data`, and root-level copies some tools add for
 * V1 readers are dropped (other root fields are kept). `spec_version` is not checked: the V3
 * spec asks readers to import newer minor versions rather than reject them.
 */
export function parseCard(json: unknown): CardData {
  if (!isObject(json)) throw new CardError('character card must be a JSON object');
  const { spec } = json;
  if (spec === undefined) {
    const { unknown, ...card } = readCardData(json, 'v1', '');
    // A V1 card's unknown fields sit at its root, and go back there.
    return { ...card, unknown: {}, root: unknown };
  }
  if (spec !== 'chara_card_v2' && spec !== 'chara_card_v3') {
    throw new CardError(
      typeof spec === 'string'
        ? `unsupported spec '${spec.slice(0, 50)}'`
        : 'spec must be a string',
    );
  }
  if (!isObject(json.data)) throw new CardError('data must be an object');
  const root = pick(json, (key) => !['spec', 'spec_version', 'data', ...V1_FIELDS].includes(key));
  return {
    ...readCardData(json.data, spec === 'chara_card_v2' ? 'v2' : 'v3', 'data.'),
    root: toMultiLineDeep(root),
  };
}

/** Parses card JSON text or bytes (a .json upload, or the payload of a PNG chunk). */
export function parseCardJson(source: string | Buffer): CardData {
  const bytes = typeof source === 'string' ? Buffer.byteLength(source) : source.length;
  if (bytes > CARD_LIMITS.jsonBytes) throw new CardError('character card must be at most 1 MB');
  assertJsonTextDepth(source, 'The character card');
  let json: unknown;
  try {
    // A byte order mark is legal at the start of a UTF-8 file but not in JSON.
    json = JSON.parse(source.toString().replace(/^\uFEFF/, ''));
  } catch {
    throw new CardError('character card is not valid JSON');
  }
  return parseCard(json);
}

/** Our own fields, in `data.extensions[platformKey]`; snake_case like the rest of the card. */
type PlatformFields = Pick<
  CharacterCardFields,
  | 'appearance'
  | 'speechPattern'
  | 'structuredTags'
  | 'responseLength'
  | 'maxTokens'
  | 'contentRating'
  | 'originalLanguage'
>;

/** Any number is accepted and clamped into the API's range (another app may allow more). */
function readMaxTokens(source: JsonObject, path: string): number {
  const value = source.max_tokens;
  if (value === undefined || value === null) return CHARACTER_LIMITS.maxTokensDefault;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new CardError(`${path}max_tokens must be a number`);
  }
  return Math.min(
    CHARACTER_LIMITS.maxTokensMax,
    Math.max(CHARACTER_LIMITS.maxTokensMin, Math.round(value)),
  );
}

function readStructuredTagIds(source: JsonObject, path: string): string[] {
  const value = source.structured_tags;
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return parseStructuredTags(value).ids;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new CardError(`${path}structured_tags must be a string or an array of strings`);
  }
  return parseStructuredTags(value).ids;
}

/**
 * Reads our extension. A card from another tool has none and gets the column defaults;
 * structured tag ids no longer in the registry are dropped rather than failing the import.
 */
function readPlatformFields(value: unknown, path: string): PlatformFields {
  if (value != null && !isObject(value)) throw new CardError(`${path} must be an object`);
  const source: JsonObject = isObject(value) ? value : {};
  const prefix = `${path}.`;
  return {
    appearance: toMultiLine(readText(source, prefix, 'appearance', CARD_LIMITS.text)),
    speechPattern: toMultiLine(readText(source, prefix, 'speech_pattern', CARD_LIMITS.text)),
    structuredTags: readStructuredTagIds(source, prefix),
    responseLength: readOneOf(source, prefix, 'response_length', RESPONSE_LENGTHS, 'medium'),
    maxTokens: readMaxTokens(source, prefix),
    contentRating: readOneOf(source, prefix, 'content_rating', CONTENT_RATINGS, 'sfw'),
    originalLanguage: readOneOf(source, prefix, 'original_language', LANGUAGES, DEFAULT_LANGUAGE),
  };
}

/**
 * Free tags as the API keeps them: trimmed, lower-cased, unique, none empty, at most
 * CHARACTER_LIMITS.tags, and no more than fit the API's tags string.
 */
export function normalizeTags(tags: readonly string[]): string[] {
  const unique = [
    ...new Set(tags.map((tag) => tag.trim().toLowerCase()).filter((tag) => tag !== '')),
  ];
  const kept: string[] = [];
  let length = 0;
  for (const tag of unique) {
    const next = length + (kept.length > 0 ? 2 : 0) + tag.length; // joined by ', '
    if (kept.length === CHARACTER_LIMITS.tags || next > CHARACTER_LIMITS.tagsText) break;
    kept.push(tag);
    length = next;
  }
  return kept;
}

/** The alternate greetings a character keeps of a card's. */
export const clampGreetings = (greetings: readonly string[]): string[] =>
  greetings.slice(0, CHARACTER_LIMITS.alternateGreetings);

/**
 * Tags that mark a card adult-only, compared without case, spaces or punctuation: "NSFW",
 * "nsfw 🔞", "Not Safe For Work", "18+", "R-18", "Adults only", "explicit"... ("adult" alone
 * is not one: it often describes the character's age).
 */
const NSFW_TAGS = new Set([
  'nsfw',
  'notsafeforwork',
  '18+',
  'r18',
  'r18+',
  'adultonly',
  'adultsonly',
  'explicit',
  'xxx',
  'lewd',
  'smut',
  'porn',
  'hentai',
  '🔞',
]);

const squashTag = (tag: string): string =>
  tag
    .toLowerCase()
    .replace(/[\s\p{P}\uFE0F]/gu, '')
    .replace(/^🔞(?=.)|(?<=.)🔞$/u, '');

export const hasNsfwTag = (tags: readonly string[]): boolean =>
  tags.some((tag) => NSFW_TAGS.has(squashTag(tag)));

const laterRating = (a: ContentRating, b: ContentRating): ContentRating =>
  a === 'nsfw' || b === 'nsfw' ? 'nsfw' : 'sfw';

/** Fields of `data` an export always writes ('' or [] when the character has none). */
const ALWAYS_WRITTEN = ['creator_notes', 'creator', 'character_version', 'group_only_greetings'];

/**
 * Maps a parsed card to character columns, clamped to the API's limits. Our own fields come
 * from `extensions[platformKey]`; every other extension is kept in `cardExtensions`, the
 * character book in `characterBook`, and what no column holds in `cardExtras` (with the tags
 * and alternate greetings as written when the columns hold them normalized or clamped), so
 * exporting the character again gives the card back. A card tagged NSFW is rated nsfw whatever
 * our extension says. Highlights are not imported: they are editorial (the daily highlights
 * job writes them), not something a card's author may set.
 */
export function cardToCharacterData(
  card: CardData,
  options: { platformKey: string },
): CharacterCardFields {
  const { [options.platformKey]: ours, ...otherExtensions } = card.extensions;
  const platform = readPlatformFields(ours, `data.extensions.${options.platformKey}`);
  const tags = normalizeTags(card.tags);
  const alternateGreetings = clampGreetings(card.alternate_greetings);
  const {
    spec: _spec,
    name: _name,
    description: _description,
    personality: _personality,
    scenario: _scenario,
    first_mes: _firstMes,
    mes_example: _mesExample,
    system_prompt: _systemPrompt,
    post_history_instructions: _postHistory,
    alternate_greetings: _alternateGreetings,
    tags: _tags,
    character_book: _book,
    extensions: _extensions,
    unknown,
    root,
    ...kept
  } = card;
  // An empty one of the fields every card has is what an export writes anyway: not worth a key.
  const known = kept as JsonObject;
  const isDefault = (key: string) =>
    ALWAYS_WRITTEN.includes(key) &&
    (known[key] === '' || (Array.isArray(known[key]) && known[key].length === 0));
  const data: JsonObject = { ...pick(known, (key) => !isDefault(key)), ...unknown };
  if (card.tags.join('\n') !== tags.join('\n')) data.tags = card.tags;
  if (alternateGreetings.length !== card.alternate_greetings.length) {
    data.alternate_greetings = card.alternate_greetings;
  }
  return {
    name: card.name,
    description: card.description,
    personality: card.personality,
    scenario: card.scenario,
    greeting: card.first_mes,
    alternateGreetings,
    exampleDialogues: card.mes_example,
    tags,
    characterBook: card.character_book,
    cardExtensions: otherExtensions,
    systemPrompt: card.system_prompt,
    postHistoryInstructions: card.post_history_instructions,
    cardExtras: {
      ...(Object.keys(data).length > 0 ? { data } : {}),
      ...(Object.keys(root).length > 0 ? { root } : {}),
    },
    highlights: [],
    ...platform,
    contentRating: laterRating(platform.contentRating, hasNsfwTag(card.tags) ? 'nsfw' : 'sfw'),
  };
}
