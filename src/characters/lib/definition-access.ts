import type { CharacterEntity } from '../entities/character.entity.js';

/**
 * A character's definition: the prompt material its creator may hide (`definition_hidden`)
 * while the character stays public. Name, description, greetings, tags, creator notes and
 * avatar stay visible; the lorebook is its owner's and admins' anyway (mayReadLorebook).
 */
export const DEFINITION_FIELDS = [
  'personality',
  'scenario',
  'exampleDialogues',
  'appearance',
  'speechPattern',
  'systemPrompt',
  'postHistoryInstructions',
  'characterBook',
] as const satisfies ReadonlyArray<keyof CharacterEntity>;

/** What others are told when they ask for the whole card of a character whose definition is hidden. */
export const DEFINITION_HIDDEN_MESSAGE =
  "This character's creator has hidden its definition: only they can export or fork it";

/** Whether this viewer may read the definition: anyone unless hidden; else its owner and admins. */
export const mayReadDefinition = (
  character: Pick<CharacterEntity, 'ownerId' | 'definitionHidden'>,
  viewer: { id: string; role: string } | null,
): boolean =>
  !character.definitionHidden ||
  (viewer !== null && (viewer.role === 'admin' || viewer.id === character.ownerId));
