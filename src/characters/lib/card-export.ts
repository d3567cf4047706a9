import type { Highlight } from '../entities/character.entity.js';
import {
  clampGreetings,
  normalizeTags,
  type CardAsset,
  type CharacterCardFields,
} from './character-card.js';

// Writes a character as a card (V2 or V3): the columns, what the imported card carried besides
// them (cardExtras), and our own fields in `data.extensions[platformKey]`. Importing the result
// gives the same character back, field by field.

type JsonObject = Record<string, unknown>;

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
  character_book?: JsonObject;
  tags: string[];
  creator: string;
  character_version: string;
  extensions: JsonObject;
  [field: string]: unknown;
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

export interface CharacterCardV2 {
  spec: 'chara_card_v2';
  spec_version: '2.0';
  data: CardV3Data;
  [field: string]: unknown;
}

export interface CharacterCardV3 {
  spec: 'chara_card_v3';
  spec_version: '3.0';
  data: CardV3Data;
  [field: string]: unknown;
}

/** What an export reads of a character: its card columns and its timestamps. */
export type ExportedCharacter = CharacterCardFields & { createdAt?: Date; updatedAt?: Date };

export interface CardExportOptions {
  /** Key of our extension, e.g. 'sweetsin'. */
  platformKey: string;
  /** Shown by other tools as the card's author, when the card names none. */
  creator?: string;
}

/** Our own fields, in `data.extensions[platformKey]`; snake_case like the rest of the card. */
interface PlatformExtension {
  appearance: string;
  speech_pattern: string;
  structured_tags: string[];
  response_length: CharacterCardFields['responseLength'];
  max_tokens: number;
  content_rating: CharacterCardFields['contentRating'];
  original_language: CharacterCardFields['originalLanguage'];
  /** Exported for completeness; an import ignores them (they are editorial). */
  highlights: Highlight[];
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

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

const textList = (value: unknown): string[] | undefined =>
  Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : undefined;

/**
 * The list as the card wrote it while the column still holds what the import made of it (the
 * owner has not edited it since), else the column.
 */
function asWritten(
  written: unknown,
  column: string[],
  normalize: (list: string[]) => string[],
): string[] {
  const list = textList(written);
  return list && normalize(list).join('\n') === column.join('\n') ? [...list] : [...column];
}

const unixSeconds = (date: Date | undefined): number | undefined =>
  date && Math.floor(date.getTime() / 1000);

function toCardData(character: ExportedCharacter, options: CardExportOptions): CardV3Data {
  const {
    tags,
    alternate_greetings: alternateGreetings,
    creator_notes: creatorNotes,
    creator,
    character_version: characterVersion,
    group_only_greetings: groupOnlyGreetings,
    creation_date: creationDate,
    modification_date: modificationDate,
    ...rest
  } = character.cardExtras.data ?? {};
  // A card made here gets the V3 dates from the character (stable until it is edited); an
  // imported card keeps its own.
  const created =
    typeof creationDate === 'number' ? creationDate : unixSeconds(character.createdAt);
  const modified =
    typeof modificationDate === 'number' ? modificationDate : unixSeconds(character.updatedAt);
  return {
    name: character.name,
    description: character.description,
    personality: character.personality,
    scenario: character.scenario,
    first_mes: character.greeting,
    mes_example: character.exampleDialogues,
    creator_notes: text(creatorNotes),
    system_prompt: character.systemPrompt,
    post_history_instructions: character.postHistoryInstructions,
    alternate_greetings: asWritten(
      alternateGreetings,
      character.alternateGreetings,
      clampGreetings,
    ),
    ...(character.characterBook ? { character_book: character.characterBook } : {}),
    tags: asWritten(tags, character.tags, normalizeTags),
    creator: text(creator) || options.creator || '',
    character_version: text(characterVersion),
    extensions: {
      ...character.cardExtensions,
      [options.platformKey]: toPlatformExtension(character),
    },
    group_only_greetings: textList(groupOnlyGreetings) ?? [],
    ...(created !== undefined ? { creation_date: created } : {}),
    ...(modified !== undefined ? { modification_date: modified } : {}),
    // nickname, creator_notes_multilingual, source, assets, and fields no spec defines.
    ...rest,
  };
}

/**
 * Exports a character as a V2 or V3 card (JSON-ready object). Both carry the same data, as
 * SillyTavern writes them: a V2 reader ignores the V3 fields, and the V2 spec asks tools to
 * keep fields they do not know. The root fields an imported card had beside `data` go back
 * there.
 */
export function characterToCard(
  character: ExportedCharacter,
  options: CardExportOptions & { spec: 'v2' },
): CharacterCardV2;
export function characterToCard(
  character: ExportedCharacter,
  options: CardExportOptions & { spec: 'v3' },
): CharacterCardV3;
export function characterToCard(
  character: ExportedCharacter,
  options: CardExportOptions & { spec: 'v2' | 'v3' },
): CharacterCardV2 | CharacterCardV3;
export function characterToCard(
  character: ExportedCharacter,
  options: CardExportOptions & { spec: 'v2' | 'v3' },
): CharacterCardV2 | CharacterCardV3 {
  const data = toCardData(character, options);
  const root = character.cardExtras.root ?? {};
  return options.spec === 'v2'
    ? { ...root, spec: 'chara_card_v2', spec_version: '2.0', data }
    : { ...root, spec: 'chara_card_v3', spec_version: '3.0', data };
}

/** The V2 view of a V3 card, for readers that only know V2 (the `chara` PNG chunk). */
export const toV2Card = (card: CharacterCardV3): CharacterCardV2 => ({
  ...card,
  spec: 'chara_card_v2',
  spec_version: '2.0',
});
