import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { SseSource } from '../../common/http/sse.js';
import { ShutdownDeadline } from '../../common/lifecycle/shutdown-deadline.js';
import { MetricsService } from '../../common/metrics/metrics.service.js';
import { GenerationRepository, HEARTBEAT_INTERVAL_MS } from '../generation.repository.js';
import { CHAT_KINDS, type ChatKind } from '../entities/chat.entity.js';
import { ANSWER_TIMEOUT_MS, type ChatSignal, ChatSignals } from './chat-signals.js';
import { LiveRound } from './live-round.js';
import type { ReplyEvent, RoundSummary } from './reply-event.js';

/** Text for a follower on another instance goes out in batches at most this far apart. */
const REMOTE_FLUSH_MS = 50;
/** NOTIFY payloads stop at 8000 bytes; 1000 characters stay below even when all are escaped. */
const SIGNAL_TEXT_CHUNK = 1000;
/** A follower checks this often that the writing instance is still alive. */
const LIVENESS_CHECK_MS = 15_000;
const LOST_REPLY = 'Lost track of the reply; reload the chat to see it';
/** The writer had no such round any more: it ended between the follower's look and its ask. */
const ENDED_REPLY = 'The reply has just ended; reload the chat to see it';
/**
 * NOTIFY payloads stop at 8000 bytes: an event bigger than this goes slimmer — a reply
 * without its game (a campaign's large [STATE], many dice; the saved message keeps them), an
 * error with its details (admins') cut short.
 */
const MAX_EVENT_SIGNAL_BYTES = 7000;

type OutcomeEvent = Exclude<ReplyEvent, { type: 'token' }>;

function slim(event: OutcomeEvent): OutcomeEvent {
  if (Buffer.byteLength(JSON.stringify(event)) <= MAX_EVENT_SIGNAL_BYTES) return event;
  if (event.type === 'error') return { ...event, message: event.message.slice(0, 1000) };
  if (event.type !== 'done') return event;
  const { dice_rolls: _rolls, encounter_state: _state, ...rest } = event;
  return rest;
}

type FollowerSignal = Extract<ChatSignal, { t: 'text' | 'event' | 'end' }>;

function* chunks(text: string): Generator<string> {
  for (let start = 0; start < text.length; start += SIGNAL_TEXT_CHUNK) {
    yield text.slice(start, start + SIGNAL_TEXT_CHUNK);
  }
}

/**
 * The rounds this instance is writing (in memory), and the way to reach those another instance
 * writes: follow one (replay + live text) or stop it, through ChatSignals. Keeps this
 * instance's chat_generation claims alive, and lets rounds finish (or saves their replies as
 * stopped) before the process exits. One mechanism for direct and group chats alike.
 */
@Injectable()
export class ReplyRegistry
  implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger(ReplyRegistry.name);
  private readonly rounds = new Map<string, LiveRound>();
  /** Every round's whole run (streaming, saving, accounting), for the shutdown to wait on. */
  private readonly running = new Set<Promise<void>>();
  /** Writer side: followers on other instances of our rounds, by subscription id. */
  private readonly remoteFollowers = new Map<string, () => void>();
  /** Follower side: what to do with signals about a round another instance writes. */
  private readonly subscriptions = new Map<string, (signal: FollowerSignal) => void>();
  private heartbeat?: NodeJS.Timeout;

  constructor(
    private readonly signals: ChatSignals,
    private readonly generations: GenerationRepository,
    private readonly shutdown: ShutdownDeadline,
    metrics: MetricsService,
  ) {
    for (const kind of CHAT_KINDS) {
      metrics.streams.countReplies(kind, () => this.countOf(kind));
    }
  }

  get instanceId(): string {
    return this.signals.instanceId;
  }

  onModuleInit(): void {
    this.signals.onSignal((signal) => this.onSignal(signal));
    this.heartbeat = setInterval(() => void this.renew(), HEARTBEAT_INTERVAL_MS);
    this.heartbeat.unref();
  }

  /** Rounds still running get what is left of the grace period, then are stopped and saved. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.running.size === 0) return;
    await this.shutdown.finishOrCut(this.running, () => {
      this.logger.warn(`Stopping ${this.rounds.size} round(s) still being written at shutdown`);
      for (const round of this.rounds.values()) round.stop('shutdown');
    });
  }

  onApplicationShutdown(): void {
    clearInterval(this.heartbeat);
  }

  /** Rounds of chats of `kind` this instance is writing (read at a metrics scrape). */
  private countOf(kind: ChatKind): number {
    let count = 0;
    for (const round of this.rounds.values()) if (round.kind === kind) count++;
    return count;
  }

  local(chatId: string): LiveRound | undefined {
    return this.rounds.get(chatId);
  }

  /** Registers a new round of the chat and starts `run` writing it (run must not throw). */
  start(chatId: string, kind: ChatKind, run: (round: LiveRound) => Promise<void>): LiveRound {
    const round = new LiveRound(chatId, kind);
    // A previous round of this chat may still be delivering its end after giving the chat back.
    this.rounds.set(chatId, round);
    const running = run(round).finally(() => this.running.delete(running));
    this.running.add(running);
    return round;
  }

  /** Ends the round (see LiveRound.finish); the chat may start another one here. */
  finish(round: LiveRound, end: Parameters<LiveRound['finish']>[0]): void {
    if (this.rounds.get(round.chatId) === round) this.rounds.delete(round.chatId);
    round.finish(end);
  }

  /**
   * Runs `remove` (the chat's deletion), then stops the chat's round wherever it is being
   * written, without waiting: nobody will read it, or pay for it to its last token. Stopped
   * after the delete, the round's save finds the chat gone instead of racing the delete.
   */
  async removeStopping(chatId: string, remove: () => Promise<void>): Promise<void> {
    const local = this.rounds.get(chatId);
    // Looked up first: the delete takes the claim naming the writer along.
    const writer = local ? this.instanceId : await this.generations.writerOf(chatId);
    await remove();
    if (local) return local.stop('user');
    if (!writer || writer === this.instanceId) return;
    this.stopRemote(writer, chatId).catch((error: Error) => {
      this.logger.warn(`Round in chat ${chatId} not stopped on ${writer}: ${error.message}`);
    });
  }

  /**
   * Stops the chat's round wherever it is written, keeping what was written; resolves once it
   * ended, with how (null when no round was being written).
   */
  async stop(chatId: string): Promise<RoundSummary | null> {
    const local = this.rounds.get(chatId);
    if (local) {
      local.stop('user');
      return local.settled;
    }
    const writer = await this.generations.writerOf(chatId);
    return writer && writer !== this.instanceId ? this.stopRemote(writer, chatId) : null;
  }

  /** The chat's round, written here or on another instance; null when none is. */
  async source(chatId: string): Promise<SseSource<ReplyEvent> | null> {
    const local = this.rounds.get(chatId);
    if (local) return local;
    const writer = await this.generations.writerOf(chatId);
    return writer && writer !== this.instanceId ? this.follow(writer, chatId) : null;
  }

  /** Follows a round that `writer` (another instance) is writing. */
  private follow(writer: string, chatId: string): SseSource<ReplyEvent> {
    return {
      subscribe: (send, end) => {
        const sub = randomUUID();
        let acknowledged = false;
        let over = false;
        const cleanup = () => {
          over = true;
          clearTimeout(answerTimer);
          clearInterval(liveness);
          this.subscriptions.delete(sub);
        };
        const finish = (error?: string) => {
          if (over) return;
          cleanup();
          if (error) send({ type: 'error', message: error });
          end();
        };
        const answerTimer = setTimeout(() => {
          if (!acknowledged) finish(LOST_REPLY);
        }, ANSWER_TIMEOUT_MS);
        const liveness = setInterval(() => {
          this.generations
            .writerOf(chatId)
            .then((current) => {
              if (current !== writer) finish(LOST_REPLY);
            })
            .catch(() => undefined);
        }, LIVENESS_CHECK_MS);
        // Signals from one instance arrive in order, but one the writer failed to send (its
        // connection dropped for a moment) is gone: the follower says so instead of showing
        // a reply with a hole in it.
        let received = 0;
        this.subscriptions.set(sub, (signal) => {
          if (signal.n !== undefined && signal.n !== received) return finish(LOST_REPLY);
          if (signal.t === 'end') return finish(signal.found ? undefined : ENDED_REPLY);
          received++;
          acknowledged = true;
          if (signal.t === 'event') send(signal.event);
          else if (signal.text) {
            send({ type: 'token', content: signal.text, character_id: signal.c });
          }
        });
        this.signals
          .send(writer, { t: 'attach', chat: chatId, sub, from: this.instanceId })
          .catch(() => finish(LOST_REPLY));
        return () => {
          if (over) return;
          cleanup();
          this.signals.send(writer, { t: 'detach', chat: chatId, sub }).catch(() => undefined);
        };
      },
    };
  }

  /** Stops a round `writer` (another instance) is writing; resolves once it ended. */
  private async stopRemote(writer: string, chatId: string): Promise<RoundSummary | null> {
    return this.signals.ask(
      writer,
      (sub) => ({ t: 'stop', chat: chatId, sub, from: this.instanceId }),
      (signal) => (signal.t === 'stopped' ? signal.summary : undefined),
    );
  }

  private onSignal(signal: ChatSignal): void {
    switch (signal.t) {
      case 'attach':
        return this.attachRemote(signal.chat, signal.sub, signal.from);
      case 'detach':
        this.remoteFollowers.get(signal.sub)?.();
        return;
      case 'stop':
        return this.stopForRemote(signal.chat, signal.sub, signal.from);
      case 'text':
      case 'event':
      case 'end':
        this.subscriptions.get(signal.sub)?.(signal);
        return;
      default:
      // `stopped`: an answer, taken by ChatSignals.ask.
    }
  }

  /** Streams one of our rounds to a follower on instance `to`: what was written, then batches. */
  private attachRemote(chatId: string, sub: string, to: string): void {
    const send = (signal: ChatSignal) =>
      this.signals
        .send(to, signal)
        .catch((error: Error) => this.logger.warn(`Chat signal not sent: ${error.message}`));
    const round = this.rounds.get(chatId);
    if (!round) {
      void send({ t: 'end', sub, found: false });
      return;
    }
    let pending = '';
    let speaker = '';
    let timer: NodeJS.Timeout | undefined;
    // The first flush also tells the follower that this instance has the round.
    let acknowledged = false;
    let sent = 0;
    const flush = () => {
      clearTimeout(timer);
      timer = undefined;
      if (!pending && acknowledged) return;
      acknowledged = true;
      for (const text of pending ? chunks(pending) : ['']) {
        void send({ t: 'text', sub, text, c: speaker, n: sent++ });
      }
      pending = '';
    };
    let ended = false;
    const unsubscribe = round.subscribe(
      (event) => {
        if (event.type === 'token') {
          // A batch is one character's text.
          if (event.character_id !== speaker) flush();
          speaker = event.character_id;
          pending += event.content;
          timer ??= setTimeout(flush, REMOTE_FLUSH_MS);
          return;
        }
        flush();
        void send({ t: 'event', sub, event: slim(event), n: sent++ });
      },
      () => {
        ended = true;
        flush();
        void send({ t: 'end', sub, found: true, n: sent });
        this.remoteFollowers.delete(sub);
      },
    );
    if (ended) return;
    flush();
    this.remoteFollowers.set(sub, () => {
      clearTimeout(timer);
      unsubscribe();
      this.remoteFollowers.delete(sub);
    });
  }

  private stopForRemote(chatId: string, sub: string, to: string): void {
    const round = this.rounds.get(chatId);
    const answer = (summary: RoundSummary | null) =>
      this.signals
        .send(to, { t: 'stopped', sub, summary })
        .catch((error: Error) => this.logger.warn(`Chat signal not sent: ${error.message}`));
    if (!round) {
      void answer(null);
      return;
    }
    round.stop('user');
    void round.settled.then(answer);
  }

  private async renew(): Promise<void> {
    if (this.rounds.size === 0) return;
    try {
      await this.generations.heartbeat(this.instanceId, [...this.rounds.keys()]);
    } catch (error) {
      this.logger.warn(`Could not renew in-flight rounds: ${(error as Error).message}`);
    }
  }
}
