import { ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateBy,
} from 'class-validator';
import { LANGUAGES, type Language } from '../../common/languages.js';
import { TextField } from '../../common/validation/text-field.js';
import {
  CONTENT_RATINGS,
  RESPONSE_LENGTHS,
  type ContentRating,
  type ResponseLength,
} from '../entities/character.entity.js';
import { CardError } from '../lib/card-error.js';
import { readCharacterBook } from '../lib/character-book.js';
import { CHARACTER_LIMITS } from './character-limits.js';

const TEXT_LIMIT = CHARACTER_LIMITS.text;
const { name: NAME_LIMIT, alternateGreetings: GREETINGS_LIMIT } = CHARACTER_LIMITS;
const { maxTokensMin, maxTokensMax, maxTokensDefault } = CHARACTER_LIMITS;

/** What is wrong with a lorebook as a V2/V3 book within LOREBOOK_LIMITS, or null. */
function characterBookProblem(value: unknown): string | null {
  try {
    readCharacterBook(value);
    return null;
  } catch (error) {
    if (error instanceof CardError) return error.message;
    throw error;
  }
}

/**
 * A lorebook checked as a card import checks one (readCharacterBook): the message names the
 * field or the limit. The service then stores it as that function returns it.
 */
const IsCharacterBook = () =>
  ValidateBy({
    name: 'isCharacterBook',
    validator: {
      validate: (value: unknown) => characterBookProblem(value) === null,
      defaultMessage: (args) => characterBookProblem(args?.value) ?? 'character_book is invalid',
    },
  });

/** Body of POST /api/characters; also the shape AI drafts and card imports are checked against. */
export class CreateCharacterDto {
  @ApiPropertyOptional({ maxLength: NAME_LIMIT, example: 'Captain Mira Vance' })
  @TextField(NAME_LIMIT, { minLength: 1 })
  name: string;

  @ApiPropertyOptional({
    description: 'Custom slug (3-50 characters); generated from the name when absent',
  })
  @IsOptional()
  @MaxLength(60)
  @IsString()
  slug?: string;

  @ApiPropertyOptional({ maxLength: TEXT_LIMIT })
  @TextField(TEXT_LIMIT, { multiline: true, optional: true })
  description?: string;

  @ApiPropertyOptional({ maxLength: TEXT_LIMIT })
  @TextField(TEXT_LIMIT, { multiline: true, optional: true })
  personality?: string;

  @ApiPropertyOptional({ maxLength: TEXT_LIMIT })
  @TextField(TEXT_LIMIT, { multiline: true, optional: true })
  scenario?: string;

  @ApiPropertyOptional({ maxLength: TEXT_LIMIT })
  @TextField(TEXT_LIMIT, { multiline: true, optional: true })
  greeting?: string;

  @ApiPropertyOptional({ type: [String], maxItems: GREETINGS_LIMIT })
  @IsOptional()
  @ArrayMaxSize(GREETINGS_LIMIT)
  @MaxLength(TEXT_LIMIT, { each: true })
  @IsString({ each: true })
  @IsArray()
  alternate_greetings?: string[];

  @ApiPropertyOptional({ maxLength: TEXT_LIMIT })
  @TextField(TEXT_LIMIT, { multiline: true, optional: true })
  example_dialogues?: string;

  @ApiPropertyOptional({ maxLength: TEXT_LIMIT })
  @TextField(TEXT_LIMIT, { multiline: true, optional: true })
  appearance?: string;

  @ApiPropertyOptional({ maxLength: TEXT_LIMIT })
  @TextField(TEXT_LIMIT, { multiline: true, optional: true })
  speech_pattern?: string;

  @ApiPropertyOptional({
    maxLength: TEXT_LIMIT,
    description:
      "The card's own system prompt (card spec V2 `system_prompt`): replaces the platform's " +
      'character instructions, `{{original}}` standing for them; the safety rules stay',
  })
  @TextField(TEXT_LIMIT, { multiline: true, optional: true })
  system_prompt?: string;

  @ApiPropertyOptional({
    maxLength: TEXT_LIMIT,
    description:
      "The card's post-history instructions (card spec V2 `post_history_instructions`), read " +
      "after the chat history; `{{original}}` stands for the platform's own",
  })
  @TextField(TEXT_LIMIT, { multiline: true, optional: true })
  post_history_instructions?: string;

  @ApiPropertyOptional({
    description: `Comma-separated free tags (the first ${CHARACTER_LIMITS.tags} are kept)`,
    example: 'pirate, space, captain',
  })
  @TextField(CHARACTER_LIMITS.tagsText, { optional: true })
  tags?: string;

  @ApiPropertyOptional({
    description: 'Comma-separated ids from GET /api/tags',
    example: 'sci-fi,mentor',
  })
  @IsOptional()
  @MaxLength(500)
  @IsString()
  structured_tags?: string;

  @ApiPropertyOptional({ enum: RESPONSE_LENGTHS })
  @IsOptional()
  @IsIn(RESPONSE_LENGTHS)
  response_length?: ResponseLength;

  @ApiPropertyOptional({ minimum: maxTokensMin, maximum: maxTokensMax, default: maxTokensDefault })
  @IsOptional()
  @Min(maxTokensMin)
  @Max(maxTokensMax)
  @IsInt()
  max_tokens?: number;

  @ApiPropertyOptional({ enum: CONTENT_RATINGS })
  @IsOptional()
  @IsIn(CONTENT_RATINGS)
  content_rating?: ContentRating;

  @ApiPropertyOptional({ description: 'Public characters need an avatar' })
  @IsOptional()
  @IsBoolean()
  is_public?: boolean;

  @ApiPropertyOptional({ enum: LANGUAGES })
  @IsOptional()
  @IsIn(LANGUAGES)
  original_language?: Language;

  @ApiPropertyOptional({
    default: false,
    description:
      'Hide the definition from others: they see the name, description, greetings, tags and ' +
      'avatar, and cannot export or fork the character; chats still use the whole definition',
  })
  @IsOptional()
  @IsBoolean()
  definition_hidden?: boolean;

  @ApiPropertyOptional({
    type: Object,
    nullable: true,
    description:
      "Lorebook in the card specs' character_book shape (V2/V3), checked as a card import " +
      'checks it: typed fields, the required ones filled in (extensions, and per entry keys, ' +
      'enabled, insertion_order, use_regex); a SillyTavern world info file is converted. At ' +
      'most 1,000 entries, 50 keys per list, 5,000 keys and 50,000 key characters in all, ' +
      'keys of 200 characters, 400,000 content characters',
  })
  @IsOptional()
  @IsObject()
  @IsCharacterBook()
  character_book?: Record<string, unknown> | null;
}

export class UpdateCharacterDto extends PartialType(CreateCharacterDto) {}
