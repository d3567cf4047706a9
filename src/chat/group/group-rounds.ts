import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { setTimeout as delay } from 'node:timers/promises';
import type { SseSource } from '../../common/http/sse.js';
import { InjectConfig, type AppConfig } from '../../config/app-config.js';
import { GROUP_HEARTBEAT_INTERVAL_MS, GroupChatRepository } from './group-chat.repository.js';
import type { GroupReplyEvent } from './group-reply-event.js';

/** Why a round was cut short: its group chat was deleted, or the server is shutting down. */
export type RoundStopReason = 'deleted' | 'shutdown';

interface Follower {
  send: (event: GroupReplyEvent) => void;
  end: () => void;
}

/**
 * One round of a group chat (every character answering one message) as server-sent events.
 * Events are kept until the round ends, so a subscriber that arrives late misses nothing;
 * the round goes on when its client leaves.
 */
export class GroupRound implements SseSource<GroupReplyEvent> {
  private readonly events: GroupReplyEvent[] = [];
  private ended = false;
  private readonly followers = new Set<Follower>();
  private readonly controller = new AbortController();

  constructor(
    readonly groupChatId: string,
    /** The claim this round holds on its group chat (group_chat.reply_claim). */
    readonly claim: string,
  ) {}

  /** Aborts the upstream request when the round is stopped. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get stopReason(): RoundStopReason | undefined {
    return this.controller.signal.aborted
      ? (this.controller.signal.reason as RoundStopReason)
      : undefined;
  }

  stop(reason: RoundStopReason): void {
    if (!this.ended) this.controller.abort(reason);
  }

  subscribe(send: (event: GroupReplyEvent) => void, end: () => void): () => void {
    for (const event of this.events) send(event);
    if (this.ended) {
      end();
      return () => undefined;
    }
    const follower = { send, end };
    this.followers.add(follower);
    return () => this.followers.delete(follower);
  }

  emit(event: GroupReplyEvent): void {
    if (this.ended) return;
    this.events.push(event);
    for (const follower of this.followers) follower.send(event);
  }

  /** Sends the closing `end` event and lets every follower go. */
  end(userMessageId: number | null): void {
    this.emit({ type: 'end', user_message_id: userMessageId });
    this.ended = true;
    for (const follower of this.followers) follower.end();
    this.followers.clear();
  }
}

/**
 * The rounds this process is writing: keeps their claims alive, stops one when its group chat
 * is deleted, and lets them finish (or cuts them short, keeping what was written) before the
 * process exits.
 */
@Injectable()
export class GroupRounds implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(GroupRounds.name);
  private readonly rounds = new Map<string, GroupRound>();
  private readonly running = new Set<Promise<void>>();
  private heartbeat?: NodeJS.Timeout;

  constructor(
    private readonly repository: GroupChatRepository,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.heartbeat = setInterval(() => void this.renew(), GROUP_HEARTBEAT_INTERVAL_MS);
    this.heartbeat.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.running.size === 0) return;
    const finished = await Promise.race([
      Promise.all(this.running).then(() => true),
      delay(this.config.http.shutdownTimeoutMs, false, { ref: false }),
    ]);
    if (finished) return;
    this.logger.warn(`Stopping ${this.rounds.size} group chat round(s) at shutdown`);
    for (const round of this.rounds.values()) round.stop('shutdown');
    await Promise.all(this.running);
  }

  onApplicationShutdown(): void {
    clearInterval(this.heartbeat);
  }

  /** Starts `run` writing the round (run must not throw). */
  start(round: GroupRound, run: (round: GroupRound) => Promise<void>): GroupRound {
    this.rounds.set(round.groupChatId, round);
    const running = run(round).finally(() => {
      this.running.delete(running);
      if (this.rounds.get(round.groupChatId) === round) this.rounds.delete(round.groupChatId);
    });
    this.running.add(running);
    return round;
  }

  /** Stops the round of the group chat if this process is writing one. */
  stop(groupChatId: string, reason: RoundStopReason): void {
    this.rounds.get(groupChatId)?.stop(reason);
  }

  private async renew(): Promise<void> {
    if (this.rounds.size === 0) return;
    const rounds = [...this.rounds.values()].map(({ groupChatId, claim }) => ({
      id: groupChatId,
      claim,
    }));
    try {
      await this.repository.heartbeat(rounds);
    } catch (error) {
      this.logger.warn(`Could not renew group chat rounds: ${(error as Error).message}`);
    }
  }
}
