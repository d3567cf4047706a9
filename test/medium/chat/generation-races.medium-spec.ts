import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { ChatCaller } from '../../../src/chat/chat-caller.js';
import { ChatModule } from '../../../src/chat/chat.module.js';
import { ChatService } from '../../../src/chat/chat.service.js';
import { GenerationRepository } from '../../../src/chat/generation.repository.js';
import { lockWaiters, replayLockRace } from '../../support/locks.js';
import { createMediumModule, type MediumModule } from '../../support/medium.js';
import { createUser, type TestUser } from '../../support/users.js';
import { messagesOf, publicCharacter } from '../../chat/chat-support.js';
import { appendToPath } from '../../support/messages.js';

/**
 * The statements that start, save and give back rounds (GenerationRepository) against what
 * else may happen to their chat at the same moment: its deletion, another instance's save.
 */
describe('generation statements in races', () => {
  let t: MediumModule;
  let generations: GenerationRepository;
  let chats: ChatService;
  let alice: TestUser;
  let character: { id: string };
  let quiet: { id: string };

  beforeAll(async () => {
    t = await createMediumModule({ imports: [ChatModule] });
    generations = t.app.get(GenerationRepository);
    chats = t.app.get(ChatService);
    const [owner, user] = await Promise.all([createUser(t), createUser(t)]);
    alice = user;
    character = await publicCharacter(t, owner);
    // No greeting: a group chat would open with its lead's.
    quiet = await publicCharacter(t, owner, { name: 'Bram', greeting: '' });
  });

  afterAll(async () => {
    await t?.close();
  });

  const aliceCaller = (): ChatCaller => ({
    user: { id: alice.id, email: alice.email, role: 'user', tier: 'free' },
  });

  /** A new direct chat of alice's with the character (opened with its greeting). */
  const openChat = async (characterId: string): Promise<string> =>
    (await chats.create({ character_id: characterId, force_new: true }, aliceCaller())).chat.id;

  it('gives a refused start back while its chat is being deleted, without a deadlock', async () => {
    const chatId = await openChat(character.id);
    const instanceId = randomUUID();
    const [{ id }] = await t.dataSource.query<Array<{ id: number }>>(
      `INSERT INTO message (chat_id, depth, role, content) VALUES ($1, 2, 'user', 'Hi')
       RETURNING id::int`,
      [chatId],
    );
    await t.dataSource.query(`INSERT INTO chat_generation (chat_id, instance_id) VALUES ($1, $2)`, [
      chatId,
      instanceId,
    ]);
    const outcome = await replayLockRace(t, {
      hold: ['SELECT 1 FROM message WHERE id = $1 FOR UPDATE', [id]],
      first: () => generations.abandonStart(chatId, instanceId, id, new Date()),
      second: () => t.dataSource.query('DELETE FROM chat WHERE id = $1', [chatId]),
    });
    expect(outcome.first.status).toBe('fulfilled');
    expect(outcome.second.status).toBe('fulfilled');
    expect(await messagesOf(t, chatId)).toEqual([]);
  });

  it('edits the last message while its chat is being deleted, without a deadlock', async () => {
    const chatId = await openChat(character.id);
    // The user's message at the end of the active path, under the greeting.
    const [{ parent }] = await t.dataSource.query<Array<{ parent: number }>>(
      `WITH m AS (
         INSERT INTO message (chat_id, parent_id, depth, role, content)
         SELECT id, leaf_id, message_count + 1, 'user', 'Hi' FROM chat WHERE id = $1
         RETURNING id, parent_id),
       linked AS (
         UPDATE chat SET leaf_id = (SELECT id FROM m), message_count = message_count + 1
         WHERE id = $1)
       SELECT parent_id::int AS parent FROM m`,
      [chatId],
    );
    // Sending it again writes a sibling under the same parent, which is locked for it.
    const outcome = await replayLockRace(t, {
      hold: ['SELECT 1 FROM message WHERE id = $1 FOR UPDATE', [parent]],
      first: () => generations.startResending(chatId, randomUUID(), 'Hello', null),
      second: () => t.dataSource.query('DELETE FROM chat WHERE id = $1', [chatId]),
    });
    expect(outcome.first).toMatchObject({
      status: 'fulfilled',
      value: { userMessageId: expect.any(Number) },
    });
    expect(outcome.second.status).toBe('fulfilled');
    expect(await messagesOf(t, chatId)).toEqual([]);
  });

  it('ends a round while its group chat is being deleted, without a deadlock', async () => {
    const { chat: group } = await chats.create(
      { character_ids: [quiet.id, character.id] },
      aliceCaller(),
    );
    const instanceId = randomUUID();
    const started = await generations.startWithUserMessage(
      group.id,
      { userId: alice.id },
      instanceId,
      'Hello',
      10,
    );
    if (started.status !== 'started') throw new Error(`not started: ${started.status}`);
    const { userMessageId } = started;
    const outcome = await replayLockRace(t, {
      hold: ['SELECT 1 FROM message WHERE id = $1 FOR UPDATE', [userMessageId]],
      // The round nobody answered: its message goes, the chat is free again.
      first: () => generations.abandonStart(group.id, instanceId, userMessageId, new Date()),
      second: () => t.dataSource.query('DELETE FROM chat WHERE id = $1', [group.id]),
    });
    expect(outcome.first.status).toBe('fulfilled');
    expect(outcome.second.status).toBe('fulfilled');
    expect(await messagesOf(t, group.id)).toEqual([]);
  });

  it('notices a reply saved while a message goes in, so the history is read again', async () => {
    const chatId = await openChat(character.id);
    const other = new pg.Client({ connectionString: t.databaseUrl });
    await other.connect();
    try {
      // Another instance saving its reply: the message and the count, not yet committed.
      await other.query('BEGIN');
      await appendToPath(other, chatId, [{ role: 'assistant', content: 'Late.' }]);
      const owner = { userId: alice.id };
      const starting = generations.startWithUserMessage(chatId, owner, randomUUID(), 'Hi', 10);
      // Its snapshot taken, it waits for the chat's row.
      await lockWaiters(t, 1);
      await other.query('COMMIT');
      expect(await starting).toMatchObject({ status: 'started', messageCount: 3, history: null });
      const fresh = await generations.startWithUserMessage(chatId, owner, randomUUID(), 'Hi', 10);
      expect(fresh).toMatchObject({ status: 'busy' });
    } finally {
      await other.end();
    }
    const calm = await openChat(character.id);
    const started = await generations.startWithUserMessage(
      calm,
      { userId: alice.id },
      randomUUID(),
      'Hi',
      10,
    );
    expect(started.status === 'started' && started.history!.map(({ role }) => role)).toEqual([
      'assistant',
    ]);
  });
});
