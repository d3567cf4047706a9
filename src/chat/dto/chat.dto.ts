import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import {
  CONTENT_RATINGS,
  type CharacterEntity,
  type ContentRating,
} from '../../characters/entities/character.entity.js';
import { LANGUAGES, type Language } from '../../common/languages.js';
import { TextField } from '../../common/validation/text-field.js';
import type { ChatWithMembers } from '../chat-rows.js';
import { CHAT_KINDS, type ChatKind } from '../entities/chat.entity.js';
import { GROUP_MAX_MEMBERS } from '../storytelling/group-chat.js';
import { ChatMessageDto } from './message.dto.js';

export const MAX_CHAT_PAGE_SIZE = 100;
export const MAX_CHAT_TITLE_LENGTH = 200;

/** Lower-cased first: the same id in two cases is the same character. */
const lowerCaseIds = ({ value }: { value: unknown }) =>
  Array.isArray(value)
    ? value.map((id: unknown) => (typeof id === 'string' ? id.toLowerCase() : id))
    : value;

/** The members of a group chat, in speaking order (the deprecated group route takes them too). */
export const MemberIds = () =>
  applyDecorators(
    Transform(lowerCaseIds),
    IsUUID('all', { each: true, message: 'each value in $property must be a UUID' }),
    ArrayUnique({ message: '$property must not list the same character twice' }),
    ArrayMaxSize(GROUP_MAX_MEMBERS, {
      message: `$property must list at most ${GROUP_MAX_MEMBERS} characters`,
    }),
    ArrayMinSize(1, { message: '$property must list at least one character' }),
    IsArray({ message: '$property must be an array of character ids' }),
  );

export class CreateChatDto {
  @ApiPropertyOptional({
    description: 'A direct chat with this character, by id or slug (or give character_ids)',
  })
  @IsOptional()
  @MaxLength(100)
  @IsString()
  character_id?: string;

  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    minItems: 1,
    maxItems: GROUP_MAX_MEMBERS,
    uniqueItems: true,
    description:
      'A group chat (signed-in users): the characters, by id, in the order they answer each ' +
      'message (or give character_id). Always a new chat.',
  })
  @IsOptional()
  @MemberIds()
  character_ids?: string[];

  @ApiPropertyOptional({ maxLength: MAX_CHAT_TITLE_LENGTH, description: 'Group chats only' })
  @TextField(MAX_CHAT_TITLE_LENGTH, { optional: true })
  title?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Who the user plays (default: their default persona); copied into the chat',
  })
  @IsOptional()
  @IsUUID()
  persona_id?: string;

  @ApiPropertyOptional({
    description: 'Start a new chat even if one with this character exists',
    default: false,
  })
  @IsOptional()
  @IsBoolean()
  force_new?: boolean;

  @ApiPropertyOptional({
    minimum: 0,
    default: 0,
    description:
      "Which of the character's greetings the new chat starts from: 0 its greeting, 1… its " +
      'alternate greetings (all of them are offered as alternatives of the first message)',
  })
  @IsOptional()
  @Min(0)
  @Max(1000)
  @IsInt()
  greeting_index?: number;

  @ApiPropertyOptional({
    enum: LANGUAGES,
    description: "Language of the chat (default: the user's, or the character's for guests)",
  })
  @IsOptional()
  @IsIn(LANGUAGES)
  language?: Language;
}

export class ChatListQueryDto {
  @ApiPropertyOptional({ minimum: 1, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @Min(1)
  @Max(10_000)
  @IsInt()
  page?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_CHAT_PAGE_SIZE, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @Min(1)
  @Max(MAX_CHAT_PAGE_SIZE)
  @IsInt()
  page_size?: number;
}

/** A character of a chat, as the chat lists show it. */
export class ChatCharacterDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  slug: string;

  @ApiProperty({ description: "In the chat's language when translated" })
  name: string;

  @ApiProperty({ nullable: true, type: String })
  avatar_url: string | null;

  @ApiProperty({ enum: CONTENT_RATINGS })
  content_rating: ContentRating;

  @ApiProperty({ description: 'The character was deleted: it no longer answers' })
  deleted: boolean;
}

export class ChatResponseDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({
    enum: CHAT_KINDS,
    description: '`direct`: one character; `group`: up to three answering in turn',
  })
  kind: ChatKind;

  @ApiProperty({ type: ChatCharacterDto, description: 'The lead: the first of `members`' })
  character: ChatCharacterDto;

  @ApiProperty({ type: [ChatCharacterDto], description: 'The characters, in speaking order' })
  members: ChatCharacterDto[];

  @ApiProperty({
    type: [String],
    format: 'uuid',
    description: 'Members who sit rounds out unless named in speaker_ids (muted)',
  })
  muted_member_ids: string[];

  @ApiProperty({ nullable: true, type: String })
  persona_name: string | null;

  @ApiProperty({ nullable: true, type: String })
  persona_description: string | null;

  @ApiProperty({ nullable: true, type: String })
  title: string | null;

  @ApiProperty({ enum: LANGUAGES })
  language: Language;

  @ApiProperty({
    nullable: true,
    type: String,
    format: 'uuid',
    deprecated: true,
    description:
      "Always null, kept for older clients: a campaign is a character tagged 'dnd' (free or " +
      'structured tag), not something a chat belongs to',
  })
  campaign_id: string | null;

  @ApiProperty({ nullable: true, type: String, description: 'Summary of the older messages' })
  summary: string | null;

  @ApiProperty()
  message_count: number;

  @ApiProperty({
    description: 'A reply is being written now: GET /api/chats/{id}/stream follows it',
  })
  generating: boolean;

  @ApiProperty()
  created_at: string;

  @ApiProperty({ description: 'Last activity' })
  updated_at: string;
}

export class ChatListItemDto extends ChatResponseDto {
  @ApiProperty({ type: ChatMessageDto, nullable: true })
  last_message: ChatMessageDto | null;
}

export class ChatPageDto {
  @ApiProperty({ type: [ChatListItemDto] })
  items: ChatListItemDto[];

  @ApiProperty()
  page: number;

  @ApiProperty()
  page_size: number;

  @ApiProperty()
  has_more: boolean;
}

/** The character's name in the chat's language when it has a translation. */
export const characterName = (character: CharacterEntity, language: Language): string =>
  (language !== character.originalLanguage && character.translations[language]?.name) ||
  character.name;

/** `character` in the chat's language. */
export const toChatCharacter = (
  character: CharacterEntity,
  language: Language,
): ChatCharacterDto => ({
  id: character.id,
  slug: character.slug,
  name: characterName(character, language),
  avatar_url: character.avatarUrl,
  content_rating: character.contentRating,
  deleted: character.deletedAt !== null,
});

/** `characters`: the chat's members by id (deleted ones too). */
export function toChatResponse(
  chat: ChatWithMembers,
  characters: ReadonlyMap<string, CharacterEntity>,
  generating: boolean,
): ChatResponseDto {
  const members = chat.memberIds.flatMap((id) => {
    const character = characters.get(id);
    return character ? [toChatCharacter(character, chat.language)] : [];
  });
  return {
    id: chat.id,
    kind: chat.kind,
    character: toChatCharacter(characters.get(chat.characterId)!, chat.language),
    members,
    muted_member_ids: chat.mutedIds,
    persona_name: chat.personaName,
    persona_description: chat.personaDescription,
    title: chat.title,
    language: chat.language,
    campaign_id: null,
    summary: chat.summary,
    message_count: chat.messageCount,
    generating,
    created_at: chat.createdAt.toISOString(),
    updated_at: chat.updatedAt.toISOString(),
  };
}
