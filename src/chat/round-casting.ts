import {
  BadRequestException,
  ConflictException,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { CharactersService } from '../characters/characters.service.js';
import type { CharacterEntity } from '../characters/entities/character.entity.js';
import type { Language } from '../common/languages.js';
import { type ChatCaller, tierOf } from './chat-caller.js';
import type { ChatWithMembers } from './chat-rows.js';
import { characterName } from './dto/chat.dto.js';
import { withChatSettings } from './dto/chat-settings.dto.js';
import type { GenerationOptionsDto, SendMessageDto } from './dto/message.dto.js';
import type { ChatKind, ChatSettings } from './entities/chat.entity.js';
import { type ReplyRoute, ReplyRouting } from './reply-routing.service.js';
import type { RoundJob, Speaker } from './round-job.js';
import { GROUP_REPLY_MAX_TOKENS } from './storytelling/group-chat.js';

/** Who answers in a chat: the speakers in order, with what their prompts need. */
export type Cast = Pick<RoundJob, 'speakers' | 'members' | 'names' | 'userIsAdult' | 'route'>;

/** A request's generation options, and who is to answer (default: the members not muted). */
export type RoundOptions = GenerationOptionsDto & Pick<SendMessageDto, 'speaker_ids'>;

/** What a send needs to know of a chat to look its characters up while its message goes in. */
export interface KnownChat {
  kind: ChatKind;
  language: Language;
  memberIds: string[];
  mutedIds: string[];
  settings: ChatSettings;
}

/** Chats whose members RoundCasting remembers. */
const KNOWN_CHATS = 10_000;

const nobodyLeft = () =>
  new ConflictException(
    'None of the characters of this group chat is available any more: start a new one',
  );

/**
 * Who answers a round: the members the caller may still see, in order, with their sampling,
 * names and route; and the chats' members remembered, so a send can look them up while its
 * message goes in.
 */
@Injectable()
export class RoundCasting {
  /** Chat id → its members (see remember). */
  private readonly knownChats = new Map<string, KnownChat>();

  constructor(
    private readonly characters: CharactersService,
    private readonly routing: ReplyRouting,
  ) {}

  /** The chat as remembered from an earlier round, if it is. */
  known(chatId: string): KnownChat | undefined {
    return this.knownChats.get(chatId);
  }

  /**
   * The characters who answer (those the caller may still see; a direct chat's must be), their
   * sampling (the request's options over the chat's settings), whether they meet an adult, and
   * the route. A group chat's members deleted or hidden since it was made sit the round out,
   * and so do muted ones unless `speaker_ids` names them (only those answer then, in that
   * order; 400 for one that is not a member).
   */
  async cast(chat: KnownChat, request: RoundOptions, caller: ChatCaller): Promise<Cast> {
    const chosen = request.speaker_ids;
    if (chosen && !chosen.every((id) => chat.memberIds.includes(id))) {
      throw new BadRequestException('speaker_ids must name members of this chat');
    }
    const options = withChatSettings(chat.settings, request);
    const viewer = caller.user;
    const group = chat.kind === 'group';
    const [present, everyone, route] = await Promise.all([
      group
        ? Promise.all(
            chat.memberIds.map((id) =>
              this.characters.findVisibleForReply(id, viewer).catch((error: unknown) => {
                if (error instanceof NotFoundException) return null;
                throw error;
              }),
            ),
          ).then((found) => found.filter((member): member is CharacterEntity => !!member))
        : Promise.all([this.characters.findVisibleForReply(chat.memberIds[0], viewer)]),
      group ? this.characters.findForChats(chat.memberIds) : null,
      this.routing.route(options.model, tierOf(caller)),
    ]);
    if (present.length === 0) throw nobodyLeft();
    const names = new Map(
      (everyone ?? present).map((member) => [member.id, characterName(member, chat.language)]),
    );
    // Only the NSFW rules depend on it: no lookup for SFW characters.
    const userIsAdult =
      present.some((member) => member.contentRating === 'nsfw') &&
      (await this.characters.isAdult(viewer));
    const sampling: GenerationOptionsDto = group
      ? { ...options, max_tokens: Math.min(options.max_tokens ?? Infinity, GROUP_REPLY_MAX_TOKENS) }
      : options;
    const byId = new Map(present.map((member) => [member.id, member]));
    const speaking = chosen
      ? chosen.flatMap((id) => byId.get(id) ?? [])
      : present.filter((member) => !chat.mutedIds.includes(member.id));
    if (speaking.length === 0) throw nobodyLeft();
    const speakers: Speaker[] = speaking.map((character) => ({
      character,
      config: this.routing.sampling(character, sampling, tierOf(caller), chat.language),
    }));
    return { speakers, members: present, names, userIsAdult, route: route satisfies ReplyRoute };
  }

  /**
   * Chats' members and settings seldom change: remembered (the latest KNOWN_CHATS chats), a
   * send looks the members up while its message goes in. A plain bounded Map, oldest out
   * first: an entry is a hint the start statement confirms (a changed chat is cast again and
   * remembered as it now is), so recency bookkeeping would buy nothing.
   */
  remember(chat: ChatWithMembers): void {
    const known = this.knownChats.get(chat.id);
    if (known && sameMembers(known, chat)) return;
    if (!known && this.knownChats.size >= KNOWN_CHATS) {
      this.knownChats.delete(this.knownChats.keys().next().value!);
    }
    this.knownChats.set(chat.id, {
      kind: chat.kind,
      language: chat.language,
      memberIds: chat.memberIds,
      mutedIds: chat.mutedIds,
      settings: chat.settings,
    });
  }
}

const sameIds = (known: readonly string[], now: readonly string[]): boolean =>
  known.length === now.length && known.every((id, index) => id === now[index]);

/** The remembered chat casts as the chat now stands: members, their order, settings. */
export const sameMembers = (known: KnownChat, chat: ChatWithMembers): boolean =>
  known.kind === chat.kind &&
  known.language === chat.language &&
  sameIds(known.memberIds, chat.memberIds) &&
  sameIds(known.mutedIds, chat.mutedIds) &&
  JSON.stringify(known.settings) === JSON.stringify(chat.settings);
