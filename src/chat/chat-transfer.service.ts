import {
  type CharacterMemory,
  CharacterMemoryRepository,
} from './memory/character-memory.repository.js';
import { toMemoryResponse } from './memory/character-memory.dto.js';
import {
  BadRequestException,
  ForbiddenException,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { UsersService } from '../auth/users.service.js';
import { CharactersService } from '../characters/characters.service.js';
import type { CharacterEntity } from '../characters/entities/character.entity.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import type { ChatCaller } from './chat-caller.js';
import type { ChatWithMembers } from './chat-rows.js';
import { ChatService } from './chat.service.js';
import { PreferencesRepository } from './preferences/preferences.repository.js';
import {
  ChatTransferRepository,
  type ExportedPathMessage,
  type ImportedMessageRow,
} from './chat-transfer.repository.js';
import type {
  ChatExportFormat,
  ChatTreeChatDto,
  ChatTreeExportDto,
  ChatTreeMessageDto,
  ImportChatDto,
} from './dto/chat-management.dto.js';
import { type ChatResponseDto, characterName, toChatResponse } from './dto/chat.dto.js';
import {
  formatSillyTavernDate,
  parseSillyTavernChat,
  type SillyTavernHeader,
  type SillyTavernMessage,
  sillyTavernLines,
  SYSTEM_NAME,
} from './sillytavern-chat.js';

/** A file to download, written piece by piece as its messages are read. */
export interface ChatExportFile {
  fileName: string;
  contentType: string;
  /** The file's text in order; the messages' snapshot stays open until it is read through. */
  body: AsyncIterable<string>;
}

/** Who the user is in an export when the chat has no persona (SillyTavern's default name1). */
const DEFAULT_USER_NAME = 'User';

/** Letters, digits, spaces and a few marks: a name safe in any file system and header. */
const safeFileName = (name: string): string =>
  name
    .replace(/[^\p{L}\p{N} ._()-]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .replace(/^[ .]+|[ .]+$/g, '')
    .slice(0, 80) || 'chat';

const guestsMaySignIn = (what: string) =>
  new ForbiddenException(`Guests cannot ${what} chats: sign in to ${what} one`);

/**
 * Chats in and out: export as a SillyTavern chat file (the active path, alternatives as
 * swipes) or as JSON with the whole tree; import of a SillyTavern chat file into a new chat.
 * Signed-in users only (guests are told to sign in).
 */
@Injectable()
export class ChatTransferService {
  constructor(
    private readonly repository: ChatTransferRepository,
    private readonly chats: ChatService,
    private readonly characters: CharactersService,
    private readonly users: UsersService,
    private readonly preferences: PreferencesRepository,
    private readonly memories: CharacterMemoryRepository,
  ) {}

  /**
   * The chat as a file. Who may export it is settled here; the messages are read and written
   * a batch at a time while the client downloads, so a chat of any length takes a batch's
   * memory, not the file's.
   */
  async export(id: string, format: ChatExportFormat, caller: ChatCaller): Promise<ChatExportFile> {
    const { chat } = await this.chats.requireOwned(id, caller);
    if (!caller.user) throw guestsMaySignIn('export');
    const names = await this.namesOf(chat);
    const lead = names.get(chat.characterId) ?? 'Character';
    const base = safeFileName(
      `${chat.title ?? lead} - ${chat.createdAt.toISOString().slice(0, 10)}`,
    );
    if (format === 'json') {
      return {
        fileName: `${base}.json`,
        contentType: 'application/json; charset=utf-8',
        body: this.tree(chat, await this.memories.ofChat(chat.id)),
      };
    }
    const userName = chat.personaName ?? DEFAULT_USER_NAME;
    const header: SillyTavernHeader = {
      user_name: userName,
      character_name: lead,
      create_date: formatSillyTavernDate(chat.createdAt),
      chat_metadata: {},
    };
    return {
      fileName: `${base}.jsonl`,
      contentType: 'application/jsonl; charset=utf-8',
      body: sillyTavernLines(header, this.repository.exportPath(chat.id), (message) =>
        toSillyTavernMessage(message, userName, names),
      ),
    };
  }

  /**
   * A new direct chat with a character of the caller's from a SillyTavern chat file (`file`,
   * else `dto.jsonl`): its messages the active path, each message's swipes its alternatives.
   * The header's user_name becomes the chat's persona name; its language and settings come
   * from the user's preferences, as a new chat's.
   */
  async import(
    dto: ImportChatDto,
    file: Buffer | undefined,
    caller: ChatCaller,
  ): Promise<ChatResponseDto> {
    if (!caller.user) throw guestsMaySignIn('import');
    if ((file === undefined) === (dto.jsonl === undefined)) {
      throw new BadRequestException(
        'Send the chat file as `file` (multipart) or as `jsonl` (JSON), not both',
      );
    }
    const text = file ?? dto.jsonl!;
    const parsed = parseSillyTavernChat(text);
    const [character, profile, settings] = await Promise.all([
      this.ownCharacter(dto.character_id, caller.user),
      this.users.findById(caller.user.id),
      this.preferences.newChatSettings(caller.user.id),
    ]);
    const rows: ImportedMessageRow[] = parsed.turns.flatMap((turn, index) =>
      turn.alternatives.map((alternative, position) => ({
        line: index + 1,
        role: turn.role,
        content: alternative.content,
        createdAt: alternative.sentAt,
        active: position === turn.active,
      })),
    );
    const chat = await this.repository.importChat(
      {
        userId: caller.user.id,
        characterId: character.id,
        personaName: parsed.userName,
        language: profile?.preferredLanguage ?? character.originalLanguage,
        createdAt: parsed.createdAt,
        settings,
      },
      rows,
    );
    return toChatResponse(chat, new Map([[character.id, character]]), false);
  }

  /** A character the user owns; any other one is indistinguishable from none. */
  private async ownCharacter(id: string, user: AuthUser): Promise<CharacterEntity> {
    const character = await this.characters.findVisible(id, user);
    if (character.ownerId !== user.id) throw new NotFoundException('Character not found');
    return character;
  }

  /** JSON.stringify of a ChatTreeExportDto, its messages written as they are read. */
  private async *tree(chat: ChatWithMembers, memories: CharacterMemory[]): AsyncGenerator<string> {
    const about: ChatTreeChatDto = {
      id: chat.id,
      kind: chat.kind,
      title: chat.title,
      language: chat.language,
      persona_name: chat.personaName,
      character_ids: chat.memberIds,
      leaf_id: chat.leafId === null ? null : Number(chat.leafId),
      created_at: chat.createdAt.toISOString(),
    };
    yield `{"chat":${JSON.stringify(about)},"messages":[`;
    let first = true;
    for await (const batch of this.repository.exportTree(chat.id)) {
      const messages = batch.map((message): ChatTreeMessageDto => ({
        id: Number(message.id),
        parent_id: message.parentId === null ? null : Number(message.parentId),
        active: message.active,
        role: message.role,
        character_id: message.characterId,
        content: message.content,
        status: message.status,
        created_at: message.createdAt.toISOString(),
        edited_at: message.editedAt?.toISOString() ?? null,
      }));
      yield (first ? '' : ',') + messages.map((message) => JSON.stringify(message)).join(',');
      first = false;
    }
    const rest: Pick<ChatTreeExportDto, 'memories' | 'pinned_notes'> = {
      memories: memories.map(toMemoryResponse),
      pinned_notes: (chat.pinnedNotes ?? []).map((note) => note.text),
    };
    yield `],"memories":${JSON.stringify(rest.memories)},"pinned_notes":${JSON.stringify(rest.pinned_notes)}}`;
  }

  /** The members' names in the chat's language, deleted characters included. */
  private async namesOf(chat: ChatWithMembers): Promise<Map<string, string>> {
    const members = await this.characters.findForChats([
      ...new Set([chat.characterId, ...chat.memberIds]),
    ]);
    return new Map(members.map((member) => [member.id, characterName(member, chat.language)]));
  }
}

/**
 * A message of the path as SillyTavern saves one. A character's message always carries its
 * swipes (as SillyTavern's do), anyone else's only when it has alternatives.
 */
function toSillyTavernMessage(
  message: ExportedPathMessage,
  userName: string,
  names: ReadonlyMap<string, string>,
): SillyTavernMessage {
  const line: SillyTavernMessage = {
    name:
      message.role === 'user'
        ? userName
        : message.role === 'system'
          ? SYSTEM_NAME
          : ((message.characterId && names.get(message.characterId)) ?? 'Character'),
    is_user: message.role === 'user',
    is_system: message.role === 'system',
    send_date: formatSillyTavernDate(message.createdAt),
    mes: message.content,
    extra: {},
  };
  if (message.role === 'assistant' || message.alternatives.length > 1) {
    line.swipes = message.alternatives.map((alternative) => alternative.content);
    line.swipe_id = message.alternatives.findIndex((alternative) => alternative.id === message.id);
    line.swipe_info = message.alternatives.map((alternative) => ({
      send_date: formatSillyTavernDate(alternative.createdAt),
      extra: {},
    }));
  }
  return line;
}
