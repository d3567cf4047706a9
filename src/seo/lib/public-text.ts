import type { PublicCharacter } from '../../characters/public-catalogue.service.js';

/**
 * `{{char}}`/`{{user}}` and SillyTavern's legacy `<BOT>`/`<USER>`; else any other `{{…}}` macro
 * with the space before it, so that removing it leaves no double space.
 */
const MACROS =
  /\{\{\s*(char|user)\s*\}\}|<(bot|user)>|[ \t]?\{\{(?!\s*(?:char|user)\s*\}\})[^{}]*\}\}/gi;

/**
 * SillyTavern's macros as a reader should see them: `{{char}}` (and the legacy `<BOT>`) is the
 * character's name, `{{user}}` (`<USER>`) the reader ("you" in the text's language), any other
 * `{{…}}` (`{{random::a::b}}`, `{{original}}`…) means nothing outside a prompt and goes. One
 * pass, case-insensitive like SillyTavern, so a name holding a macro is not expanded again.
 */
export function expandMacros(text: string, values: { char: string; user: string }): string {
  return text.replace(MACROS, (_macro, curly?: string, legacy?: string) => {
    const which = (curly ?? legacy)?.toLowerCase();
    return which === 'user' ? values.user : which ? values.char : '';
  });
}

/**
 * A character with every text a public page, feed or JSON-LD shows readable: macros expanded
 * (its name has them dropped: a name is what `{{char}}` becomes). `you`: the reader's word in
 * the character's text language.
 */
export function readableCharacter(character: PublicCharacter, you: string): PublicCharacter {
  const name = expandMacros(character.name, { char: '', user: '' }).trim() || character.slug;
  const read = (text: string) => expandMacros(text, { char: name, user: you });
  return {
    ...character,
    name,
    description: read(character.description),
    personality: read(character.personality),
    scenario: read(character.scenario),
    greeting: read(character.greeting),
    appearance: read(character.appearance),
    highlights: character.highlights.map(read),
  };
}
