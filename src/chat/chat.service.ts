import {
  BadRequestException,
  ForbiddenException,
  Injectable,
  Logger,
  NotFoundException,
  type OnModuleInit,
} from '@nestjs/common';
import { SYSTEM_EMAIL_DOMAIN } from '../auth/system-accounts.js';
import { MessageQuotaService } from '../auth/usage/message-quota.service.js';
import { UsersService } from '../auth/users.service.js';
import { CharactersService } from '../characters/characters.service.js';
import type { CharacterEntity } from '../characters/entities/character.entity.js';
import { PersonasService } from '../characters/personas.service.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { SignInEvents } from '../common/events/sign-in.events.js';
import type { Language } from '../common/languages.js';
import { type ChatCaller, ownerOf } from './chat-caller.js';
import type { ChatWithMembers } from './chat-rows.js';
import { ChatRepository, type ChatState, type Openings } from './chat.repository.js';
import { MessageRepository } from './message.repository.js';
import {
  type ChatListQueryDto,
  type ChatPageDto,
  type ChatResponseDto,
  characterName,
  type CreateChatDto,
  toChatResponse,
} from './dto/chat.dto.js';
import {
  type AnonLimitDto,
  type MessagePageDto,
  type MessagesQueryDto,
  toMessageResponse,
} from './dto/message.dto.js';
import type { ChatEntity, ChatKind } from './entities/chat.entity.js';
import { PreferencesRepository } from './preferences/preferences.repository.js';
import { ReplyRegistry } from './streaming/reply-registry.js';
import { numberedPage, offsetOf, pageOfRows, rowsToRead } from '../common/pagination.js';

/** Owner of every guest chat (spec: chat/anon.py), so chats always have a user. */
const ANONYMOUS_EMAIL = `anonymous@${SYSTEM_EMAIL_DOMAIN}`;

/** Someone else's chat is indistinguishable from none. */
export const chatNotFound = () => new NotFoundException('Chat not found');

const owns = (caller: ChatCaller, chat: Pick<ChatEntity, 'userId' | 'anonSessionId'>): boolean =>
  caller.user
    ? chat.userId === caller.user.id && chat.anonSessionId === null
    : chat.anonSessionId === caller.guestSession;

/** Opening a group chat takes an account. */
const groupsNeedAccount = () =>
  new ForbiddenException('Group chats need an account: sign in to start one');

/**
 * What a new chat opens with: the character's greeting (in the chat's language when translated)
 * and its alternate greetings, with {{char}} and {{user}} filled in; `index` picks the one the
 * chat starts from (400 past the last). Null when the character has no greeting at all.
 */
function openingsOf(
  character: CharacterEntity,
  language: Language,
  personaName: string | null,
  index = 0,
): Openings | null {
  const main =
    (language !== character.originalLanguage && character.translations[language]?.greeting) ||
    character.greeting;
  const texts = [main, ...(character.alternateGreetings ?? [])].filter((text) => text.trim());
  if (texts.length === 0) {
    if (index > 0) throw new BadRequestException('greeting_index: this character has no greeting');
    return null;
  }
  if (index >= texts.length) {
    throw new BadRequestException(
      `greeting_index must be below ${texts.length}: the character has ${texts.length} greeting(s)`,
    );
  }
  // Replaced by functions: a name is taken literally, "$&" in it included.
  const char = characterName(character, language);
  const fill = (text: string) =>
    text
      .replace(/\{\{char\}\}/gi, () => char)
      .replace(/\{\{user\}\}/gi, () => personaName ?? 'User');
  return { characterId: character.id, greetings: texts.map(fill), chosen: index };
}

/** Chats and their messages: opening, listing, reading, deleting; guests and their hand-over. */
@Injectable()
export class ChatService implements OnModuleInit {
  private readonly logger = new Logger(ChatService.name);
  private anonymousUser?: Promise<string>;

  constructor(
    private readonly chats: ChatRepository,
    private readonly paths: MessageRepository,
    private readonly characters: CharactersService,
    private readonly personas: PersonasService,
    private readonly users: UsersService,
    private readonly quota: MessageQuotaService,
    private readonly signIns: SignInEvents,
    private readonly replies: ReplyRegistry,
    private readonly preferences: PreferencesRepository,
  ) {}

  onModuleInit(): void {
    this.signIns.onSignIn(async ({ userId, anonSession }) => {
      if (!anonSession) return;
      const moved = await this.chats.adoptGuestChats(anonSession, userId);
      if (moved > 0) this.logger.log(`Moved ${moved} guest chat(s) to user ${userId}`);
    });
  }

  /**
   * A direct chat: the latest with the character, or a new one (always with `force_new`). A
   * group chat (`character_ids`): always a new one, for signed-in users.
   */
  async create(
    dto: CreateChatDto,
    caller: ChatCaller,
  ): Promise<{ chat: ChatResponseDto; created: boolean }> {
    if ((dto.character_id === undefined) === (dto.character_ids === undefined)) {
      throw new BadRequestException(
        'Give character_id (a chat with one character) or character_ids (a group chat), ' +
          'not both',
      );
    }
    if (dto.character_ids) {
      if (!caller.user) throw groupsNeedAccount();
      return { chat: await this.createGroup(dto, dto.character_ids, caller.user), created: true };
    }
    if (dto.title !== undefined) {
      throw new BadRequestException('title is for group chats (character_ids) only');
    }
    const viewer = caller.user;
    if (!viewer) await this.requireGuestChatEnabled(caller.guestSession, dto.persona_id);
    const [character, profile, persona, settings] = await Promise.all([
      this.characters.findVisible(dto.character_id!, viewer),
      viewer ? this.users.findById(viewer.id) : null,
      viewer ? this.personaFor(viewer, dto.persona_id) : null,
      viewer ? this.preferences.newChatSettings(viewer.id) : {},
    ]);
    const language = dto.language ?? profile?.preferredLanguage ?? character.originalLanguage;
    const personaName = persona?.name ?? null;
    const { chat, created } = await this.chats.findOrCreate(
      {
        userId: viewer?.id ?? (await this.anonymousUserId()),
        anonSessionId: caller.guestSession ?? null,
        characterId: character.id,
        personaName,
        personaDescription: persona?.description ?? null,
        language,
        settings,
      },
      openingsOf(character, language, personaName, dto.greeting_index),
      dto.force_new ?? false,
    );
    if (created) await this.characters.recordChatStarted(character.id, ownerOf(caller));
    return { chat: toChatResponse(chat, byId([character]), false), created };
  }

  /**
   * Every character must be one the user may see now; the order is the speaking order. The
   * first member's greeting opens the scene.
   */
  async createGroup(
    dto: Pick<CreateChatDto, 'persona_id' | 'language' | 'title' | 'greeting_index'>,
    memberIds: readonly string[],
    user: AuthUser,
  ): Promise<ChatResponseDto> {
    const [characters, language, persona, settings] = await Promise.all([
      Promise.all(
        memberIds.map((id) =>
          this.characters.findVisible(id, user).catch((error: unknown) => {
            if (!(error instanceof NotFoundException)) throw error;
            throw new NotFoundException(`Character ${id} not found`);
          }),
        ),
      ),
      dto.language ?? this.characters.displayLanguage(user),
      this.personaFor(user, dto.persona_id),
      this.preferences.newChatSettings(user.id),
    ]);
    const personaName = persona?.name ?? null;
    const lead = characters[0];
    const openings = openingsOf(lead, language, personaName, dto.greeting_index);
    const chat = await this.chats.createGroup(
      {
        userId: user.id,
        memberIds: characters.map((character) => character.id),
        title: dto.title || null,
        personaName,
        personaDescription: persona?.description ?? null,
        language,
        settings,
      },
      openings,
    );
    await Promise.all(
      characters.map((character) =>
        this.characters.recordChatStarted(character.id, { userId: user.id }),
      ),
    );
    return toChatResponse(chat, byId(characters), false);
  }

  /** A page of the caller's chats (only group chats with `kind`), latest activity first. */
  async list(query: ChatListQueryDto, caller: ChatCaller, kind?: ChatKind): Promise<ChatPageDto> {
    const request = { page: query.page ?? 1, pageSize: query.page_size ?? 20 };
    const rows = await this.chats.list(
      ownerOf(caller),
      offsetOf(request),
      rowsToRead(request.pageSize),
      kind === 'group',
    );
    const characters = await this.charactersOf(
      pageOfRows(rows, request.pageSize).shown.map((row) => row.chat),
    );
    return numberedPage(rows, request, ({ chat, generating, lastMessage }) => ({
      ...toChatResponse(chat, characters, generating),
      last_message: lastMessage && toMessageResponse(lastMessage),
    }));
  }

  async get(id: string, caller: ChatCaller, kind?: ChatKind): Promise<ChatResponseDto> {
    const { chat, generating } = await this.requireOwned(id, caller, kind);
    return toChatResponse(chat, await this.charactersOf([chat]), generating);
  }

  /** A page of messages, oldest first, older than `before_id` (the latest without it). */
  async messages(
    id: string,
    query: MessagesQueryDto,
    caller: ChatCaller,
    kind?: ChatKind,
  ): Promise<MessagePageDto> {
    await this.requireOwned(id, caller, kind);
    const limit = query.limit ?? 50;
    const rows = await this.paths.page(id, rowsToRead(limit), query.before_id);
    const { shown, hasMore } = pageOfRows(rows, limit);
    return { messages: shown.reverse().map(toMessageResponse), has_more: hasMore };
  }

  /** Renames one of the caller's chats (an empty title clears it). */
  async rename(id: string, title: string, caller: ChatCaller): Promise<ChatResponseDto> {
    await this.requireOwned(id, caller);
    await this.chats.rename(id, title || null);
    return this.get(id, caller);
  }

  /** Deletes the chat with its messages; its round (on any instance) is stopped first. */
  async remove(id: string, user: AuthUser, kind?: ChatKind): Promise<void> {
    await this.requireOwned(id, { user }, kind);
    await this.replies.removeStopping(id, () => this.chats.delete(id));
  }

  anonLimit(session: string | undefined, address: string): Promise<AnonLimitDto> {
    return this.quota.guestStatus(session, address);
  }

  /**
   * The chat if the caller owns it (and it is of `kind`, when given); someone else's chat is
   * indistinguishable from none.
   */
  async requireOwned(id: string, caller: ChatCaller, kind?: ChatKind): Promise<ChatState> {
    const state = await this.chats.findById(id);
    if (!state || !owns(caller, state.chat) || (kind && state.chat.kind !== kind)) {
      throw kind === 'group' ? new NotFoundException('Group chat not found') : chatNotFound();
    }
    return state;
  }

  /** Id of the system user owning guest chats, created on first use. */
  anonymousUserId(): Promise<string> {
    this.anonymousUser ??= this.users
      .ensureSystemUser(ANONYMOUS_EMAIL, 'Guest')
      .then((user) => user.id)
      .catch((error: unknown) => {
        this.anonymousUser = undefined;
        throw error;
      });
    return this.anonymousUser;
  }

  /**
   * For public stats: messages in all chats but those of admins and of the platform's own
   * accounts (guest chats belong to one of them).
   */
  async countMessages(): Promise<number> {
    return this.chats.countMessages(await this.users.statsExcludedIds());
  }

  private async requireGuestChatEnabled(session: string, personaId?: string): Promise<void> {
    if (!(await this.quota.guestStatus(session)).enabled) {
      throw new ForbiddenException('Guest chat is disabled: please sign up to chat');
    }
    if (personaId) throw new BadRequestException('Guests have no personas: sign in to use one');
  }

  /** The persona asked for, else the user's default one, else none. */
  private async personaFor(
    user: AuthUser,
    personaId: string | undefined,
  ): Promise<{ name: string; description: string } | null> {
    if (personaId) return this.personas.findOwned(user.id, personaId);
    return (await this.personas.list(user)).find((persona) => persona.is_default) ?? null;
  }

  /** The members of these chats, deleted characters included, in one lookup. */
  private async charactersOf(chats: ChatWithMembers[]): Promise<Map<string, CharacterEntity>> {
    const ids = [...new Set(chats.flatMap((chat) => [chat.characterId, ...chat.memberIds]))];
    return byId(await this.characters.findForChats(ids));
  }
}

const byId = (characters: CharacterEntity[]): Map<string, CharacterEntity> =>
  new Map(characters.map((character) => [character.id, character]));
