import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { ConflictException, NotFoundException } from '@nestjs/common';
import type { ChatCaller } from '../../../src/chat/chat-caller.js';
import { ChatModule } from '../../../src/chat/chat.module.js';
import { ChatService } from '../../../src/chat/chat.service.js';
import { ReplyService } from '../../../src/chat/reply.service.js';
import { StoryRounds } from '../../../src/chat/story-rounds.js';
import type { ReplyEvent } from '../../../src/chat/streaming/reply-event.js';
import { ReplyRegistry } from '../../../src/chat/streaming/reply-registry.js';
import type { SseSource } from '../../../src/common/http/sse.js';
import { startFakeLlm, type FakeLlm } from '../../support/fake-llm.js';
import { createMediumModule, type MediumModule } from '../../support/medium.js';
import { createUser, type TestUser } from '../../support/users.js';
import { failAll, llmEnv, messagesOf, publicCharacter } from '../../chat/chat-support.js';
import { controlClock, MINUTE } from '../../llm/llm-test-support.js';
import { rowCachesCaughtUp } from '../../support/row-caches.js';

/** A round as a client sees it: its events so far, and a way to wait for one. */
interface Followed {
  events: ReplyEvent[];
  /** The first event (so far or to come) that `matches`; fails if the round ends without one. */
  until(matches: (event: ReplyEvent) => boolean): Promise<ReplyEvent>;
  /** Every event, once the round has ended. */
  ended: Promise<ReplyEvent[]>;
}

/** Subscribes to a round as the SSE response does. */
function follow(source: SseSource<ReplyEvent>): Followed {
  const events: ReplyEvent[] = [];
  const waiters = new Set<() => void>();
  let over = false;
  let ended!: (events: ReplyEvent[]) => void;
  const followed: Followed = {
    events,
    ended: new Promise((resolve) => (ended = resolve)),
    until: (matches) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(matches);
          if (found) resolve(found);
          else if (over) reject(new Error(`round ended without it: ${JSON.stringify(events)}`));
          else return;
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
  };
  source.subscribe(
    (event) => {
      events.push(event);
      for (const check of [...waiters]) check();
    },
    () => {
      over = true;
      for (const check of [...waiters]) check();
      ended(events);
    },
  );
  return followed;
}

const textOf = (events: ReplyEvent[], characterId?: string): string =>
  events
    .filter(
      (event): event is Extract<ReplyEvent, { type: 'token' }> =>
        event.type === 'token' && (characterId === undefined || event.character_id === characterId),
    )
    .map((event) => event.content)
    .join('');

/** `count` tokens streamed `intervalMs` apart: a reply slow enough to act on while it runs. */
const slowReply = (count: number, intervalMs: number, word = 'w') => ({
  tokens: Array.from({ length: count }, (_, i) => ` ${word}${i}`),
  tokenIntervalMs: intervalMs,
});

describe('reply engine (ReplyService, StoryRounds, RoundRunner, ReplyRegistry)', () => {
  let fake: FakeLlm;
  let t: MediumModule;
  let replies: ReplyService;
  let storyRounds: StoryRounds;
  let chats: ChatService;
  let registry: ReplyRegistry;
  let owner: TestUser;
  let alice: TestUser;
  let mira: string;
  let bram: string;
  let cleo: string;
  let clock: { advance(ms: number): void };

  beforeAll(async () => {
    fake = await startFakeLlm();
    t = await createMediumModule({ imports: [ChatModule], env: llmEnv(fake) });
    replies = t.app.get(ReplyService);
    storyRounds = t.app.get(StoryRounds);
    chats = t.app.get(ChatService);
    registry = t.app.get(ReplyRegistry);
    clock = controlClock(t.app);
    [owner, alice] = await Promise.all([createUser(t), createUser(t)]);
    // No greetings: a group chat would open with its lead's, and these rounds start from the
    // user's message.
    [mira, bram, cleo] = await Promise.all(
      ['Mira', 'Bram', 'Cleo'].map(
        async (name) => (await publicCharacter(t, owner, { name, greeting: '' })).id,
      ),
    );
  });

  beforeEach(() => {
    fake.reset();
    // Models a failed reply put on cooldown (auto routing) are back.
    clock.advance(16 * MINUTE);
  });

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  const callerOf = (user: TestUser): ChatCaller => ({
    user: { id: user.id, email: user.email, role: 'user', tier: 'free' },
  });

  const directChat = async (characterId: string, user = alice): Promise<string> =>
    (await chats.create({ character_id: characterId, force_new: true }, callerOf(user))).chat.id;

  const groupChat = async (characterIds: string[], user = alice): Promise<string> =>
    (await chats.create({ character_ids: characterIds }, callerOf(user))).chat.id;

  const claimsOf = (chatId: string) =>
    t.dataSource.query<Array<{ instance_id: string }>>(
      `SELECT instance_id FROM chat_generation WHERE chat_id = $1`,
      [chatId],
    );

  const quotaUsed = async (user: TestUser): Promise<number> => {
    const [row] = await t.dataSource.query<Array<{ used: number | null }>>(
      `SELECT sum(used)::int AS used FROM message_quota WHERE subject = $1`,
      [`user:${user.id}`],
    );
    return row.used ?? 0;
  };

  const messageIds = async (chatId: string): Promise<number[]> =>
    (await messagesOf(t, chatId)).map((message) => message.id as number);

  const sendAndFollow = async (chatId: string, content: string, user = alice) =>
    follow(await replies.send(chatId, { content }, callerOf(user)));

  it('claims the chat for the round: a second send meanwhile is a 409 that takes no quota', async () => {
    const chatId = await directChat(mira);
    fake.script(slowReply(40, 40));
    const round = await sendAndFollow(chatId, 'Tell me about the storm');
    await round.until((event) => event.type === 'token');
    expect(await claimsOf(chatId)).toEqual([{ instance_id: registry.instanceId }]);

    const used = await quotaUsed(alice);
    await expect(replies.send(chatId, { content: 'Hello?' }, callerOf(alice))).rejects.toThrow(
      ConflictException,
    );
    await expect(storyRounds.regenerate(chatId, {}, callerOf(alice))).rejects.toThrow(
      ConflictException,
    );
    expect(await quotaUsed(alice)).toBe(used);
    expect((await messagesOf(t, chatId)).map((message) => message.content)).toEqual([
      'Tell me about the storm',
    ]);

    const events = await round.ended;
    expect(events.at(-1)).toMatchObject({ type: 'done', message_id: expect.any(Number) });
    expect(await claimsOf(chatId)).toEqual([]);
    expect((await messagesOf(t, chatId)).at(-1)).toMatchObject({
      role: 'assistant',
      status: 'complete',
      content: textOf(events),
    });
    expect(t.errorLogs()).toEqual([]);
  });

  it.each([
    ['its first send', false],
    ['a send after a round (its members remembered)', true],
  ])(
    'undoes %s when the character was hidden meanwhile: 404, no message, no claim, quota back',
    async (_when, afterRound) => {
      const hidden = (await publicCharacter(t, owner, { greeting: '' })).id;
      const chatId = await directChat(hidden);
      if (afterRound) await (await sendAndFollow(chatId, 'Hi')).ended;
      await t.dataSource.query(`UPDATE character SET is_public = false WHERE id = $1`, [hidden]);
      await rowCachesCaughtUp(t);
      const before = {
        messages: await messageIds(chatId),
        chat: await t.dataSource.query(`SELECT message_count, updated_at FROM chat WHERE id = $1`, [
          chatId,
        ]),
        used: await quotaUsed(alice),
      };

      await expect(
        replies.send(chatId, { content: 'Still there?' }, callerOf(alice)),
      ).rejects.toThrow(NotFoundException);

      expect(await messageIds(chatId)).toEqual(before.messages);
      // Its place in the owner's list too.
      expect(
        await t.dataSource.query(`SELECT message_count, updated_at FROM chat WHERE id = $1`, [
          chatId,
        ]),
      ).toEqual(before.chat);
      expect(await claimsOf(chatId)).toEqual([]);
      expect(await quotaUsed(alice)).toBe(before.used);
      expect(fake.requests.filter((request) => request.body?.messages)).toHaveLength(
        afterRound ? 1 : 0,
      );
    },
  );

  it('gives the message back when the model fails; a direct chat keeps the user message', async () => {
    const chatId = await directChat(mira);
    failAll(fake, { fault: 'status', status: 500 });
    const used = await quotaUsed(alice);
    const events = await (await sendAndFollow(chatId, 'Are you there?')).ended;
    expect(events).toEqual([{ type: 'error', message: expect.any(String) }]);
    expect(await quotaUsed(alice)).toBe(used);
    expect(await messagesOf(t, chatId)).toEqual([
      expect.objectContaining({ role: 'user', content: 'Are you there?' }),
    ]);
    expect(await claimsOf(chatId)).toEqual([]);
  });

  it('gives the message back when the model fails; a group chat drops the user message', async () => {
    const chatId = await groupChat([mira, bram]);
    failAll(fake, { fault: 'status', status: 500 });
    const used = await quotaUsed(alice);
    const events = await (await sendAndFollow(chatId, 'Anyone?')).ended;
    expect(events).toEqual([
      { type: 'error', message: expect.any(String), character_id: mira },
      { type: 'end', user_message_id: null },
    ]);
    expect(await quotaUsed(alice)).toBe(used);
    expect(await messagesOf(t, chatId)).toEqual([]);
    expect(await claimsOf(chatId)).toEqual([]);
  });

  it('stops a reply mid-stream: the part so far saved as stopped, the summary returned', async () => {
    const chatId = await directChat(mira);
    fake.script(slowReply(50, 40));
    const round = await sendAndFollow(chatId, 'Talk for a while');
    await round.until((event) => event.type === 'token');

    const summary = await replies.stop(chatId, callerOf(alice));
    const saved = (await messagesOf(t, chatId)).at(-1)!;
    expect(summary).toEqual({ stopped: true, message_id: saved.id });
    const events = await round.ended;
    expect(events.at(-1)).toEqual({
      type: 'done',
      message_id: saved.id,
      user_message_id: expect.any(Number),
      stopped: true,
    });
    expect(saved).toMatchObject({ role: 'assistant', status: 'stopped', content: textOf(events) });
    expect(saved.content.startsWith(' w0')).toBe(true);
    expect(saved.content.length).toBeLessThan(50 * 4);
    await fake.waitForAborted(1);
    expect(await claimsOf(chatId)).toEqual([]);
    // Nothing left to stop.
    expect(await replies.stop(chatId, callerOf(alice))).toBeNull();
  });

  it('stops a group round: the speaker keeps its words, the members after it do not speak', async () => {
    const chatId = await groupChat([mira, bram, cleo]);
    fake.script(slowReply(50, 40));
    const round = await sendAndFollow(chatId, 'Tell us everything');
    await round.until((event) => event.type === 'token');

    const summary = await replies.stop(chatId, callerOf(alice));
    const events = await round.ended;
    const saved = await messagesOf(t, chatId);
    expect(saved.map((message) => [message.role, message.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'stopped'],
    ]);
    expect(summary).toEqual({ stopped: true, message_id: saved[1].id });
    expect(saved[1].content).toBe(textOf(events, mira));
    expect(events.filter((event) => event.type !== 'token')).toEqual([
      expect.objectContaining({ type: 'done', character_id: mira, stopped: true }),
      { type: 'end', user_message_id: saved[0].id },
    ]);
    // Bram and Cleo were never asked.
    expect(fake.requests.filter((request) => request.body?.messages)).toHaveLength(1);
    expect(await claimsOf(chatId)).toEqual([]);
  });

  it('saves a round still running at shutdown as stopped before the module has closed', async () => {
    const leaving = await createMediumModule({
      imports: [ChatModule],
      env: { ...llmEnv(fake), SHUTDOWN_TIMEOUT_MS: '300' },
      databaseUrl: t.databaseUrl,
    });
    const chatId = await directChat(mira);
    fake.script(slowReply(200, 20, 'z'));
    const round = follow(
      await leaving.app
        .get(ReplyService)
        .send(chatId, { content: 'Talk until closing time' }, callerOf(alice)),
    );
    await round.until((event) => event.type === 'token');
    const atClose = textOf(round.events);

    await leaving.close();

    const saved = (await messagesOf(t, chatId)).at(-1)!;
    expect(saved).toMatchObject({ role: 'assistant', status: 'stopped' });
    expect(saved.content.startsWith(' z0')).toBe(true);
    // It went on during the grace period, and was cut short at its end.
    expect(saved.content.length).toBeGreaterThan(atClose.length);
    expect(saved.content.length).toBeLessThan(200 * 4);
    expect(saved.content).toBe(textOf(round.events));
    expect(await claimsOf(chatId)).toEqual([]);
    await fake.waitForAborted(1);
    expect(leaving.errorLogs()).toEqual([]);
  });

  it('regenerates a group round: the old replies stay shown until the new first reply is saved, then an alternative branch', async () => {
    const chatId = await groupChat([mira, bram]);
    await (
      await sendAndFollow(chatId, 'Good evening')
    ).ended;
    const [userMessage, ...oldReplies] = await messageIds(chatId);
    expect(oldReplies).toHaveLength(2);

    fake.script(slowReply(10, 40, 'new'), { content: 'Bram again.' });
    const used = await quotaUsed(alice);
    const round = follow(await storyRounds.regenerate(chatId, {}, callerOf(alice)));
    await round.until((event) => event.type === 'token');
    // Mira is writing her new reply: the old ones are still what the chat shows.
    expect(await messageIds(chatId)).toEqual([userMessage, ...oldReplies]);

    const miraDone = await round.until((event) => event.type === 'done');
    // Saved with her new reply, in one statement (Bram may have followed since).
    const afterFirst = await messageIds(chatId);
    expect(afterFirst.slice(0, 2)).toEqual([
      userMessage,
      (miraDone as { message_id: number }).message_id,
    ]);
    expect(afterFirst).not.toContain(oldReplies[0]);
    expect(afterFirst).not.toContain(oldReplies[1]);

    const events = await round.ended;
    expect(events.at(-1)).toEqual({ type: 'end', user_message_id: userMessage });
    const saved = await messagesOf(t, chatId);
    expect(saved.map((message) => message.content)).toEqual([
      'Good evening',
      textOf(events, mira),
      'Bram again.',
    ]);
    expect(saved.map((message) => message.id)).not.toContain(oldReplies[0]);
    expect(saved.map((message) => message.id)).not.toContain(oldReplies[1]);
    // Kept off the path: the old first reply is the new one's alternative.
    const kept = await t.dataSource.query<Array<{ id: number; parent_id: number }>>(
      `SELECT id::int, parent_id::int FROM message WHERE id = ANY($1::bigint[]) ORDER BY id`,
      [[oldReplies[0], (miraDone as { message_id: number }).message_id]],
    );
    expect(kept.map((row) => row.parent_id)).toEqual([userMessage, userMessage]);
    expect(await quotaUsed(alice)).toBe(used + 1);
    expect(await claimsOf(chatId)).toEqual([]);
  });
});
