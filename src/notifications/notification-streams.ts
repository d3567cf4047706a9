import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
import type { SseSource } from '../common/http/sse.js';
import type { NotificationStreamEvent } from './dto/notification.dto.js';
import { NotificationSignals } from './notification-signals.js';

/** Streams one user may hold open on one instance (tabs); one more answers 429. */
export const MAX_STREAMS_PER_USER = 5;

type Listener = (event: NotificationStreamEvent) => void;

/**
 * The notification streams open on this instance, by user: every signal (from any instance,
 * NotificationSignals) goes to each of its user's streams.
 */
@Injectable()
export class NotificationStreams {
  private readonly open = new Map<string, Set<Listener>>();

  constructor(signals: NotificationSignals) {
    signals.onSignal(({ user, notification }) => {
      for (const listener of this.open.get(user) ?? []) {
        listener({ type: 'notification', notification });
      }
    });
  }

  /** Streams open for the user here. */
  count(userId: string): number {
    return this.open.get(userId)?.size ?? 0;
  }

  /**
   * A stream source for the user, its slot taken now (429 beyond MAX_STREAMS_PER_USER): first
   * `ready` with the unread count, then each new notification.
   */
  source(userId: string, unreadCount: number): SseSource<NotificationStreamEvent> {
    const listeners = this.open.get(userId) ?? new Set<Listener>();
    if (listeners.size >= MAX_STREAMS_PER_USER) {
      throw new HttpException(
        `At most ${MAX_STREAMS_PER_USER} notification streams may be open at once; close one`,
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    this.open.set(userId, listeners);
    // The slot is held from now, so parallel requests cannot overshoot the limit.
    const placeholder: Listener = () => undefined;
    listeners.add(placeholder);
    let current = placeholder;
    const release = () => {
      listeners.delete(current);
      if (listeners.size === 0 && this.open.get(userId) === listeners) this.open.delete(userId);
    };
    return {
      subscribe: (send) => {
        listeners.delete(placeholder);
        current = (event) => send(event);
        listeners.add(current);
        send({ type: 'ready', unread_count: unreadCount });
        return release;
      },
      close: release,
    };
  }
}
