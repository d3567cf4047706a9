import { toMultiLineDeep } from '../../common/validation/text-field.js';
import { CardError } from './card-error.js';
import { lorebookLimitProblem } from './lorebook-limits.js';

// A character's lorebook, the card specs' `character_book` (V2: github.com/malfoyslastname/
// character-card-spec-v2, V3 adds `use_regex`). One check for every way a book arrives (card
// import, character create and edit), so no route stores a book another would refuse.

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const POSITIONS = ['before_char', 'after_char'];

/** Field types of a book and of its entries; absent optional fields are fine. */
const BOOK_FIELDS: Record<string, 'string' | 'number' | 'boolean'> = {
  name: 'string',
  description: 'string',
  scan_depth: 'number',
  token_budget: 'number',
  recursive_scanning: 'boolean',
};
const ENTRY_FIELDS: Record<string, 'string' | 'number' | 'boolean'> = {
  content: 'string',
  enabled: 'boolean',
  insertion_order: 'number',
  case_sensitive: 'boolean',
  use_regex: 'boolean',
  constant: 'boolean',
  name: 'string',
  priority: 'number',
  comment: 'string',
  selective: 'boolean',
};

function checkType(value: unknown, type: 'string' | 'number' | 'boolean', where: string): void {
  const ok = type === 'number' ? Number.isFinite(value) : typeof value === type;
  if (!ok) throw new CardError(`${where} must be a ${type}`);
}

function checkKeys(value: unknown, where: string): void {
  if (!Array.isArray(value) || !value.every((key) => typeof key === 'string')) {
    throw new CardError(`${where} must be an array of strings`);
  }
}

/**
 * A SillyTavern world info file (its own lorebook format: `entries` is an object keyed by uid,
 * fields `key`, `keysecondary`, `order`, `disable`, numeric `position`): what a user picks when
 * asked for "the lorebook". Converted as SillyTavern converts one into a card's book.
 */
const isWorldInfo = (book: JsonObject): boolean =>
  isObject(book.entries) &&
  Object.values(book.entries).every((entry) => isObject(entry) && 'key' in entry);

function fromWorldInfo(book: JsonObject, path: string): JsonObject {
  const entries = Object.values(book.entries as JsonObject).map((value, index) => {
    const entry = value as JsonObject;
    const where = `${path}.entries[${index}]`;
    checkKeys(entry.key, `${where}.key`);
    if (entry.keysecondary !== undefined) checkKeys(entry.keysecondary, `${where}.keysecondary`);
    const { uid, key, keysecondary, comment, content, constant, selective, order, disable } = entry;
    const { position, ...rest } = entry;
    return {
      id: uid,
      keys: key,
      secondary_keys: keysecondary ?? [],
      comment: comment ?? '',
      content,
      constant: constant ?? false,
      selective: selective ?? false,
      insertion_order: order ?? 100,
      enabled: disable !== true,
      position: position === 0 ? 'before_char' : 'after_char',
      // SillyTavern reads its keys as regexes when written /like this/ (our matcher too).
      use_regex: false,
      // Its other settings (depth, probability, groups...) ride along for SillyTavern.
      extensions: { position, ...omit(rest, WORLD_INFO_MAPPED) },
    };
  });
  return {
    ...(typeof book.name === 'string' ? { name: book.name } : {}),
    extensions: {},
    entries,
  };
}

const WORLD_INFO_MAPPED = [
  'uid',
  'key',
  'keysecondary',
  'comment',
  'content',
  'constant',
  'selective',
  'order',
  'disable',
];

const omit = (object: JsonObject, keys: string[]): JsonObject =>
  Object.fromEntries(Object.entries(object).filter(([key]) => !keys.includes(key)));

function readEntry(value: unknown, where: string): JsonObject {
  if (!isObject(value)) throw new CardError(`${where} must be an object`);
  if (typeof value.content !== 'string') throw new CardError(`${where}.content must be a string`);
  const keys = value.keys ?? [];
  checkKeys(keys, `${where}.keys`);
  if (value.secondary_keys != null) checkKeys(value.secondary_keys, `${where}.secondary_keys`);
  for (const [field, type] of Object.entries(ENTRY_FIELDS)) {
    if (value[field] != null) checkType(value[field], type, `${where}.${field}`);
  }
  if (value.id != null && typeof value.id !== 'string')
    checkType(value.id, 'number', `${where}.id`);
  // '' is what some editors write for "not set".
  if (
    value.position != null &&
    value.position !== '' &&
    !POSITIONS.includes(value.position as string)
  ) {
    throw new CardError(`${where}.position must be 'before_char' or 'after_char'`);
  }
  if (value.extensions != null && !isObject(value.extensions)) {
    throw new CardError(`${where}.extensions must be an object`);
  }
  // The fields both specs require, filled with their neutral values when a tool left them out.
  return {
    ...value,
    keys,
    enabled: value.enabled ?? true,
    insertion_order: value.insertion_order ?? 100,
    use_regex: value.use_regex ?? false,
    extensions: value.extensions ?? {},
  };
}

/**
 * Checks a `character_book` as a V2/V3 lorebook and returns it as stored: every field the specs
 * type has its type (a 400 naming the field otherwise), the fields they require are filled in
 * (`extensions`, an entry's `keys`, `enabled`, `insertion_order`, `use_regex`), unknown fields
 * are kept, strings held to the multi-line text rule, and the whole within LOREBOOK_LIMITS. A
 * SillyTavern world info file is converted; a standalone `lorebook_v3` file is unwrapped.
 * `path` names the book in messages ('character_book', 'data.character_book').
 */
export function readCharacterBook(value: unknown, path = 'character_book'): JsonObject | null {
  if (value === undefined || value === null) return null;
  if (!isObject(value)) throw new CardError(`${path} must be an object`);
  let book = value;
  if (book.spec === 'lorebook_v3' && isObject(book.data)) book = book.data;
  if (isWorldInfo(book)) book = fromWorldInfo(book, path);
  if (!Array.isArray(book.entries)) {
    throw new CardError(
      `${path} must be a V2/V3 lorebook: an object with an entries array ` +
        '(a SillyTavern world info file, with entries keyed by uid, is converted)',
    );
  }
  const problem = lorebookLimitProblem(book);
  if (problem) throw new CardError(`${path} ${problem}`);
  for (const [field, type] of Object.entries(BOOK_FIELDS)) {
    if (book[field] != null) checkType(book[field], type, `${path}.${field}`);
  }
  if (book.extensions != null && !isObject(book.extensions)) {
    throw new CardError(`${path}.extensions must be an object`);
  }
  const entries = book.entries.map((entry, index) => readEntry(entry, `${path}.entries[${index}]`));
  return toMultiLineDeep({ ...book, extensions: book.extensions ?? {}, entries });
}
