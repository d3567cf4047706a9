import { DEFAULT_LANGUAGE, LANGUAGES, type Language } from '../../common/languages.js';
import { assertJsonTextDepth } from '../../common/validation/json-depth.js';
import { toMultiLine, toMultiLineDeep, toSingleLine } from '../../common/validation/text-field.js';
import { CHARACTER_LIMITS } from '../dto/character-limits.js';
import {
  CONTENT_RATINGS,
  RESPONSE_LENGTHS,
  type CharacterEntity,
  type Highlight,
} from '../entities/character.entity.js';
import { lorebookLimitProblem } from './lorebook-limits.js';
import { parseStructuredTags } from './structured-tags.js';

// SillyTavern character cards: V1, V2 (github.com/malfoyslastname/character-card-spec-v2) and
// V3 (github.com/kwaroran/character-card-spec-v3). Card field names are the specs' own.

/** A card that cannot be imported; the message says what is wrong, in terms of the card. */
export class CardError extends Error {
  override readonly name = 'CardError';
}

/**
 * What a card may hold at all; a card over these is refused. Within them, fields are clamped
 * to what the API accepts (CHARACTER_LIMITS): a card from another app is imported, not refused.
 */
export const CARD_LIMITS = {
  jsonBytes: 1024 * 1024,
  name: CHARACTER_LIMITS.name,
  text: CHARACTER_LIMITS.text,
  tag: 100,
} as const;

interface CardV2Data {
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
  character_book?: Record<string, unknown>;
  tags: string[];
  creator: string;
  character_version: string;
  extensions: Record<string, unknown>;
}

export interface CharacterCardV2 {
  spec: 'chara_card_v2';
  spec_version: '2.0';
  data: CardV2Data;
}

export interface CardAsset {
  type: string;
  uri: string;
  name: string;
  ext: string;
}

interface CardV3Data extends CardV2Data {
  group_only_greetings: string[];
  nickname?: string;
  creator_notes_multilingual?: Record<string, string>;
  source?: string[];
  creation_date?: number;
  modification_date?: number;
  assets?: CardAsset[];
}

export interface CharacterCardV3 {
  spec: 'chara_card_v3';
  spec_version: '3.0';
  data: CardV3Data;
}

export type CardSpec = 'v1' | 'v2' | 'v3';

/**
 * Any card, normalized: every field the import uses, present and type-checked. The character
 * book is only checked to be an object with an `entries` array and is otherwise kept verbatim
 * (its many tool-specific fields are not ours to judge).
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
  character_book: Record<string, unknown> | null;
  extensions: Record<string, unknown>;
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
>;

type JsonObject = Record<string, unknown>;

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

function readCharacterBook(source: JsonObject, path: string): JsonObject | null {
  const book = source.character_book;
  if (book === undefined || book === null) return null;
  if (!isObject(book) || !Array.isArray(book.entries)) {
    throw new CardError(`${path}character_book must be an object with an entries array`);
  }
  const problem = lorebookLimitProblem(book);
  if (problem) throw new CardError(`${path}character_book ${problem}`);
  return toMultiLineDeep(book);
}

function readExtensions(source: JsonObject, path: string): JsonObject {
  const extensions = source.extensions;
  if (extensions === undefined || extensions === null) return {};
  if (!isObject(extensions)) throw new CardError(`${path}extensions must be an object`);
  return toMultiLineDeep(extensions);
}

/** Reads the card fields from `data` (V2/V3) or from the root (V1, where `path` is ''). */
function readCardData(source: JsonObject, spec: CardSpec, path: string): CardData {
  // One line, as the API's own name field requires: cards from elsewhere may hold breaks.
  const name = toSingleLine(readText(source, path, 'name', CARD_LIMITS.name));
  if (name === '') throw new CardError(`${path}name must be a non-empty string`);
  // Held to the API's text rules: multi-line fields lose control characters and bidi
  // overrides (keeping tabs and line breaks), one-line fields are made one line.
  const text = (key: string) => toMultiLine(readText(source, path, key, CARD_LIMITS.text));
  const greetings = (key: string) =>
    readTextList(source, path, key, CARD_LIMITS.text).map(toMultiLine);
  const line = (key: string) => toSingleLine(readText(source, path, key, CARD_LIMITS.name));
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
    character_book: readCharacterBook(source, path),
    extensions: readExtensions(source, path),
  };
}

/**
 * Checks and normalizes a parsed card of any version. A card without `spec` is V1 (its fields
 * sit at the root); V2 and V3 keep theirs in `data`, and root-level copies some tools add for
 * V1 readers are ignored. `spec_version` is not checked: the V3 spec asks readers to import
 * newer minor versions rather than reject them.
 */
export function parseCard(json: unknown): CardData {
  if (!isObject(json)) throw new CardError('character card must be a JSON object');
  const { spec } = json;
  if (spec === undefined) return readCardData(json, 'v1', '');
  if (spec !== 'chara_card_v2' && spec !== 'chara_card_v3') {
    throw new CardError(
      typeof spec === 'string'
        ? `unsupported spec '${spec.slice(0, 50)}'`
        : 'spec must be a string',
    );
  }
  if (!isObject(json.data)) throw new CardError('data must be an object');
  return readCardData(json.data, spec === 'chara_card_v2' ? 'v2' : 'v3', 'data.');
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
interface PlatformExtension {
  appearance: string;
  speech_pattern: string;
  structured_tags: string[];
  response_length: CharacterCardFields['responseLength'];
  max_tokens: number;
  content_rating: CharacterCardFields['contentRating'];
  original_language: Language;
  /** Exported for completeness; an import ignores them (they are editorial, see below). */
  highlights: Highlight[];
}

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
function normalizeTags(tags: readonly string[]): string[] {
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

/**
 * Maps a parsed card to character columns, clamped to the API's limits. Our own fields come
 * from `extensions[platformKey]`; every other extension is kept in `cardExtensions`, and the
 * character book as it was, so exporting the character again gives them back unchanged.
 * Highlights are not imported: they are editorial (the daily highlights job writes them, and
 * skips characters that have some), not something a card's author may set.
 */
export function cardToCharacterData(
  card: CardData,
  options: { platformKey: string },
): CharacterCardFields {
  const { [options.platformKey]: ours, ...otherExtensions } = card.extensions;
  return {
    name: card.name,
    description: card.description,
    personality: card.personality,
    scenario: card.scenario,
    greeting: card.first_mes,
    alternateGreetings: card.alternate_greetings.slice(0, CHARACTER_LIMITS.alternateGreetings),
    exampleDialogues: card.mes_example,
    tags: normalizeTags(card.tags),
    characterBook: card.character_book,
    cardExtensions: otherExtensions,
    highlights: [],
    ...readPlatformFields(ours, `data.extensions.${options.platformKey}`),
  };
}

export interface CardExportOptions {
  /** Key of our extension, e.g. 'sweetsin'. */
  platformKey: string;
  /** Shown by other tools as the card's author. */
  creator?: string;
}

function toPlatformExtension(character: CharacterCardFields): PlatformExtension {
  return {
    appearance: character.appearance,
    speech_pattern: character.speechPattern,
    structured_tags: [...character.structuredTags],
    response_length: character.responseLength,
    max_tokens: character.maxTokens,
    content_rating: character.contentRating,
    original_language: character.originalLanguage,
    highlights: character.highlights.map(({ text, lang }) => ({ text, lang })),
  };
}

function toV2Data(character: CharacterCardFields, options: CardExportOptions): CardV2Data {
  return {
    name: character.name,
    description: character.description,
    personality: character.personality,
    scenario: character.scenario,
    first_mes: character.greeting,
    mes_example: character.exampleDialogues,
    creator_notes: '',
    system_prompt: '',
    post_history_instructions: '',
    alternate_greetings: [...character.alternateGreetings],
    ...(character.characterBook ? { character_book: character.characterBook } : {}),
    tags: [...character.tags],
    creator: options.creator ?? '',
    character_version: '',
    extensions: {
      ...character.cardExtensions,
      [options.platformKey]: toPlatformExtension(character),
    },
  };
}

/** Exports a character as a V2 or V3 card (JSON-ready object). */
export function characterToCard(
  character: CharacterCardFields,
  options: CardExportOptions & { spec: 'v2' },
): CharacterCardV2;
export function characterToCard(
  character: CharacterCardFields,
  options: CardExportOptions & { spec: 'v3' },
): CharacterCardV3;
export function characterToCard(
  character: CharacterCardFields,
  options: CardExportOptions & { spec: 'v2' | 'v3' },
): CharacterCardV2 | CharacterCardV3;
export function characterToCard(
  character: CharacterCardFields,
  options: CardExportOptions & { spec: 'v2' | 'v3' },
): CharacterCardV2 | CharacterCardV3 {
  const data = toV2Data(character, options);
  return options.spec === 'v2'
    ? { spec: 'chara_card_v2', spec_version: '2.0', data }
    : { spec: 'chara_card_v3', spec_version: '3.0', data: { ...data, group_only_greetings: [] } };
}

/** The V2 view of a V3 card, for readers that only know V2 (the `chara` PNG chunk). */
export function toV2Card(card: CharacterCardV3): CharacterCardV2 {
  const {
    group_only_greetings: _groupOnlyGreetings,
    nickname: _nickname,
    creator_notes_multilingual: _creatorNotesMultilingual,
    source: _source,
    creation_date: _creationDate,
    modification_date: _modificationDate,
    assets: _assets,
    ...data
  } = card.data;
  return { spec: 'chara_card_v2', spec_version: '2.0', data };
}
