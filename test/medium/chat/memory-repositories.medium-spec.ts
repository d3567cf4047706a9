import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ChatCaller } from '../../../src/chat/chat-caller.js';
import { ChatModule } from '../../../src/chat/chat.module.js';
import { ChatService } from '../../../src/chat/chat.service.js';
import { CharacterMemoryRepository } from '../../../src/chat/memory/character-memory.repository.js';
import { ChatMemoryRepository } from '../../../src/chat/memory/chat-memory.repository.js';
import { MessageTreeRepository } from '../../../src/chat/message-tree.repository.js';
import { publicCharacter } from '../../chat/chat-support.js';
import { createMediumModule, type MediumModule } from '../../support/medium.js';
import { appendToPath } from '../../support/messages.js';
import { createUser, type TestUser } from '../../support/users.js';

/** The memory repositories on a real database: merging, superseding, the active path, notes. */
describe('memory repositories', () => {
  let t: MediumModule;
  let facts: CharacterMemoryRepository;
  let panel: ChatMemoryRepository;
  let alice: TestUser;
  let characterId: string;

  beforeAll(async () => {
    t = await createMediumModule({ imports: [ChatModule] });
    facts = t.app.get(CharacterMemoryRepository);
    panel = t.app.get(ChatMemoryRepository);
    const owner = await createUser(t);
    alice = await createUser(t);
    characterId = (await publicCharacter(t, owner, { greeting: '' })).id;
  });

  afterAll(async () => {
    await t?.close();
  });

  /** A new chat of Alice's with `lines` messages, user first; their ids in order. */
  const chatWith = async (lines: string[]): Promise<{ chatId: string; ids: number[] }> => {
    const caller: ChatCaller = {
      user: { id: alice.id, email: alice.email, role: 'user', tier: 'free' },
    };
    const chatId = (
      await t.app.get(ChatService).create({ character_id: characterId, force_new: true }, caller)
    ).chat.id;
    await appendToPath(
      t.dataSource,
      chatId,
      lines.map((content, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content })),
    );
    const rows = await t.dataSource.query<Array<{ id: string }>>(
      `SELECT id FROM message WHERE chat_id = $1 ORDER BY depth`,
      [chatId],
    );
    return { chatId, ids: rows.map((row) => Number(row.id)) };
  };
  const owner = (chatId: string) => ({ userId: alice.id, characterId, chatId, chatOnly: false });
  const fact = (text: string, sourceMessageIds: number[], extra = {}) => ({
    text,
    kind: 'person' as const,
    importance: 3,
    sourceMessageIds,
    ...extra,
  });

  it('keeps one fact learned twice (same words, or same_as), joining sources, the higher importance', async () => {
    const { chatId, ids } = await chatWith(['My dog is Rex.', 'Nice.', 'Rex barks.', 'Ha.']);
    const [rex] = await facts.merge(owner(chatId), [fact('Alex has a dog called Rex.', [ids[0]])]);
    expect(
      await facts.merge(owner(chatId), [
        fact('Alex has a dog called Rex.', [ids[2]], { importance: 5 }),
      ]),
    ).toEqual([]);
    expect(
      await facts.merge(owner(chatId), [fact('Rex is Alex’s dog.', [ids[2]], { sameAs: rex })]),
    ).toEqual([]);
    const list = await facts.list(alice.id, characterId, { limit: 50 });
    const kept = list.filter((memory) => memory.chatId === chatId);
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ id: rex, importance: 5 });
    expect([...kept[0].sourceMessageIds].sort((a, b) => a - b)).toEqual([ids[0], ids[2]]);
  });

  it('supersedes a contradicted fact and keeps it as history; prompts carry the new one', async () => {
    const { chatId, ids } = await chatWith([
      'I live in Porto.',
      'Ok.',
      'I moved to Lisbon.',
      'Oh.',
    ]);
    const [porto] = await facts.merge(owner(chatId), [fact('Alex lives in Porto.', [ids[0]])]);
    const [lisbon] = await facts.merge(owner(chatId), [
      fact('Alex lives in Lisbon.', [ids[2]], { replaces: porto }),
    ]);
    const history = await facts.list(alice.id, characterId, { history: true, limit: 50 });
    expect(history.find((memory) => memory.id === porto)).toMatchObject({ supersededBy: lisbon });
    const current = await facts.list(alice.id, characterId, { limit: 50 });
    expect(current.map((memory) => memory.id)).not.toContain(porto);
    const prompt = await facts.forPrompt(alice.id, characterId, chatId, 50);
    expect(prompt.map((memory) => memory.id)).toContain(lisbon);
    expect(prompt.map((memory) => memory.id)).not.toContain(porto);
  });

  it('leaves out a fact whose only source is off the active path, and uses it again once back', async () => {
    const { chatId, ids } = await chatWith(['Hi.', 'I keep a secret key.']);
    const [key] = await facts.merge(owner(chatId), [fact('Mira keeps a secret key.', [ids[1]])]);
    expect((await facts.forPrompt(alice.id, characterId, chatId, 50)).map((m) => m.id)).toContain(
      key,
    );
    // Another reply to the first message becomes the active one: the source is off the path.
    const [other] = await t.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO message (chat_id, parent_id, depth, role, content)
       VALUES ($1, $2, 2, 'assistant', 'I keep nothing.') RETURNING id`,
      [chatId, ids[0]],
    );
    await t.dataSource.query(`UPDATE message SET active_child_id = $2 WHERE id = $1`, [
      ids[0],
      other.id,
    ]);
    await t.dataSource.query(`UPDATE chat SET leaf_id = $2 WHERE id = $1`, [chatId, other.id]);
    expect(
      (await facts.forPrompt(alice.id, characterId, chatId, 50)).map((m) => m.id),
    ).not.toContain(key);
    await t.dataSource.query(`UPDATE message SET active_child_id = $2 WHERE id = $1`, [
      ids[0],
      ids[1],
    ]);
    expect((await facts.forPrompt(alice.id, characterId, chatId, 50)).map((m) => m.id)).toContain(
      key,
    );
  });

  it('leaves out a fact once every message it came from is deleted or rewound away', async () => {
    const { chatId, ids } = await chatWith([
      'I have a cat, Pip.',
      'Cute.',
      'I was born in Bergen.',
      'Nice.',
      'Pip is old now.',
      'Aw.',
    ]);
    const tree = t.app.get(MessageTreeRepository);
    const [pip] = await facts.merge(owner(chatId), [
      fact('Alex has a cat, Pip.', [ids[0], ids[4]]),
    ]);
    const [bergen] = await facts.merge(owner(chatId), [fact('Alex was born in Bergen.', [ids[2]])]);
    const [written] = await facts.merge(owner(chatId), [fact('Alex likes tea.', [])]);
    const used = async () =>
      (await facts.forPrompt(alice.id, characterId, chatId, 50)).map((memory) => memory.id);
    // New facts (merge answers only the ids it added), all used while their sources stand.
    expect([pip, bergen, written]).toEqual([
      expect.any(Number),
      expect.any(Number),
      expect.any(Number),
    ]);
    expect(await used()).toEqual(expect.arrayContaining([pip, bergen, written]));

    expect(await tree.remove(chatId, ids[2])).toEqual({ status: 'done' });
    expect(await used()).not.toContain(bergen);
    // One of two sources gone: the other still holds the fact.
    expect(await tree.remove(chatId, ids[0])).toEqual({ status: 'done' });
    expect(await used()).toContain(pip);
    // Rewound to before its last source.
    expect(await tree.rewind(chatId, ids[3])).toEqual({ status: 'done' });
    expect(await used()).not.toContain(pip);
    // Written by the user (no sources): always used.
    expect(await used()).toContain(written);
  });

  it('leaves out a fact learned after another opening than the one the story now starts from', async () => {
    const { chatId, ids } = await chatWith(['Hi.', 'I keep a silver key.']);
    const [key] = await facts.merge(owner(chatId), [fact('Mira keeps a silver key.', [ids[1]])]);
    expect(key).toEqual(expect.any(Number));
    // A second opening (an alternate greeting) becomes the story's start: the first one keeps
    // its branch, each of its messages still naming the next as its active child.
    const [opening] = await t.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO message (chat_id, depth, role, content)
       VALUES ($1, 1, 'assistant', 'Another opening.') RETURNING id`,
      [chatId],
    );
    await t.dataSource.query(`UPDATE chat SET leaf_id = $2, message_count = 1 WHERE id = $1`, [
      chatId,
      opening.id,
    ]);
    await appendToPath(t.dataSource, chatId, [{ role: 'user', content: 'I keep a gold coin.' }]);
    const [said] = await t.dataSource.query<Array<{ id: string }>>(
      `SELECT id FROM message WHERE parent_id = $1`,
      [opening.id],
    );
    const [coin] = await facts.merge(owner(chatId), [
      fact('Alex keeps a gold coin.', [Number(said.id)]),
    ]);
    const used = async () =>
      (await facts.forPrompt(alice.id, characterId, chatId, 50)).map((memory) => memory.id);
    expect(await used()).toContain(coin);
    expect(await used()).not.toContain(key);

    // Back to the first opening's story.
    await t.dataSource.query(`UPDATE chat SET leaf_id = $2, message_count = 2 WHERE id = $1`, [
      chatId,
      ids[1],
    ]);
    expect(await used()).toContain(key);
    expect(await used()).not.toContain(coin);
  });

  it('saves pinned notes in order: listed ids keep their note, others go; the summary is marked edited', async () => {
    const { chatId } = await chatWith(['Hello.']);
    expect(await panel.save(chatId, { notes: [{ text: 'One.' }, { text: 'Two.' }] })).toBe(true);
    const [one] = await panel.notes(chatId);
    await panel.save(chatId, { notes: [{ text: 'Zero.' }, { id: one.id, text: 'One, edited.' }] });
    const notes = await panel.notes(chatId);
    expect(notes.map((note) => note.text)).toEqual(['Zero.', 'One, edited.']);
    expect(notes[1].id).toBe(one.id);
    await panel.save(chatId, { summary: 'They met.' });
    const state = await panel.read(chatId);
    expect(state).toMatchObject({ summary: 'They met.', notes });
    expect(state?.summaryEditedAt).toBeInstanceOf(Date);
    expect(await panel.save('00000000-0000-4000-8000-000000000000', { summary: 'x' })).toBe(false);
  });
});
