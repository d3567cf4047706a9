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
import { ANSWER_TIMEOUT_MS, type ChatSignal, ChatSignals } from './chat-signals.js';
import { LiveReply } from './live-reply.js';
import type { ReplyEvent, ReplyOutcome } from './reply-event.js';

/** Text for a follower on another instance goes out in batches at most this far apart. */
const REMOTE_FLUSH_MS = 50;
/** NOTIFY payloads stop at 8000 bytes; 1000 characters stay below even when all are escaped. */
const SIGNAL_TEXT_CHUNK = 1000;
/** A follower checks this often that the writing instance is still alive. */
const LIVENESS_CHECK_MS = 15_000;
const LOST_REPLY = 'Lost track of the reply; reload the chat to see it';
/** The writer had no such reply any more: it ended between the follower's look and its ask. */
const ENDED_REPLY = 'The reply has just ended; reload the chat to see it';
/**
 * NOTIFY payloads stop at 8000 bytes: an outcome bigger than this goes slimmer — a reply
 * without its game (a campaign's large [STATE], many dice; the saved message keeps them), an
 * error with its details (admins') cut short.
 */
const MAX_END_SIGNAL_BYTES = 7000;

function endSignal(sub: string, outcome: ReplyOutcome | null): Extract<ChatSignal, { t: 'end' }> {
  const signal: Extract<ChatSignal, { t: 'end' }> = { t: 'end', sub, outcome };
  if (!outcome || Buffer.byteLength(JSON.stringify(signal)) <= MAX_END_SIGNAL_BYTES) return signal;
  if (outcome.type === 'error') {
    return { t: 'end', sub, outcome: { ...outcome, message: outcome.message.slice(0, 1000) } };
  }
  const { dice_rolls: _rolls, encounter_state: _state, ...slim } = outcome;
  return { t: 'end', sub, outcome: slim };
}

type FollowerSignal = Extract<ChatSignal, { t: 'text' | 'end' }>;

function* chunks(text: string): Generator<string> {
  for (let start = 0; start < text.length; start += SIGNAL_TEXT_CHUNK) {
    yield text.slice(start, start + SIGNAL_TEXT_CHUNK);
  }
}

/**
 * The replies this instance is writing (in memory), and the way to reach those another
 * instance writes: follow one (replay + live text) or stop it, through ChatSignals. Keeps this
 * instance's chat_generation rows alive, and lets replies finish (or saves them as stopped)
 * before the process exits.
 */
@Injectable()
export class ReplyRegistry
  implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger(ReplyRegistry.name);
  private readonly replies = new Map<string, LiveReply>();
  /** Every reply's whole run (streaming, saving, accounting), for the shutdown to wait on. */
  private readonly running = new Set<Promise<void>>();
  /** Writer side: followers on other instances of our replies, by subscription id. */
  private readonly remoteFollowers = new Map<string, () => void>();
  /** Follower side: what to do with signals about a reply another instance writes. */
  private readonly subscriptions = new Map<string, (signal: FollowerSignal) => void>();
  private heartbeat?: NodeJS.Timeout;

  constructor(
    private readonly signals: ChatSignals,
    private readonly generations: GenerationRepository,
    private readonly shutdown: ShutdownDeadline,
    metrics: MetricsService,
  ) {
    metrics.streams.countReplies('chat', () => this.replies.size);
  }

  get instanceId(): string {
    return this.signals.instanceId;
  }

  onModuleInit(): void {
    this.signals.onSignal((signal) => this.onSignal(signal));
    this.heartbeat = setInterval(() => void this.renew(), HEARTBEAT_INTERVAL_MS);
    this.heartbeat.unref();
  }

  /** Replies still running get what is left of the grace period, then are stopped and saved. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.running.size === 0) return;
    await this.shutdown.finishOrCut(this.running, () => {
      this.logger.warn(`Stopping ${this.replies.size} reply(ies) still being written at shutdown`);
      for (const reply of this.replies.values()) reply.stop('shutdown');
    });
  }

  onApplicationShutdown(): void {
    clearInterval(this.heartbeat);
  }

  local(chatId: string): LiveReply | undefined {
    return this.replies.get(chatId);
  }

  /** Registers a new reply of the chat and starts `run` writing it (run must not throw). */
  start(chatId: string, run: (reply: LiveReply) => Promise<void>): LiveReply {
    const reply = new LiveReply(chatId);
    // A previous reply of this chat may still be delivering its end after giving the chat back.
    this.replies.set(chatId, reply);
    const running = run(reply).finally(() => this.running.delete(running));
    this.running.add(running);
    return reply;
  }

  finish(reply: LiveReply, outcome: ReplyOutcome): void {
    if (this.replies.get(reply.chatId) === reply) this.replies.delete(reply.chatId);
    reply.finish(outcome);
  }

  /**
   * Runs `remove` (the chat's deletion), then stops the chat's reply wherever it is being
   * written, without waiting: nobody will read it, or pay for it to its last token. Stopped
   * after the delete, the reply's save finds the chat gone instead of racing the delete.
   */
  async removeStopping(chatId: string, remove: () => Promise<void>): Promise<void> {
    const local = this.replies.get(chatId);
    // Looked up first: the delete takes the claim naming the writer along.
    const writer = local ? this.instanceId : await this.generations.writerOf(chatId);
    await remove();
    if (local) return local.stop('user');
    if (!writer || writer === this.instanceId) return;
    this.stopRemote(writer, chatId).catch((error: Error) => {
      this.logger.warn(`Reply in chat ${chatId} not stopped on ${writer}: ${error.message}`);
    });
  }

  /** Follows a reply that `writer` (another instance) is writing. */
  follow(writer: string, chatId: string): SseSource<ReplyEvent> {
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
        const finish = (outcome: ReplyOutcome | null) => {
          if (over) return;
          cleanup();
          send(outcome ?? { type: 'error', message: ENDED_REPLY });
          end();
        };
        const answerTimer = setTimeout(() => {
          if (!acknowledged) finish({ type: 'error', message: LOST_REPLY });
        }, ANSWER_TIMEOUT_MS);
        const liveness = setInterval(() => {
          this.generations
            .writerOf(chatId)
            .then((current) => {
              if (current !== writer) finish({ type: 'error', message: LOST_REPLY });
            })
            .catch(() => undefined);
        }, LIVENESS_CHECK_MS);
        // Signals from one instance arrive in order, but one the writer failed to send (its
        // connection dropped for a moment) is gone: the follower says so instead of showing
        // a reply with a hole in it.
        let received = 0;
        this.subscriptions.set(sub, (signal) => {
          if (signal.n !== undefined && signal.n !== received) {
            return finish({ type: 'error', message: LOST_REPLY });
          }
          if (signal.t === 'end') return finish(signal.outcome);
          received++;
          acknowledged = true;
          if (signal.text) send({ type: 'token', content: signal.text });
        });
        this.signals
          .send(writer, { t: 'attach', chat: chatId, sub, from: this.instanceId })
          .catch(() => finish({ type: 'error', message: LOST_REPLY }));
        return () => {
          if (over) return;
          cleanup();
          this.signals.send(writer, { t: 'detach', chat: chatId, sub }).catch(() => undefined);
        };
      },
    };
  }

  /** Stops a reply `writer` (another instance) is writing; resolves once it was saved. */
  async stopRemote(writer: string, chatId: string): Promise<ReplyOutcome | null> {
    const { outcome } = await this.signals.ask(
      writer,
      (sub) => ({ t: 'stop', chat: chatId, sub, from: this.instanceId }),
      (signal) => (signal.t === 'end' ? { outcome: signal.outcome } : undefined),
    );
    return outcome;
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
      case 'end':
        this.subscriptions.get(signal.sub)?.(signal);
        return;
      default:
      // Group chat rounds: GroupRounds' own.
    }
  }

  /** Streams one of our replies to a follower on instance `to`: the text so far, then batches. */
  private attachRemote(chatId: string, sub: string, to: string): void {
    const send = (signal: ChatSignal) =>
      this.signals
        .send(to, signal)
        .catch((error: Error) => this.logger.warn(`Chat signal not sent: ${error.message}`));
    const reply = this.replies.get(chatId);
    if (!reply) {
      void send({ t: 'end', sub, outcome: null });
      return;
    }
    let pending = '';
    let timer: NodeJS.Timeout | undefined;
    // The first flush also tells the follower that this instance has the reply.
    let acknowledged = false;
    let sent = 0;
    const flush = () => {
      clearTimeout(timer);
      timer = undefined;
      if (!pending && acknowledged) return;
      acknowledged = true;
      for (const text of pending ? chunks(pending) : ['']) {
        void send({ t: 'text', sub, text, n: sent++ });
      }
      pending = '';
    };
    let ended = false;
    const unsubscribe = reply.subscribe(
      (event) => {
        if (event.type === 'token') {
          pending += event.content;
          timer ??= setTimeout(flush, REMOTE_FLUSH_MS);
          return;
        }
        flush();
        void send({ ...endSignal(sub, event), n: sent });
      },
      () => {
        ended = true;
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
    const reply = this.replies.get(chatId);
    const answer = (outcome: ReplyOutcome | null) =>
      this.signals
        .send(to, endSignal(sub, outcome))
        .catch((error: Error) => this.logger.warn(`Chat signal not sent: ${error.message}`));
    if (!reply) {
      void answer(null);
      return;
    }
    reply.stop('user');
    void reply.settled.then(answer);
  }

  private async renew(): Promise<void> {
    if (this.replies.size === 0) return;
    try {
      await this.generations.heartbeat(this.instanceId, [...this.replies.keys()]);
    } catch (error) {
      this.logger.warn(`Could not renew in-flight replies: ${(error as Error).message}`);
    }
  }
}
