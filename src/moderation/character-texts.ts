/**
 * A character's text as moderation reads it (structurally, so this module needs nothing from
 * CharactersModule): every field a user or a model may see, the lorebook's entries included.
 */
export interface ModeratedCharacter {
  name?: string;
  description?: string;
  personality?: string;
  scenario?: string;
  greeting?: string;
  alternateGreetings?: readonly string[];
  exampleDialogues?: string;
  appearance?: string;
  speechPattern?: string;
  systemPrompt?: string;
  postHistoryInstructions?: string;
  tags?: readonly string[];
  contentRating?: string;
  characterBook?: Record<string, unknown> | null;
  cardExtras?: { data?: Record<string, unknown> };
}

const SCALAR_FIELDS = [
  ['name', 'name'],
  ['description', 'description'],
  ['personality', 'personality'],
  ['scenario', 'scenario'],
  ['greeting', 'greeting'],
  ['exampleDialogues', 'example_dialogues'],
  ['appearance', 'appearance'],
  ['speechPattern', 'speech_pattern'],
  ['systemPrompt', 'system_prompt'],
  ['postHistoryInstructions', 'post_history_instructions'],
] as const;

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const words = (value: unknown): string =>
  Array.isArray(value) ? value.filter((item) => typeof item === 'string').join(', ') : '';

/** Field name (as the API names it) → text; empty fields are left out. */
export function characterTexts(character: ModeratedCharacter): Record<string, string> {
  const texts: Record<string, string> = {};
  const put = (field: string, value: string) => {
    if (value.trim()) texts[field] = value;
  };
  for (const [property, field] of SCALAR_FIELDS) put(field, text(character[property]));
  (character.alternateGreetings ?? []).forEach((greeting, i) =>
    put(`alternate_greetings[${i}]`, text(greeting)),
  );
  put('tags', words(character.tags));
  put('creator_notes', text(character.cardExtras?.data?.creator_notes));
  const book = character.characterBook;
  if (book) {
    put('character_book.name', text(book.name));
    put('character_book.description', text(book.description));
    const entries = Array.isArray(book.entries) ? book.entries : [];
    entries.forEach((raw: unknown, i) => {
      const entry = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
      const at = `character_book.entries[${i}]`;
      put(`${at}.content`, text(entry.content));
      put(
        `${at}.keys`,
        [words(entry.keys), words(entry.secondary_keys)].filter(Boolean).join(', '),
      );
      put(`${at}.name`, [text(entry.name), text(entry.comment)].filter(Boolean).join(' — '));
    });
  }
  return texts;
}
