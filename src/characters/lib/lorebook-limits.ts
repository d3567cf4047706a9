/**
 * How big a lorebook (`character_book`) may be. Its keys are matched against every message of
 * every chat with the character, on the event loop, so their number and length bound that work
 * (see src/chat/storytelling/lorebook.ts); the contents only go into prompts. Enforced where a
 * book is accepted (character create and edit, card import: a 400 naming the limit) and again
 * at match time, where whatever lies past a limit in an older row is ignored.
 */
export const LOREBOOK_LIMITS = {
  entries: 1_000,
  /** Per list: an entry's `keys`, and its `secondary_keys`. */
  keysPerEntry: 50,
  /** All entries' keys and secondary keys together. */
  keys: 5_000,
  /** Characters of one key (a regex key's pattern included). */
  keyLength: 200,
  /** Characters of all keys together. */
  keyChars: 50_000,
  /** Characters of all entries' contents together. */
  contentChars: 400_000,
} as const;

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const keysOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

const format = (count: number) => count.toLocaleString('en-US');

/**
 * The first limit the book is over, worded for an error message about `character_book`, or
 * null. Only counts: the shape of entries is checked leniently at match time.
 */
export function lorebookLimitProblem(book: unknown): string | null {
  if (!isObject(book) || !Array.isArray(book.entries)) return null;
  const { entries } = book;
  if (entries.length > LOREBOOK_LIMITS.entries) {
    return `may hold at most ${format(LOREBOOK_LIMITS.entries)} entries (it has ${format(entries.length)})`;
  }
  let keys = 0;
  let keyChars = 0;
  let contentChars = 0;
  for (const [index, entry] of entries.entries()) {
    if (!isObject(entry)) continue;
    for (const list of ['keys', 'secondary_keys'] as const) {
      const items = keysOf(entry[list]);
      if (items.length > LOREBOOK_LIMITS.keysPerEntry) {
        return `entries[${index}].${list} may hold at most ${LOREBOOK_LIMITS.keysPerEntry} keys`;
      }
      for (const key of items) {
        keys++;
        if (typeof key !== 'string') continue;
        if (key.length > LOREBOOK_LIMITS.keyLength) {
          return `keys may be at most ${LOREBOOK_LIMITS.keyLength} characters (entries[${index}].${list})`;
        }
        keyChars += key.length;
      }
    }
    if (typeof entry.content === 'string') contentChars += entry.content.length;
  }
  if (keys > LOREBOOK_LIMITS.keys) {
    return `may hold at most ${format(LOREBOOK_LIMITS.keys)} keys in all (it has ${format(keys)})`;
  }
  if (keyChars > LOREBOOK_LIMITS.keyChars) {
    return `keys may total at most ${format(LOREBOOK_LIMITS.keyChars)} characters (they total ${format(keyChars)})`;
  }
  if (contentChars > LOREBOOK_LIMITS.contentChars) {
    return `entry contents may total at most ${format(LOREBOOK_LIMITS.contentChars)} characters (they total ${format(contentChars)})`;
  }
  return null;
}
