import type { QuotaTicket } from '../auth/usage/message-quota.service.js';
import { TIER_LIMITS } from '../auth/tiers.js';
import type { CharacterEntity } from '../characters/entities/character.entity.js';
import type { GenerationConfig } from '../llm/llm.types.js';
import type { ChatCaller } from './chat-caller.js';
import type { ChatWithMembers } from './chat-rows.js';
import type { ReplyRoute } from './reply-routing.service.js';

/** A character answering in the round, with the sampling it answers with. */
export interface Speaker {
  character: CharacterEntity;
  config: GenerationConfig;
}

/** Everything a round needs once the chat is claimed. */
export interface RoundJob {
  chat: ChatWithMembers;
  caller: ChatCaller;
  /** The members who answer, in speaking order (a direct chat's one character). */
  speakers: Speaker[];
  /**
   * Every member in the scene, speakers or not (lorebooks, who else is there): the members the
   * caller may still see, muted ones and those left out of this round included.
   */
  members: CharacterEntity[];
  /** Every member's name by id, absent ones too, for their earlier lines. */
  names: ReadonlyMap<string, string>;
  userIsAdult: boolean;
  route: ReplyRoute;
  ticket: QuotaTicket;
  /** The user message the round answers; null only when continuing an opening. */
  userMessageId: number | null;
  /**
   * Continue: the reply at the end of the active path that the round's one speaker goes on
   * writing; what it writes is appended to it.
   */
  continuing?: ContinuedReply;
  /** Messages in the chat once the user's is in. */
  messageCount: number;
  /** A group chat's new message nobody answered goes too (as the round never happened). */
  dropUnanswered: boolean;
}

/** A reply being continued. */
export interface ContinuedReply {
  messageId: number;
  /** Its text so far, which the continuation follows. */
  content: string;
}

/** The message the round's history ends with: the reply continued, else the one answered. */
export const historyEndOf = (job: RoundJob): number =>
  job.continuing?.messageId ?? (job.userMessageId as number);

/** History messages the tier sends the model, the one answered included. */
export const contextLimit = (caller: ChatCaller): number =>
  TIER_LIMITS[caller.user?.tier ?? 'anon'].contextMessages;
