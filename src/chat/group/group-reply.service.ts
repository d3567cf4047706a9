import {
  ConflictException,
  HttpException,
  Injectable,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { TIER_LIMITS } from '../../auth/tiers.js';
import { MessageQuotaService, type QuotaTicket } from '../../auth/usage/message-quota.service.js';
import { UsersService } from '../../auth/users.service.js';
import { CharactersService } from '../../characters/characters.service.js';
import type { CharacterEntity } from '../../characters/entities/character.entity.js';
import type { AuthUser } from '../../common/auth/auth-user.js';
import type { Language } from '../../common/languages.js';
import { LlmService } from '../../llm/llm.service.js';
import type { ChatMessage, GenerationConfig, LlmStreamEvent } from '../../llm/llm.types.js';
import { characterName } from '../dto/chat.dto.js';
import { PromptBuilderService } from '../prompt/prompt-builder.service.js';
import {
  CONTEXT_TOKEN_BUDGET,
  fitHistory,
  ReplyContextService,
  type ReplyRoute,
} from '../reply-context.service.js';
import { replyErrorMessage } from '../reply-errors.js';
import { formatOtherCharacterMessage } from '../storytelling/group-chat.js';
import { estimateTokens } from '../storytelling/lorebook.js';
import type { GroupStopResponseDto, SendGroupMessageDto } from './dto/group-chat.dto.js';
import { GroupChatRepository, type GroupContextLine } from './group-chat.repository.js';
import { GroupChatService } from './group-chat.service.js';
import { GroupRound, GroupRounds } from './group-rounds.js';

/** Spec: group_chat/router.py — every character's reply is short, so the scene keeps moving. */
export const GROUP_REPLY_MAX_TOKENS = 600;

type Usage = Extract<LlmStreamEvent, { type: 'usage' }>;

interface Speaker {
  character: CharacterEntity;
  name: string;
  system: string;
  config: GenerationConfig;
}

/** Everything a round needs once the group chat is claimed. */
interface RoundJob {
  user: AuthUser;
  groupChatId: string;
  speakers: Speaker[];
  /** Names of every member (unavailable ones too), for their earlier lines. */
  names: Map<string, string>;
  route: ReplyRoute;
  ticket: QuotaTicket;
  userMessageId: number;
  /** The latest messages, oldest first, ending with the user's new one. */
  history: GroupContextLine[];
  historyLimit: number;
}

const busy = () =>
  new ConflictException('The characters are still answering in this group chat: wait for them');

/**
 * Rounds of group chat replies: the user's message is saved, then every available character
 * answers it in turn in one SSE stream, each seeing the others' lines (these included) as
 * `[Name]: …` user messages. A round takes one message from the daily quota and claims the
 * group chat; a character's reply is saved as soon as it is complete, whether or not the
 * client is still listening. A failure ends the round: replies saved so far stay, and when no
 * character answered the user's message is dropped and the quota given back.
 */
@Injectable()
export class GroupReplyService {
  private readonly logger = new Logger(GroupReplyService.name);

  constructor(
    private readonly groupChats: GroupChatService,
    private readonly repository: GroupChatRepository,
    private readonly rounds: GroupRounds,
    private readonly characters: CharactersService,
    private readonly users: UsersService,
    private readonly quota: MessageQuotaService,
    private readonly llm: LlmService,
    private readonly prompts: PromptBuilderService,
    private readonly context: ReplyContextService,
  ) {}

  /**
   * Stops the round being written in the group chat, on whichever instance writes it: the
   * character speaking keeps what it wrote (saved as stopped), the others do not speak.
   */
  async stop(id: string, user: AuthUser): Promise<GroupStopResponseDto> {
    const { chat } = await this.groupChats.requireOwned(id, user);
    const writer = await this.repository.writerOf(chat.id, user.id);
    return { stopped: await this.rounds.stopFor(writer ?? this.rounds.instanceId, chat.id) };
  }

  async send(id: string, dto: SendGroupMessageDto, user: AuthUser): Promise<GroupRound> {
    const { chat, memberIds } = await this.groupChats.requireOwned(id, user);
    const [members, visible, route] = await Promise.all([
      this.characters.findForChats(memberIds),
      // Members deleted or hidden since the group chat was made sit the round out.
      Promise.all(
        memberIds.map((memberId) =>
          this.characters.findVisible(memberId, user).catch((error: unknown) => {
            if (error instanceof NotFoundException) return null;
            throw error;
          }),
        ),
      ),
      this.context.route(undefined, user.tier),
    ]);
    const present = visible.filter((character): character is CharacterEntity => !!character);
    if (present.length === 0) {
      throw new ConflictException(
        'None of the characters of this group chat is available any more: start a new one',
      );
    }
    const names = new Map(
      members.map((member) => [member.id, characterName(member, chat.language)]),
    );
    const speakers = await this.speakers(present, names, chat.language, user);

    const ticket = await this.quota.consume({ user });
    const claim = randomUUID();
    let started: { userMessageId: number } | null;
    try {
      started = await this.repository.startRound(
        chat.id,
        user.id,
        claim,
        this.rounds.instanceId,
        dto.content,
      );
    } catch (error) {
      await this.quota.refund(ticket);
      throw error;
    }
    if (!started) {
      await this.quota.refund(ticket);
      throw busy();
    }
    const { userMessageId } = started;
    const historyLimit = TIER_LIMITS[user.tier].contextMessages;
    let history: GroupContextLine[];
    try {
      history = await this.repository.context(chat.id, userMessageId, historyLimit);
    } catch (error) {
      await this.giveBack(chat.id, claim, userMessageId, ticket);
      throw error;
    }
    const job: RoundJob = {
      user,
      groupChatId: chat.id,
      speakers,
      names,
      route,
      ticket,
      userMessageId,
      history,
      historyLimit,
    };
    return this.rounds.start(new GroupRound(chat.id, claim), (round) => this.run(round, job));
  }

  /** Each character's own system prompt, with the group context naming the others present. */
  private async speakers(
    present: CharacterEntity[],
    names: Map<string, string>,
    language: Language,
    user: AuthUser,
  ): Promise<Speaker[]> {
    // Only the NSFW rules depend on it: no lookup for an all-SFW group.
    const userIsAdult =
      present.some((character) => character.contentRating === 'nsfw') &&
      (await this.characters.isAdult(user));
    return Promise.all(
      present.map(async (character) => ({
        character,
        name: names.get(character.id) ?? character.name,
        system: await this.prompts.systemPrompt({
          character,
          persona: { name: null, description: null },
          language,
          userIsAdult,
          isDnd: false,
          otherCharacters: present
            .filter((other) => other.id !== character.id)
            .map((other) => names.get(other.id) ?? other.name),
        }),
        config: this.context.sampling(
          character,
          { max_tokens: GROUP_REPLY_MAX_TOKENS },
          user.tier,
          language,
        ),
      })),
    );
  }

  /** What one character is sent: its own lines as assistant, everyone else's as user. */
  private messagesFor(speaker: Speaker, job: RoundJob, lines: GroupContextLine[]): ChatMessage[] {
    const own = speaker.character.id;
    const history = lines.flatMap((line): ChatMessage[] => {
      if (line.role === 'user') return [{ role: 'user', content: line.content }];
      if (line.characterId === own) return [{ role: 'assistant', content: line.content }];
      const name = line.characterId && job.names.get(line.characterId);
      // A line of a character that no longer exists cannot be attributed: left out.
      return name ? [formatOtherCharacterMessage(name, line.content)] : [];
    });
    const kept = fitHistory(history, CONTEXT_TOKEN_BUDGET - estimateTokens(speaker.system));
    return [{ role: 'system', content: speaker.system }, ...kept];
  }

  /** Lets every character answer in turn, saving each reply; never throws. */
  private async run(round: GroupRound, job: RoundJob): Promise<void> {
    const saved: GroupContextLine[] = [];
    const isAdmin = job.user.role === 'admin';
    let current: Speaker | undefined;
    let tokens = 0;
    try {
      for (const speaker of job.speakers) {
        if (round.stopReason) break;
        current = speaker;
        const characterId = speaker.character.id;
        const lines = [...job.history, ...saved].slice(-job.historyLimit);
        const messages = this.messagesFor(speaker, job, lines);
        let text = '';
        let usage: Usage | undefined;
        let failure: unknown;
        try {
          const events = this.llm.stream({
            messages,
            provider: job.route.provider,
            providers: job.route.providers,
            config: {
              ...speaker.config,
              ...(job.route.model ? { model: job.route.model } : {}),
            },
            signal: round.signal,
          });
          for await (const event of events) {
            if (event.type === 'delta') {
              text += event.text;
              round.emit({ type: 'token', character_id: characterId, content: event.text });
            } else usage = event;
          }
        } catch (error) {
          failure = error;
        }
        if (round.stopReason === 'deleted') break;
        // Stopped by the user or a shutdown: what was written is kept, like a stopped 1:1 reply.
        const stopped = round.stopReason !== undefined && usage === undefined;
        if (stopped ? !text : usage === undefined || failure !== undefined) {
          if (!stopped) {
            this.logFailure(job, speaker, failure);
            const message = replyErrorMessage(failure, isAdmin);
            round.emit({ type: 'error', character_id: characterId, message });
          }
          break;
        }
        const promptTokens = usage?.promptTokens ?? this.context.estimate(messages);
        const completionTokens = usage?.completionTokens ?? estimateTokens(text);
        const messageId = await this.repository.saveReply(job.groupChatId, round.claim, {
          characterId,
          content: text,
          status: stopped ? 'stopped' : 'complete',
          modelUsed: usage ? `${usage.provider}/${usage.model}` : null,
          promptTokens,
          completionTokens,
        });
        // The group chat was deleted meanwhile: nobody to answer any more.
        if (messageId === null) break;
        saved.push({ id: messageId, role: 'assistant', characterId, content: text });
        round.emit({
          type: 'done',
          character_id: characterId,
          message_id: messageId,
          ...(stopped ? { stopped: true as const } : {}),
        });
        tokens += promptTokens + completionTokens;
        if (stopped) break;
      }
    } catch (error) {
      this.logger.error(
        `Group chat ${job.groupChatId} round failed: ${(error as Error).stack ?? error}`,
      );
      if (current) {
        const message = replyErrorMessage(error, isAdmin);
        round.emit({ type: 'error', character_id: current.character.id, message });
      }
    }
    const answered = saved.length > 0;
    try {
      if (answered) await this.repository.endRound(job.groupChatId, round.claim, null);
      else await this.giveBack(job.groupChatId, round.claim, job.userMessageId, job.ticket);
    } catch (error) {
      // The claim lapses with its heartbeat; the quota stays spent.
      this.logger.error(
        `Group chat ${job.groupChatId} round not closed: ${(error as Error).message}`,
      );
    }
    round.end(answered ? job.userMessageId : null);
    // Counted after the client has the replies: nobody waits for this write.
    if (tokens > 0) {
      await this.users.addTokensUsed(job.user.id, tokens).catch((error: Error) => {
        this.logger.error(
          `Tokens of a round in group chat ${job.groupChatId} not counted: ${error.message}`,
        );
      });
    }
  }

  /** No character answered: the message is dropped, the claim and the quota given back. */
  private async giveBack(
    groupChatId: string,
    claim: string,
    userMessageId: number,
    ticket: QuotaTicket,
  ): Promise<void> {
    await Promise.all([
      this.repository.endRound(groupChatId, claim, userMessageId),
      this.quota.refund(ticket),
    ]);
  }

  private logFailure(job: RoundJob, speaker: Speaker, failure: unknown): void {
    const message =
      `Reply of ${speaker.character.id} in group chat ${job.groupChatId} failed: ` +
      replyErrorMessage(failure, true);
    // Upstream trouble is an operational condition; anything else is a bug.
    if (failure instanceof HttpException) this.logger.warn(message);
    else this.logger.error(`${message}\n${(failure as Error)?.stack ?? ''}`);
  }
}
