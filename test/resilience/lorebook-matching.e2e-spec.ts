import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { LOREBOOK_LIMITS } from '../../src/characters/lib/lorebook-limits.js';
import { TokenEstimator } from '../../src/llm/usage/token-estimator.js';
import { llmEnv, openChat, publicCharacter, replyOf, send } from '../chat/chat-support.js';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { whileHealthzPolled } from '../support/healthz.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';

// Issue #24 item 2: whole-word lorebook keys compiled one regex per key per message, outside
// the regex budget; a 194 KB book froze the server 7 s per message, 27 s at 600 KB.

/** Ten times what a message's lorebook takes here at the very worst. */
const HEALTHZ_BOUND_MS = 1000;

/** A ten-character key, distinct for every (entry, key) pair. */
const keyOf = (entry: number, key: number) => `w${String(entry).padStart(4, '0')}x${key}lor`;

/** A whole-word book of `entries` × `keysPerEntry` keys, `contentChars` of content each. */
const wholeWordBook = (entries: number, keysPerEntry: number, contentChars: number) => ({
  name: 'Hostile lore',
  entries: Array.from({ length: entries }, (_, i) => ({
    id: i,
    keys: Array.from({ length: keysPerEntry }, (_, j) => keyOf(i, j)),
    content: `LORE-${i} `.padEnd(contentChars, '.'),
    extensions: { match_whole_words: true },
    enabled: true,
  })),
});

describe('lorebook matching bounds', () => {
  let fake: FakeLlm;
  let t: TestApp;
  let owner: TestUser;

  beforeAll(async () => {
    fake = await startFakeLlm();
    t = await createTestApp({ env: { ...llmEnv(fake), RATE_LIMIT_SCALE: '0' } });
    // As main.ts does before listening: the tokenizer's one-time load (~1 s of CPU) is not
    // what these bounds measure, and a reply now counts its message's tokens.
    await t.app.get(TokenEstimator).warm();
    owner = await createUser(t);
  });

  beforeEach(() => fake.reset());

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('refuses a 600 KB whole-word lorebook on create, edit and import, naming the limit', async () => {
    const hostile = wholeWordBook(1_000, 50, 8);
    expect(JSON.stringify(hostile).length).toBeGreaterThan(600_000);
    const limit = 'character_book may hold at most 5,000 keys in all (it has 50,000)';

    const created = await t.http
      .post('/api/characters')
      .set(owner.auth)
      .send({ name: 'Hostile', character_book: hostile })
      .expect(400);
    expect(created.body).toMatchObject({ status_code: 400, request_id: expect.any(String) });
    expect(String(created.body.message)).toContain(limit);

    const existing = await publicCharacter(t, owner);
    const edited = await t.http
      .put(`/api/characters/${existing.id}`)
      .set(owner.auth)
      .send({ character_book: hostile })
      .expect(400);
    expect(String(edited.body.message)).toContain(limit);

    const imported = await t.http
      .post('/api/characters/import')
      .set(owner.auth)
      .send({
        spec: 'chara_card_v2',
        spec_version: '2.0',
        data: { name: 'Hostile', character_book: hostile },
      })
      .expect(400);
    expect(String(imported.body.message)).toContain(limit);
    const [{ count }] = await t.dataSource.query<Array<{ count: string }>>(
      `SELECT count(*) FROM character WHERE owner_id = $1 AND character_book IS NOT NULL`,
      [owner.id],
    );
    expect(Number(count)).toBe(0);
  });

  it('answers against a whole-word lorebook at the limits while /api/healthz stays quick', async () => {
    const { entries, keys, keyChars, contentChars } = LOREBOOK_LIMITS;
    const book = wholeWordBook(entries, keys / entries, contentChars / entries);
    // At every limit at once: 5,000 keys of 10 characters, 400,000 content characters.
    expect(keys * keyOf(0, 0).length).toBe(keyChars);
    const character = await publicCharacter(t, owner);
    await t.http
      .put(`/api/characters/${character.id}`)
      .set(owner.auth)
      .send({ character_book: book })
      .expect(200);
    const chatId = await openChat(t, owner.auth, character.id);

    // 10,000 characters: a key of every 50th entry, whole, among near misses of the others.
    const words: string[] = [];
    for (let i = 0; words.join(' ').length < 9_900; i++) {
      const entry = i % entries;
      words.push(entry % 50 === 0 ? keyOf(entry, 1) : `${keyOf(entry, i % 5)}s`);
    }
    const content = words.join(' ').slice(0, 10_000).replace(/\S*$/, '').trim();

    for (const round of [1, 2]) {
      fake.script({ content: `Reply ${round}.` });
      const { result, answersMs } = await whileHealthzPolled(
        t,
        send(t, owner.auth, chatId, { content }),
      );
      expect(result.status).toBe(200);
      expect(replyOf(result.events).last).toMatchObject({ type: 'done' });
      expect(answersMs.length).toBeGreaterThan(0);
      expect(Math.max(...answersMs)).toBeLessThan(HEALTHZ_BOUND_MS);
    }

    // Nothing lost: both exchanges saved, each reply with the entries its keys fired, and only
    // those (the book's token budget keeps the first ones by insertion order).
    const rows = await t.dataSource.query<
      Array<{ role: string; content: string; lorebook_entries: Array<{ id: number }> | null }>
    >(`SELECT role, content, lorebook_entries FROM message WHERE chat_id = $1 ORDER BY id`, [
      chatId,
    ]);
    expect(rows.map((row) => row.role)).toEqual([
      'assistant',
      'user',
      'assistant',
      'user',
      'assistant',
    ]);
    expect(rows[2].content).toBe('Reply 1.');
    expect(rows[4].content).toBe('Reply 2.');
    for (const reply of [rows[2], rows[4]]) {
      const fired = (reply.lorebook_entries ?? []).map((ref) => ref.id);
      expect(fired.length).toBeGreaterThan(0);
      expect(fired.every((id) => id % 50 === 0)).toBe(true);
    }
    const system = (fake.requests.at(-1)!.body!.messages as Array<{ content: string }>)[0];
    expect(system.content).toContain('LORE-0 ');
    expect(system.content).not.toContain('LORE-1 ');
  });
});
