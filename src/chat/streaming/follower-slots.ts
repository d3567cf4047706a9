import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
import type { SseSource } from '../../common/http/sse.js';
import { type AppConfig, InjectConfig } from '../../config/app-config.js';
import type { ChatCaller } from '../chat-caller.js';

const callerKey = (caller: ChatCaller): string =>
  caller.user ? `user:${caller.user.id}` : `guest:${caller.guestSession}`;

const tooMany = (message: string) => new HttpException(message, HttpStatus.TOO_MANY_REQUESTS);

/**
 * Bounds the streams that follow a reply (re-attached with GET /api/chats/{id}/stream): each
 * holds a socket, timers and, for a reply written elsewhere, a subscription on the writing
 * instance, so one caller re-attaching in a loop could hold thousands. Counted per instance,
 * which is where those costs are paid; a slot is taken before the stream starts and given
 * back when its response closes, however it ends.
 */
@Injectable()
export class FollowerSlots {
  private readonly perChat = new Map<string, number>();
  private readonly perCaller = new Map<string, number>();
  private readonly maxPerChat: number;
  private readonly maxPerCaller: number;

  constructor(@InjectConfig() config: AppConfig) {
    this.maxPerChat = config.chat.followersPerChat;
    this.maxPerCaller = config.chat.followersPerCaller;
  }

  /** `source` for one more follower, or a 429 when the chat or the caller has all it may. */
  hold<E extends object>(chatId: string, caller: ChatCaller, source: SseSource<E>): SseSource<E> {
    const key = callerKey(caller);
    if ((this.perChat.get(chatId) ?? 0) >= this.maxPerChat) {
      throw tooMany(
        `This chat's reply already has ${this.maxPerChat} streams following it (the limit); ` +
          'close one and retry',
      );
    }
    if ((this.perCaller.get(key) ?? 0) >= this.maxPerCaller) {
      throw tooMany(
        `You already follow ${this.maxPerCaller} reply streams at once (the limit); ` +
          'close one and retry',
      );
    }
    add(this.perChat, chatId, 1);
    add(this.perCaller, key, 1);
    let held = true;
    return {
      subscribe: (send, end) => source.subscribe(send, end),
      close: () => {
        if (!held) return;
        held = false;
        add(this.perChat, chatId, -1);
        add(this.perCaller, key, -1);
      },
    };
  }
}

function add(counts: Map<string, number>, key: string, delta: number): void {
  const count = (counts.get(key) ?? 0) + delta;
  if (count > 0) counts.set(key, count);
  else counts.delete(key);
}
