import { Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { PgChannels } from '../../common/signals/pg-channels.service.js';
import type { ReplyEvent, RoundSummary } from './reply-event.js';

/**
 * Messages between API instances about a round one of them is writing. Sent to the instance
 * writing it: `attach` (follow it, replaying what was written so far), `detach` and `stop`.
 * Sent back to a follower: `text` (more of a character's reply, in order), `event` (a reply's
 * outcome, a group round's end) and `end` (nothing more; `found` false when that instance had
 * no such round); to whoever stopped it, `stopped` (how it ended; null when there was none).
 */
export type ChatSignal =
  | { t: 'attach'; chat: string; sub: string; from: string }
  | { t: 'detach'; chat: string; sub: string }
  | { t: 'stop'; chat: string; sub: string; from: string }
  /** `n` counts a follower's text and event signals from 0: a gap is something lost. */
  | { t: 'text'; sub: string; text: string; c: string; n: number }
  | { t: 'event'; sub: string; event: Exclude<ReplyEvent, { type: 'token' }>; n: number }
  /** `n`: how many text and event signals came before it. */
  | { t: 'end'; sub: string; found: boolean; n?: number }
  | { t: 'stopped'; sub: string; summary: RoundSummary | null };

/** How long an instance waits for another to answer it (an attach, a stop). */
export const ANSWER_TIMEOUT_MS = 5000;

const channelOf = (instanceId: string) => `chat_${instanceId.replace(/-/g, '')}`;

/**
 * PostgreSQL LISTEN/NOTIFY between instances, so stop and re-attach work wherever a request
 * lands, with or without Redis. Over the instance's one LISTEN connection (PgChannels): it
 * hears the instance's own channel and sends every signal, so those from one instance arrive
 * in the order they were sent. Nothing goes through here on the token path unless a client
 * follows a reply from another instance.
 */
@Injectable()
export class ChatSignals {
  /** This process; chat_generation rows name it. */
  readonly instanceId = randomUUID();
  private readonly logger = new Logger(ChatSignals.name);
  private readonly handlers: Array<(signal: ChatSignal) => void> = [];
  /** Questions asked of other instances (see ask), by subscription id. */
  private readonly awaiting = new Map<string, (signal: ChatSignal) => boolean>();

  constructor(private readonly channels: PgChannels) {
    channels.subscribe(channelOf(this.instanceId), {
      onNotification: (payload) => payload && this.dispatch(payload),
    });
  }

  onSignal(handler: (signal: ChatSignal) => void): void {
    this.handlers.push(handler);
  }

  /**
   * Sends `instanceId` the signal `question` makes for a fresh subscription id, and resolves
   * with the first answer under that id `answerOf` accepts (anything but undefined). 503 when
   * it cannot be sent or no answer comes within ANSWER_TIMEOUT_MS.
   */
  ask<T>(
    instanceId: string,
    question: (sub: string) => ChatSignal,
    answerOf: (signal: ChatSignal) => T | undefined,
  ): Promise<T> {
    const sub = randomUUID();
    return new Promise<T>((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        this.awaiting.delete(sub);
      };
      const timer = setTimeout(() => {
        settle();
        reject(new ServiceUnavailableException('The server writing this did not answer; retry'));
      }, ANSWER_TIMEOUT_MS);
      this.awaiting.set(sub, (signal) => {
        const answer = answerOf(signal);
        if (answer === undefined) return false;
        settle();
        resolve(answer);
        return true;
      });
      this.send(instanceId, question(sub)).catch((error: unknown) => {
        settle();
        reject(error);
      });
    });
  }

  /** Rejects with a 503 when the signal connection is down: a client may retry. */
  async send(instanceId: string, signal: ChatSignal): Promise<void> {
    const unreachable = () =>
      new ServiceUnavailableException('The other servers cannot be reached right now; retry');
    if (!this.channels.listening) throw unreachable();
    try {
      await this.channels.notify(channelOf(instanceId), JSON.stringify(signal));
    } catch {
      // The listener's own error handler logs and reconnects.
      throw unreachable();
    }
  }

  private dispatch(payload: string): void {
    let signal: ChatSignal;
    try {
      signal = JSON.parse(payload) as ChatSignal;
    } catch {
      this.logger.warn(`Ignored a malformed chat signal: ${payload.slice(0, 100)}`);
      return;
    }
    const sub = 'sub' in signal ? signal.sub : undefined;
    if (sub !== undefined && this.awaiting.get(sub)?.(signal)) return;
    for (const handler of this.handlers) handler(signal);
  }
}
