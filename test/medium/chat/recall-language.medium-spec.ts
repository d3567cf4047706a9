import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { FullTextRetriever } from '../../../src/chat/memory/full-text-retriever.js';
import { createMediumModule, type MediumModule } from '../../support/medium.js';
import { appendToPath } from '../../support/messages.js';

/**
 * Recall in the chat's language (issue #18 item 3): the full-text retriever matches inflected
 * forms through the chat's text-search configuration (message.recall_vector, kept by a trigger
 * on insert and edit), on a real database.
 */
describe('FullTextRetriever in the chat language (medium)', () => {
  let medium: MediumModule;
  let retriever: FullTextRetriever;
  let userId: string;
  let characterId: string;

  beforeAll(async () => {
    medium = await createMediumModule();
    retriever = new FullTextRetriever(medium.dataSource);
    [{ id: userId }] = await medium.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO app_user (email) VALUES ('recall@medium.test') RETURNING id`,
    );
    [{ id: characterId }] = await medium.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO character (slug, owner_id, name, description, greeting, is_public, avatar_url,
                              languages)
       VALUES ('mira-recall', $1, 'Mira', 'A keeper.', 'Hello.', true, '/a.png', '{en,ru}')
       RETURNING id`,
      [userId],
    );
  });

  afterAll(async () => {
    await medium?.close();
  });

  /** A chat in `language` whose story is `lines` then 40 more; recall sees all but those 40. */
  async function chatWith(language: string, lines: string[]) {
    const [{ id }] = await medium.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO chat (user_id, character_id, kind, language, message_count)
       VALUES ($1, $2, 'direct', $3, 0) RETURNING id`,
      [userId, characterId, language],
    );
    await appendToPath(medium.dataSource, id, [
      ...lines.map((content) => ({ role: 'user' as const, content })),
      ...Array.from({ length: 40 }, (_, i) => ({
        role: 'assistant' as const,
        content: `${i}: the lamp burns`,
      })),
    ]);
    const [{ window_start }] = await medium.dataSource.query<Array<{ window_start: string }>>(
      `SELECT max(id) - 39 AS window_start FROM message WHERE chat_id = $1`,
      [id],
    );
    return { chatId: id as string, beforeId: Number(window_start) };
  }

  it('recalls a Russian message by an inflected form of its word', async () => {
    const chat = await chatWith('ru', [
      'Моя сестра Яра держит пчёл в Лиссабоне.',
      'Погода сегодня тёплая.',
    ]);
    const found = await retriever.recall({ ...chat, text: 'Как дела у моей сестры?', limit: 4 });
    expect(found.map((passage) => passage.content)).toEqual([
      'Моя сестра Яра держит пчёл в Лиссабоне.',
    ]);
  });

  it('stems English and leaves stop words out', async () => {
    const chat = await chatWith('en', [
      'Yara keeps bees near the harbour.',
      'There would have been more of them.',
    ]);
    const found = await retriever.recall({
      ...chat,
      text: 'Is she still keeping those bee hives?',
      limit: 4,
    });
    expect(found.map((passage) => passage.content)).toEqual(['Yara keeps bees near the harbour.']);
  });

  it('searches the edited text of a message', async () => {
    const chat = await chatWith('de', ['Der Leuchtturm steht am Hafen.']);
    await medium.dataSource.query(
      `UPDATE message SET content = 'Die Schwestern wohnen in Lissabon.'
       WHERE chat_id = $1 AND content = 'Der Leuchtturm steht am Hafen.'`,
      [chat.chatId],
    );
    expect(await retriever.recall({ ...chat, text: 'Wo ist der Leuchtturm?', limit: 4 })).toEqual(
      [],
    );
    const found = await retriever.recall({ ...chat, text: 'Und deine Schwester?', limit: 4 });
    expect(found.map((passage) => passage.content)).toEqual(['Die Schwestern wohnen in Lissabon.']);
  });

  it('leaves out a passage off the active path and keeps its on-path sibling', async () => {
    const chat = await chatWith('en', [
      'The harbour bell rang twice.',
      'Mira hid the silver compass.',
      'We sailed at dawn.',
    ]);
    // Another version of the second message, as an edit leaves it: a sibling, not active.
    await medium.dataSource.query(
      `INSERT INTO message (chat_id, parent_id, depth, role, content)
       SELECT chat_id, parent_id, depth, role, 'Mira sold the silver compass.'
       FROM message WHERE chat_id = $1 AND content = 'Mira hid the silver compass.'`,
      [chat.chatId],
    );
    const found = await retriever.recall({
      ...chat,
      beforeId: Number.MAX_SAFE_INTEGER,
      text: 'Where is the compass?',
      limit: 4,
    });
    expect(found.map((passage) => passage.content)).toEqual(['Mira hid the silver compass.']);
  });

  it('leaves out a passage under another opening than the one the story now starts from', async () => {
    const chat = await chatWith('en', ['Mira waves.', 'Yara keeps goats in the hills.']);
    const ask = () =>
      retriever.recall({
        ...chat,
        beforeId: Number.MAX_SAFE_INTEGER,
        text: 'How are the goats?',
        limit: 4,
      });
    expect((await ask()).map((passage) => passage.content)).toEqual([
      'Yara keeps goats in the hills.',
    ]);
    // An alternate greeting becomes the story's start and goes on as long: the first opening
    // keeps its branch, each message still naming the next as its active child.
    const [{ id: opening }] = await medium.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO message (chat_id, depth, role, content)
       VALUES ($1, 1, 'assistant', 'Mira sleeps.') RETURNING id`,
      [chat.chatId],
    );
    await medium.dataSource.query(`UPDATE chat SET leaf_id = $2, message_count = 1 WHERE id = $1`, [
      chat.chatId,
      opening,
    ]);
    await appendToPath(
      medium.dataSource,
      chat.chatId,
      Array.from({ length: 45 }, (_, i) => ({ role: 'user' as const, content: `${i}: calm sea` })),
    );
    expect(await ask()).toEqual([]);
  });

  it('leaves out a message the newest turn shares no word with', async () => {
    const chat = await chatWith('fr', ['Le phare veille sur le port.']);
    expect(
      await retriever.recall({ ...chat, text: 'Bonjour, comment allez-vous?', limit: 4 }),
    ).toEqual([]);
  });
});
