import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { SseSource } from '../../common/http/sse.js';
import { ShutdownDeadline } from '../../common/lifecycle/shutdown-deadline.js';
import { MetricsService } from '../../common/metrics/metrics.service.js';
import { GROUP_HEARTBEAT_INTERVAL_MS, GroupChatRepository } from './group-chat.repository.js';
import { ChatSignals } from '../streaming/chat-signals.js';
import type { GroupReplyEvent } from './group-reply-event.js';

/**
 * Why a round was cut short: its group chat was deleted, the user stopped it, or the server is
 * shutting down. The last two keep what was written.
 */
export type RoundStopReason = 'deleted' | 'user' | 'shutdown';

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
  private isOver = false;
  private readonly followers = new Set<Follower>();
  private readonly controller = new AbortController();
  private markEnded!: () => void;
  /** Resolves once the round's last event went out. */
  readonly ended = new Promise<void>((resolve) => (this.markEnded = resolve));

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
    if (!this.isOver) this.controller.abort(reason);
  }

  subscribe(send: (event: GroupReplyEvent) => void, end: () => void): () => void {
    for (const event of this.events) send(event);
    if (this.isOver) {
      end();
      return () => undefined;
    }
    const follower = { send, end };
    this.followers.add(follower);
    return () => this.followers.delete(follower);
  }

  emit(event: GroupReplyEvent): void {
    if (this.isOver) return;
    this.events.push(event);
    for (const follower of this.followers) follower.send(event);
  }

  /** Sends the closing `end` event and lets every follower go. */
  end(userMessageId: number | null): void {
    this.emit({ type: 'end', user_message_id: userMessageId });
    this.isOver = true;
    for (const follower of this.followers) follower.end();
    this.followers.clear();
    this.markEnded();
  }
}

/**
 * The rounds this process is writing: keeps their claims alive, stops one when its group chat
 * is deleted or its user asks (here or, through ChatSignals, on another instance), and lets
 * them finish (or cuts them short, keeping what was written) before the process exits.
 */
@Injectable()
export class GroupRounds implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(GroupRounds.name);
  private readonly rounds = new Map<string, GroupRound>();
  private readonly running = new Set<Promise<void>>();
  private heartbeat?: NodeJS.Timeout;

  constructor(
    private readonly repository: GroupChatRepository,
    private readonly signals: ChatSignals,
    private readonly shutdown: ShutdownDeadline,
    metrics: MetricsService,
  ) {
    metrics.streams.countReplies('group', () => this.rounds.size);
  }

  get instanceId(): string {
    return this.signals.instanceId;
  }

  onModuleInit(): void {
    this.signals.onSignal((signal) => {
      if (signal.t === 'group-stop') this.stopForRemote(signal.group, signal.sub, signal.from);
    });
    this.heartbeat = setInterval(() => void this.renew(), GROUP_HEARTBEAT_INTERVAL_MS);
    this.heartbeat.unref();
  }

  /** Rounds still running get what is left of the grace period, then are cut short. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.running.size === 0) return;
    await this.shutdown.finishOrCut(this.running, () => {
      this.logger.warn(`Stopping ${this.rounds.size} group chat round(s) at shutdown`);
      for (const round of this.rounds.values()) round.stop('shutdown');
    });
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

  /**
   * Stops the round `writer` (this or another instance) is writing, keeping what was written;
   * resolves once it has ended, with whether there was a round to stop.
   */
  async stopFor(writer: string, groupChatId: string): Promise<boolean> {
    if (writer === this.instanceId) return this.stopLocal(groupChatId);
    return this.signals.ask(
      writer,
      (sub) => ({ t: 'group-stop', group: groupChatId, sub, from: this.instanceId }),
      (signal) => (signal.t === 'group-stopped' ? signal.stopped : undefined),
    );
  }

  /**
   * Runs `remove` (the group chat's deletion) and cuts its round short wherever it runs,
   * without waiting. Here it stops at once (a deleted round saves nothing); another instance
   * is told after the delete, so what it saves then finds the group chat gone.
   */
  async removeStopping(
    groupChatId: string,
    userId: string,
    remove: () => Promise<void>,
  ): Promise<void> {
    this.stop(groupChatId, 'deleted');
    // Looked up first: the delete takes the row naming the writer along.
    const writer = await this.repository.writerOf(groupChatId, userId);
    await remove();
    if (!writer || writer === this.instanceId) return;
    this.stopFor(writer, groupChatId).catch((error: Error) => {
      this.logger.warn(
        `Round in group chat ${groupChatId} not stopped on ${writer}: ${error.message}`,
      );
    });
  }

  private async stopLocal(groupChatId: string): Promise<boolean> {
    const round = this.rounds.get(groupChatId);
    if (!round) return false;
    round.stop('user');
    await round.ended;
    return true;
  }

  private stopForRemote(groupChatId: string, sub: string, to: string): void {
    void this.stopLocal(groupChatId).then((stopped) =>
      this.signals.send(to, { t: 'group-stopped', sub, stopped }).catch((error: Error) => {
        this.logger.warn(`Group stop answer not sent: ${error.message}`);
      }),
    );
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
