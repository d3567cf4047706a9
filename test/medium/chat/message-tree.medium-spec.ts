import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ChatCaller } from '../../../src/chat/chat-caller.js';
import { ChatModule } from '../../../src/chat/chat.module.js';
import { ChatService } from '../../../src/chat/chat.service.js';
import { MessageTreeRepository } from '../../../src/chat/message-tree.repository.js';
import { createMediumModule, type MediumModule } from '../../support/medium.js';
import { appendToPath } from '../../support/messages.js';
import { createUser, type TestUser } from '../../support/users.js';
import { publicCharacter, treeProblems } from '../../chat/chat-support.js';

/**
 * The message tree's pointers when messages go: a message's active child is kept by a trigger
 * (migration MessageActiveChildHot), not a foreign key, so that setting it stays a heap-only
 * update; whatever removes a message leaves no parent naming it.
 */
describe('message tree pointers', () => {
  let t: MediumModule;
  let tree: MessageTreeRepository;
  let chats: ChatService;
  let alice: TestUser;
  let character: { id: string };

  beforeAll(async () => {
    t = await createMediumModule({ imports: [ChatModule] });
    tree = t.app.get(MessageTreeRepository);
    chats = t.app.get(ChatService);
    const [owner, user] = await Promise.all([createUser(t), createUser(t)]);
    alice = user;
    character = await publicCharacter(t, owner);
  });

  afterAll(async () => {
    await t?.close();
  });

  const caller = (): ChatCaller => ({
    user: { id: alice.id, email: alice.email, role: 'user', tier: 'free' },
  });

  /** A chat of the greeting and four more messages; their ids in path order. */
  const storyOfFive = async (): Promise<{ chatId: string; ids: number[] }> => {
    const chatId = (await chats.create({ character_id: character.id, force_new: true }, caller()))
      .chat.id;
    await appendToPath(t.dataSource, chatId, [
      { role: 'user', content: 'One' },
      { role: 'assistant', content: 'Two', characterId: character.id },
      { role: 'user', content: 'Three' },
      { role: 'assistant', content: 'Four', characterId: character.id },
    ]);
    const rows = await t.dataSource.query<Array<{ id: number }>>(
      `SELECT id::int FROM message WHERE chat_id = $1 ORDER BY depth`,
      [chatId],
    );
    return { chatId, ids: rows.map((row) => row.id) };
  };

  const activeChildOf = async (id: number): Promise<number | null> =>
    (
      await t.dataSource.query<Array<{ active_child_id: number | null }>>(
        `SELECT active_child_id::int FROM message WHERE id = $1`,
        [id],
      )
    )[0].active_child_id;

  it('a rewind leaves the new end of the story without an active child', async () => {
    const { chatId, ids } = await storyOfFive();
    expect(await tree.rewind(chatId, ids[2])).toEqual({ status: 'done' });
    expect(await activeChildOf(ids[2])).toBeNull();
    expect(await treeProblems(t, chatId)).toEqual([]);
  });

  it('a message deleted by SQL is forgotten by its parent; its subtree goes with it', async () => {
    const { chatId, ids } = await storyOfFive();
    await t.dataSource.query(`DELETE FROM message WHERE id = $1`, [ids[3]]);
    expect(await activeChildOf(ids[2])).toBeNull();
    const left = await t.dataSource.query<Array<{ id: number }>>(
      `SELECT id::int FROM message WHERE chat_id = $1 ORDER BY id`,
      [chatId],
    );
    expect(left.map((row) => row.id)).toEqual(ids.slice(0, 3));
  });

  it('a deleted inactive sibling leaves the active pointer alone', async () => {
    const { chatId, ids } = await storyOfFive();
    const [{ id: sibling }] = await t.dataSource.query<Array<{ id: number }>>(
      `INSERT INTO message (chat_id, parent_id, depth, role, content)
       SELECT chat_id, parent_id, depth, role, 'Three, told otherwise' FROM message WHERE id = $1
       RETURNING id::int`,
      [ids[3]],
    );
    await t.dataSource.query(`DELETE FROM message WHERE id = $1`, [sibling]);
    expect(await activeChildOf(ids[2])).toBe(ids[3]);
    expect(await treeProblems(t, chatId)).toEqual([]);
  });
});
