import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { parseSillyTavernDate } from '../../src/chat/sillytavern-chat.js';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { appendToPath } from '../support/messages.js';
import { stalledDownloads } from '../support/stalled-downloads.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { guest, llmEnv, openChat, publicCharacter, send, stream } from './chat-support.js';
import { rowCachesCaughtUp } from '../support/row-caches.js';

type Line = Record<string, unknown>;

/** Chat files the first app writes at once. */
const EXPORT_CONCURRENCY = 2;

/** A JSONL file's lines, parsed. */
const linesOf = (text: string): Line[] =>
  text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Line);

const jsonl = (lines: readonly unknown[]) => lines.map((line) => JSON.stringify(line)).join('\n');

/** A date as SillyTavern writes it, as an instant (the forms differ, the moment must not). */
const instant = (value: unknown): string | undefined => parseSillyTavernDate(value)?.toISOString();

/**
 * A chat as SillyTavern saves one (public/script.js saveChat, sendMessageAsUser, the swipe
 * code and /sys narrator lines): a header, then the greeting with an alternate greeting as a
 * swipe, the user's lines (with SillyTavern's own extra fields), a character's message with
 * three swipes of which the second is shown, a narrator line, and a last exchange.
 */
const SILLYTAVERN_CHAT: Line[] = [
  {
    user_name: 'Alex',
    character_name: 'Seraphina',
    create_date: '2024-7-12@01h31m37s',
    chat_metadata: { note_prompt: '', note_interval: 1, note_position: 1, note_depth: 4 },
  },
  {
    name: 'Seraphina',
    is_user: false,
    is_system: false,
    send_date: 'July 12, 2024 1:31am',
    mes: '*Seraphina tends the fire.*\nYou are awake at last.',
    extra: {},
    swipe_id: 0,
    swipes: [
      '*Seraphina tends the fire.*\nYou are awake at last.',
      '*A bird sings.* Welcome back.',
    ],
    swipe_info: [],
  },
  {
    name: 'Alex',
    is_user: true,
    is_system: false,
    send_date: 'July 12, 2024 1:32am',
    mes: 'Where am I?',
    extra: { isSmallSys: false },
    force_avatar: 'User Avatars/alex.png',
  },
  {
    name: 'Seraphina',
    is_user: false,
    is_system: false,
    send_date: '2024-7-12 @01h 33m 05s 250ms',
    mes: 'In my glade, where the wolves cannot follow.',
    extra: { api: 'openai', model: 'gpt-4o' },
    gen_started: '2024-07-12T01:33:04.000Z',
    gen_finished: '2024-07-12T01:33:05.250Z',
    swipe_id: 1,
    swipes: [
      'In the Eldergrove forest.',
      'In my glade, where the wolves cannot follow.',
      'Somewhere quiet and safe.',
    ],
    swipe_info: [
      { send_date: '2024-7-12 @01h 32m 40s 100ms', extra: { api: 'openai', model: 'gpt-4o' } },
      { send_date: '2024-7-12 @01h 33m 05s 250ms', extra: { api: 'openai', model: 'gpt-4o' } },
      { send_date: '2024-7-12 @01h 33m 30s 05ms', extra: { api: 'openai', model: 'gpt-4o' } },
    ],
  },
  {
    name: 'System',
    is_user: false,
    is_system: true,
    send_date: 'July 12, 2024 1:35am',
    mes: 'The night grows colder.',
    extra: { type: 'narrator', isSmallSys: false },
    force_avatar: 'img/five.png',
  },
  {
    name: 'Alex',
    is_user: true,
    is_system: false,
    send_date: 'July 12, 2024 1:36am',
    mes: 'Thank you, Seraphina.',
    extra: {},
  },
  {
    name: 'Seraphina',
    is_user: false,
    is_system: false,
    send_date: 'July 12, 2024 1:37am',
    mes: 'Rest now. I will keep watch.',
    extra: {},
    swipe_id: 0,
    swipes: ['Rest now. I will keep watch.'],
    swipe_info: [{ send_date: 'July 12, 2024 1:37am', extra: {} }],
  },
];

/** What must come back equal: every field of a message line SillyTavern reads, dates as instants. */
const comparable = (line: Line) => ({
  name: line.name,
  is_user: line.is_user,
  is_system: line.is_system,
  mes: line.mes,
  send_date: instant(line.send_date),
  swipes: line.swipes,
  swipe_id: line.swipe_id,
});

describe('chat management', () => {
  let fake: FakeLlm;
  let t: TestApp;
  let owner: TestUser;
  let alice: TestUser;
  let bob: TestUser;
  let mira: { id: string; slug: string };

  beforeAll(async () => {
    fake = await startFakeLlm();
    t = await createTestApp({
      env: {
        ...llmEnv(fake),
        RATE_LIMIT_SCALE: '0',
        CHAT_EXPORT_CONCURRENCY: String(EXPORT_CONCURRENCY),
      },
    });
    [owner, alice, bob] = await Promise.all([createUser(t), createUser(t), createUser(t)]);
    mira = await publicCharacter(t, owner, { name: 'Mira' });
  });

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  /** A character of `user`'s own (public, so others can see but not import into it). */
  const ownCharacter = async (user: TestUser, name: string, alternates: string[] = []) => {
    const character = await publicCharacter(t, user, { name, greeting: `${name} smiles.` });
    await t.dataSource.query(`UPDATE character SET alternate_greetings = $2 WHERE id = $1`, [
      character.id,
      JSON.stringify(alternates),
    ]);
    await rowCachesCaughtUp(t);
    return character;
  };

  /** Walks the chat's whole tree: every invariant of the message tree, as broken rows. */
  const treeProblems = async (chatId: string): Promise<unknown[]> =>
    t.dataSource.query(
      `SELECT m.id, 'parent' AS problem FROM message m JOIN message p ON p.id = m.parent_id
       WHERE m.chat_id = $1 AND (p.chat_id <> m.chat_id OR p.id >= m.id OR m.depth <> p.depth + 1)
       UNION ALL
       SELECT m.id, 'root depth' FROM message m
       WHERE m.chat_id = $1 AND m.parent_id IS NULL AND m.depth <> 1
       UNION ALL
       SELECT m.id, 'active child' FROM message m JOIN message a ON a.id = m.active_child_id
       WHERE m.chat_id = $1 AND a.parent_id IS DISTINCT FROM m.id
       UNION ALL
       SELECT c.leaf_id, 'count' FROM chat c JOIN message l ON l.id = c.leaf_id
       WHERE c.id = $1 AND (c.message_count <> l.depth OR l.active_child_id IS NOT NULL)`,
      [chatId],
    );

  describe('rename', () => {
    it('renames my chat without moving it in my list, and clears the title with ""', async () => {
      const chatId = await openChat(t, alice.auth, mira.id);
      const before = await t.http.get(`/api/chats/${chatId}`).set(alice.auth).expect(200);
      const renamed = await t.http
        .patch(`/api/chats/${chatId}`)
        .set(alice.auth)
        .send({ title: '  The lighthouse at dusk  ' })
        .expect(200);
      expect(renamed.body).toMatchObject({
        id: chatId,
        title: 'The lighthouse at dusk',
        character: { id: mira.id, name: 'Mira' },
        updated_at: before.body.updated_at,
      });
      const read = await t.http.get(`/api/chats/${chatId}`).set(alice.auth).expect(200);
      expect(read.body.title).toBe('The lighthouse at dusk');

      const longest = 'T'.repeat(200);
      await t.http
        .patch(`/api/chats/${chatId}`)
        .set(alice.auth)
        .send({ title: longest })
        .expect(200);
      const cleared = await t.http
        .patch(`/api/chats/${chatId}`)
        .set(alice.auth)
        .send({ title: '' })
        .expect(200);
      expect(cleared.body.title).toBeNull();
    });

    it('refuses bad titles, and other people’s chats as if they did not exist', async () => {
      const chatId = await openChat(t, alice.auth, mira.id);
      const refused = async (body: unknown, pattern: RegExp) => {
        const res = await t.http
          .patch(`/api/chats/${chatId}`)
          .set(alice.auth)
          .send(body as object);
        expect({ status: res.status, message: res.body.message }).toEqual({
          status: 400,
          message: expect.stringMatching(pattern),
        });
      };
      await refused({ title: 'T'.repeat(201) }, /title must be shorter than or equal to 200/);
      await refused({ title: 'two\nlines' }, /title must not contain control characters/);
      await refused({ title: 5 }, /title must be a string/);
      await refused({}, /title must be a string/);
      await refused({ title: 'ok', kind: 'group' }, /property kind should not exist/);

      await t.http.patch(`/api/chats/${chatId}`).set(bob.auth).send({ title: 'Mine' }).expect(404);
      await t.http.patch(`/api/chats/${chatId}`).set(guest()).send({ title: 'Mine' }).expect(404);
      await t.http.patch(`/api/chats/not-a-uuid`).set(alice.auth).send({ title: 'x' }).expect(400);
      const kept = await t.http.get(`/api/chats/${chatId}`).set(alice.auth).expect(200);
      expect(kept.body.title).toBeNull();
    });

    it('lets a guest rename its own chat', async () => {
      const session = guest();
      const chatId = await openChat(t, session, mira.id);
      const res = await t.http
        .patch(`/api/chats/${chatId}`)
        .set(session)
        .send({ title: 'Guest story' })
        .expect(200);
      expect(res.body.title).toBe('Guest story');
    });
  });

  describe('search', () => {
    const search = (who: Record<string, string>, query: Record<string, string>) =>
      t.http.get('/api/chats/search').query(query).set(who);

    it('finds words in my chats only, in every language, highlighted and HTML-escaped', async () => {
      const [user, other] = await Promise.all([createUser(t), createUser(t)]);
      const first = await openChat(t, user.auth, mira.id);
      const second = await openChat(t, user.auth, mira.id);
      const theirs = await openChat(t, other.auth, mira.id);
      await appendToPath(t.dataSource, first, [
        { role: 'user', content: 'Is a TEMPEST coming? <script>alert(1)</script> & be "honest".' },
        { role: 'assistant', content: 'Буря мглою небо кроет.', characterId: mira.id },
        { role: 'user', content: 'Der Sturm zieht über die Küste.' },
      ]);
      // The snippet's markers are characters no stored text keeps.
      await appendToPath(t.dataSource, second, [
        { role: 'user', content: 'The tempest passed \uE000at\uE001 dawn.' },
      ]);
      await appendToPath(t.dataSource, theirs, [
        { role: 'user', content: 'tempest tempest tempest' },
      ]);

      const found = await search(user.auth, { q: 'tempest' }).expect(200);
      expect(found.body.next_cursor).toBeNull();
      expect(found.body.items).toEqual([
        {
          chat_id: second,
          message_id: expect.any(Number),
          snippet: 'The <mark>tempest</mark> passed at dawn.',
          created_at: expect.any(String),
        },
        {
          chat_id: first,
          message_id: expect.any(Number),
          snippet: expect.stringContaining('Is a <mark>TEMPEST</mark> coming?'),
          created_at: expect.any(String),
        },
      ]);
      const escaped = found.body.items[1].snippet as string;
      expect(escaped).toContain('&amp; be &quot;honest&quot;.');
      // Nothing of the message reaches the page as markup: the only tags are the marks.
      expect(escaped.replace(/<\/?mark>/g, '')).not.toMatch(/[<>"]/);
      expect(found.body.items[0].message_id).toBeGreaterThan(found.body.items[1].message_id);

      const russian = await search(user.auth, { q: 'БУРЯ' }).expect(200);
      expect(russian.body.items.map((item: { snippet: string }) => item.snippet)).toEqual([
        '<mark>Буря</mark> мглою небо кроет.',
      ]);
      const german = await search(user.auth, { q: 'küste sturm' }).expect(200);
      expect(german.body.items).toHaveLength(1);
      const phrase = await search(user.auth, { q: '"tempest coming"' }).expect(200);
      expect(phrase.body.items.map((item: { chat_id: string }) => item.chat_id)).toEqual([first]);
      const without = await search(user.auth, { q: 'tempest -dawn' }).expect(200);
      expect(without.body.items.map((item: { chat_id: string }) => item.chat_id)).toEqual([first]);
      const nothing = await search(user.auth, { q: 'lighthouse' }).expect(200);
      expect(nothing.body).toEqual({ items: [], next_cursor: null });
      const punctuation = await search(user.auth, { q: '!!!' }).expect(200);
      expect(punctuation.body.items).toEqual([]);

      const theirsFound = await search(other.auth, { q: 'tempest' }).expect(200);
      expect(theirsFound.body.items.map((item: { chat_id: string }) => item.chat_id)).toEqual([
        theirs,
      ]);
    });

    it('answers newest first, a page at a time', async () => {
      const user = await createUser(t);
      const chatId = await openChat(t, user.auth, mira.id);
      await appendToPath(
        t.dataSource,
        chatId,
        Array.from({ length: 25 }, (_, i) => ({
          role: 'user' as const,
          content: `The lantern number ${i + 1} flickers.`,
        })),
      );
      const first = await search(user.auth, { q: 'lantern' }).expect(200);
      expect(first.body.items).toHaveLength(20);
      expect(first.body.next_cursor).toEqual(expect.stringMatching(/^\d+$/));
      const second = await search(user.auth, {
        q: 'lantern',
        cursor: first.body.next_cursor,
      }).expect(200);
      expect(second.body.items).toHaveLength(5);
      expect(second.body.next_cursor).toBeNull();
      const contents = [...first.body.items, ...second.body.items].map(
        (item: { snippet: string }) => Number(/number (\d+)/.exec(item.snippet)?.[1]),
      );
      expect(contents).toEqual(Array.from({ length: 25 }, (_, i) => 25 - i));
      const small = await search(user.auth, { q: 'lantern', limit: '3' }).expect(200);
      expect(small.body.items).toHaveLength(3);
    });

    it('gives guests their own chats only', async () => {
      const session = guest();
      const chatId = await openChat(t, session, mira.id);
      await appendToPath(t.dataSource, chatId, [{ role: 'user', content: 'A guest whisper.' }]);
      const mine = await search(session, { q: 'whisper' }).expect(200);
      expect(mine.body.items.map((item: { chat_id: string }) => item.chat_id)).toEqual([chatId]);
      const other = await search(guest(), { q: 'whisper' }).expect(200);
      expect(other.body.items).toEqual([]);
      const user = await search(alice.auth, { q: 'whisper' }).expect(200);
      expect(user.body.items).toEqual([]);
      await t.http.get('/api/chats/search?q=whisper').expect(400);
    });

    it('refuses a missing, empty or too long query and a forged cursor', async () => {
      for (const query of [
        {},
        { q: '' },
        { q: '   ' },
        { q: 'x'.repeat(201) },
        { q: 'two\u0007words' },
        { q: 'storm', cursor: 'abc' },
        { q: 'storm', cursor: '0' },
        { q: 'storm', limit: '51' },
      ]) {
        const res = await search(alice.auth, query as Record<string, string>);
        expect({ query, status: res.status }).toEqual({ query, status: 400 });
      }
      await search(alice.auth, { q: 'x'.repeat(200) }).expect(200);
    });

    it('matches the full-text index (ix_message_search)', async () => {
      const plan = await t.dataSource.transaction(async (manager) => {
        await manager.query('SET LOCAL enable_seqscan = off');
        return manager.query<Array<{ 'QUERY PLAN': string }>>(
          `EXPLAIN SELECT id FROM message m
           WHERE to_tsvector('simple', m.content) @@ websearch_to_tsquery('simple', 'storm')`,
        );
      });
      expect(plan.map((row) => row['QUERY PLAN']).join('\n')).toContain('ix_message_search');
    });
  });

  describe('export', () => {
    /** Alice's chat: a greeting with an alternate, her message, and three replies to it. */
    async function chatWithSwipes(): Promise<{ chatId: string; characterId: string }> {
      const character = await ownCharacter(alice, 'Mira', ['Mira waves from the pier.']);
      const chatId = await openChat(t, alice.auth, character.id);
      fake.script({ content: 'First answer.' });
      expect((await send(t, alice.auth, chatId)).status).toBe(200);
      for (const content of ['Second answer.', 'Third answer.']) {
        fake.script({ content });
        const res = await stream(t.url, `/api/chats/${chatId}/regenerate`, {
          headers: alice.auth,
          body: {},
        });
        expect(res.status).toBe(200);
        expect((await res.rest()).at(-1)?.type).toBe('done');
      }
      return { chatId, characterId: character.id };
    }

    it('downloads the active path as a SillyTavern chat, alternatives as swipes', async () => {
      const { chatId } = await chatWithSwipes();
      await t.http.patch(`/api/chats/${chatId}`).set(alice.auth).send({ title: 'Pier / "night"' });
      const res = await t.http.get(`/api/chats/${chatId}/export`).set(alice.auth).expect(200);
      expect(res.headers['content-type']).toBe('application/jsonl; charset=utf-8');
      const day = new Date().toISOString().slice(0, 10);
      expect(res.headers['content-disposition']).toBe(
        `attachment; filename="Pier night - ${day}.jsonl"`,
      );
      expect(res.headers['cache-control']).toBe('private, no-cache');
      const [header, ...lines] = linesOf(res.text);
      expect(header).toEqual({
        user_name: 'User',
        character_name: 'Mira',
        create_date: expect.any(String),
        chat_metadata: {},
      });
      expect(Date.now() - Date.parse(instant(header.create_date)!)).toBeLessThan(60_000);
      expect(lines).toEqual([
        {
          name: 'Mira',
          is_user: false,
          is_system: false,
          send_date: expect.any(String),
          mes: 'Mira smiles.',
          extra: {},
          swipes: ['Mira smiles.', 'Mira waves from the pier.'],
          swipe_id: 0,
          swipe_info: [
            { send_date: expect.any(String), extra: {} },
            { send_date: expect.any(String), extra: {} },
          ],
        },
        {
          name: 'User',
          is_user: true,
          is_system: false,
          send_date: expect.any(String),
          mes: 'Hello there',
          extra: {},
        },
        {
          name: 'Mira',
          is_user: false,
          is_system: false,
          send_date: expect.any(String),
          mes: 'Third answer.',
          extra: {},
          swipes: ['First answer.', 'Second answer.', 'Third answer.'],
          swipe_id: 2,
          swipe_info: expect.any(Array),
        },
      ]);
      const [, , reply] = lines;
      expect(reply.send_date).toBe((reply.swipe_info as Line[])[2].send_date);
      const messages = await t.dataSource.query<Array<{ created_at: Date }>>(
        `SELECT created_at FROM message WHERE chat_id = $1 AND content = 'Third answer.'`,
        [chatId],
      );
      expect(instant(reply.send_date)).toBe(messages[0].created_at.toISOString());
    });

    it('downloads the whole tree as JSON, each message marked on or off the active path', async () => {
      const { chatId, characterId } = await chatWithSwipes();
      const res = await t.http
        .get(`/api/chats/${chatId}/export?format=json`)
        .set(alice.auth)
        .expect(200);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.headers['content-disposition']).toMatch(
        /^attachment; filename="Mira - .*\.json"$/,
      );
      const tree = JSON.parse(res.text);
      const rows = await t.dataSource.query<Array<{ id: string }>>(
        `SELECT id FROM message WHERE chat_id = $1 ORDER BY id`,
        [chatId],
      );
      expect(tree.messages.map((message: { id: number }) => message.id)).toEqual(
        rows.map((row) => Number(row.id)),
      );
      const [greeting, alternate, user, first, second, third] = tree.messages;
      expect(tree.chat).toEqual({
        id: chatId,
        kind: 'direct',
        title: null,
        language: 'en',
        persona_name: null,
        character_ids: [characterId],
        leaf_id: third.id,
        created_at: expect.any(String),
      });
      expect(
        tree.messages.map((message: Line) => [message.content, message.parent_id, message.active]),
      ).toEqual([
        ['Mira smiles.', null, true],
        ['Mira waves from the pier.', null, false],
        ['Hello there', greeting.id, true],
        ['First answer.', user.id, false],
        ['Second answer.', user.id, false],
        ['Third answer.', user.id, true],
      ]);
      expect(alternate.role).toBe('assistant');
      expect(first).toEqual({
        id: first.id,
        parent_id: user.id,
        active: false,
        role: 'assistant',
        character_id: characterId,
        content: 'First answer.',
        status: 'complete',
        created_at: expect.any(String),
        edited_at: null,
      });
      expect(second.id).toBeLessThan(third.id);
    });

    /** A chat of `lines` exchanges imported into a character of Alice's: its id and its file. */
    async function longChat(lines: number): Promise<{ chatId: string; file: Line[] }> {
      const character = await ownCharacter(alice, 'Long Story');
      const file: Line[] = [
        { user_name: 'Alex', character_name: 'Long Story', create_date: '2024-7-12@01h31m37s' },
        ...Array.from({ length: lines }, (_, i) => ({
          name: i % 2 ? 'Alex' : 'Long Story',
          is_user: i % 2 === 1,
          is_system: false,
          send_date: '2024-7-12 @01h 33m 05s 250ms',
          mes: `Line ${i + 1} of the long story.`,
          extra: {},
        })),
      ];
      const imported = await t.http
        .post('/api/chats/import')
        .set(alice.auth)
        .send({ character_id: character.id, jsonl: jsonl(file) })
        .expect(201);
      return { chatId: imported.body.id as string, file };
    }

    /** Sessions of this app's database left inside a transaction (a held export's snapshot). */
    const openSnapshots = async (): Promise<number> => {
      const [row] = await t.dataSource.query<Array<{ open: number }>>(
        `SELECT count(*)::int AS open FROM pg_stat_activity
         WHERE datname = current_database() AND state = 'idle in transaction'`,
      );
      return row.open;
    };

    it('writes a chat longer than a batch as it reads it, the same file in either format', async () => {
      const { chatId, file } = await longChat(2_500);
      const res = await t.http.get(`/api/chats/${chatId}/export`).set(alice.auth).expect(200);
      expect(res.headers['transfer-encoding']).toBe('chunked');
      expect(res.headers['content-length']).toBeUndefined();
      expect(res.text.endsWith('\n')).toBe(false);
      const [, ...lines] = linesOf(res.text);
      const spoken = (line: Line) => [line.name, line.is_user, line.mes];
      expect(lines.map(spoken)).toEqual(file.slice(1).map(spoken));

      const tree = JSON.parse(
        (await t.http.get(`/api/chats/${chatId}/export?format=json`).set(alice.auth).expect(200))
          .text,
      );
      expect(tree.messages).toHaveLength(2_500);
      expect(tree.messages.every((message: Line) => message.active)).toBe(true);
      expect(tree.messages.map((message: Line) => message.content)).toEqual(
        file.slice(1).map((line) => line.mes),
      );
      expect(tree.chat.leaf_id).toBe(tree.messages.at(-1).id);
      expect(tree).toMatchObject({ memories: [], pinned_notes: [] });
      expect(await openSnapshots()).toBe(0);
    });

    it(`writes at most ${EXPORT_CONCURRENCY} chat files at once; beyond, 503 with Retry-After`, async () => {
      const { chatId } = await longChat(16);
      // 8 MB (12 with the replies' swipes), far larger than socket buffers: a client that
      // reads nothing stalls its export.
      await t.dataSource.query(
        `UPDATE message SET content = repeat('x', 512 * 1024) WHERE chat_id = $1`,
        [chatId],
      );
      const stalled = await stalledDownloads(
        t,
        `/api/chats/${chatId}/export`,
        alice.auth.Authorization,
        EXPORT_CONCURRENCY,
      );
      const refused = await t.http.get(`/api/chats/${chatId}/export`).set(alice.auth);
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBe('5');
      expect(refused.body.message).toBe('Too many chat exports in progress, retry shortly');

      // A client that goes away gives its slot back.
      stalled[0].destroy();
      let status = 503;
      for (let attempt = 0; attempt < 200 && status === 503; attempt++) {
        status = (await t.http.get(`/api/chats/${chatId}/export`).set(alice.auth)).status;
      }
      expect(status).toBe(200);
      // And its snapshot (with its pooled connection): none is left open once all have gone.
      for (const socket of stalled) socket.destroy();
      let open = await openSnapshots();
      for (let attempt = 0; attempt < 1000 && open > 0; attempt++) open = await openSnapshots();
      expect(open).toBe(0);
    });

    it('tells guests to sign in, hides other people’s chats, and refuses unknown formats', async () => {
      const session = guest();
      const guestChat = await openChat(t, session, mira.id);
      const refused = await t.http.get(`/api/chats/${guestChat}/export`).set(session).expect(403);
      expect(refused.body.message).toBe('Guests cannot export chats: sign in to export one');
      await t.http.get(`/api/chats/${guestChat}/export`).set(guest()).expect(404);
      await t.http.get(`/api/chats/${guestChat}/export`).set(alice.auth).expect(404);
      const chatId = await openChat(t, alice.auth, mira.id);
      await t.http.get(`/api/chats/${chatId}/export`).set(bob.auth).expect(404);
      await t.http.get(`/api/chats/${chatId}/export?format=xml`).set(alice.auth).expect(400);
    });
  });

  describe('import', () => {
    const importFile = (who: Record<string, string>, characterId: string, file: string | Buffer) =>
      t.http
        .post('/api/chats/import')
        .set(who)
        .field('character_id', characterId)
        .attach('file', Buffer.from(file), 'Seraphina - 2024-7-12@01h31m37s imported.jsonl');

    it('imports a SillyTavern chat and exports it back equal on the active path', async () => {
      const seraphina = await ownCharacter(alice, 'Seraphina');
      const imported = await importFile(
        alice.auth,
        seraphina.id,
        jsonl(SILLYTAVERN_CHAT) + '\n',
      ).expect(201);
      expect(imported.body).toMatchObject({
        kind: 'direct',
        character: { id: seraphina.id, name: 'Seraphina' },
        persona_name: 'Alex',
        title: null,
        message_count: 6,
        generating: false,
      });
      expect(imported.body.created_at).toBe('2024-07-12T01:31:37.000Z');
      const chatId = imported.body.id as string;
      expect(await treeProblems(chatId)).toEqual([]);

      // The story as the chat shows it: the swipes shown, with their alternatives counted.
      const page = await t.http.get(`/api/chats/${chatId}/messages`).set(alice.auth).expect(200);
      expect(
        page.body.messages.map((message: Line) => [
          message.role,
          message.content,
          message.alternative_index,
          message.alternative_count,
        ]),
      ).toEqual([
        ['assistant', '*Seraphina tends the fire.*\nYou are awake at last.', 0, 2],
        ['user', 'Where am I?', 0, 1],
        ['assistant', 'In my glade, where the wolves cannot follow.', 1, 3],
        ['system', 'The night grows colder.', 0, 1],
        ['user', 'Thank you, Seraphina.', 0, 1],
        ['assistant', 'Rest now. I will keep watch.', 0, 1],
      ]);

      const exported = await t.http.get(`/api/chats/${chatId}/export`).set(alice.auth).expect(200);
      const [header, ...lines] = linesOf(exported.text);
      const [originalHeader, ...originalLines] = SILLYTAVERN_CHAT;
      expect(header).toMatchObject({
        user_name: originalHeader.user_name,
        character_name: originalHeader.character_name,
      });
      expect(instant(header.create_date)).toBe(instant(originalHeader.create_date));
      expect(lines.map(comparable)).toEqual(originalLines.map(comparable));
      // Each swipe keeps its own date.
      expect((lines[2].swipe_info as Line[]).map((info) => instant(info.send_date))).toEqual(
        (originalLines[2].swipe_info as Line[]).map((info) => instant(info.send_date)),
      );

      // The story goes on from the swipes shown, and only them.
      fake.script({ content: 'The fire crackles.' });
      const sent = await send(t, alice.auth, chatId, { content: 'Good night.' });
      expect(sent.status).toBe(200);
      const prompt = JSON.stringify(fake.requests.at(-1)?.body?.messages);
      expect(prompt).toContain('In my glade, where the wolves cannot follow.');
      expect(prompt).toContain('The night grows colder.');
      expect(prompt).not.toContain('Eldergrove');
      expect(prompt).not.toContain('Somewhere quiet');
      expect(await treeProblems(chatId)).toEqual([]);
    });

    it('takes the file as `jsonl` in a JSON body too; the chat starts from my preferences', async () => {
      const user = await createUser(t);
      const seraphina = await ownCharacter(user, 'Seraphina');
      await t.http
        .put('/api/me/preferences')
        .set(user.auth)
        .send({ max_tokens: 300, language: 'de' })
        .expect(200);
      const res = await t.http
        .post('/api/chats/import')
        .set(user.auth)
        .send({ character_id: seraphina.id, jsonl: jsonl(SILLYTAVERN_CHAT.slice(1, 3)) })
        .expect(201);
      expect(res.body).toMatchObject({ message_count: 2, persona_name: null, language: 'de' });
      const settings = await t.http.get(`/api/chats/${res.body.id}/settings`).set(user.auth);
      expect(settings.body).toMatchObject({ max_tokens: 300 });
      const page = await t.http.get(`/api/chats/${res.body.id}/messages`).set(user.auth);
      expect(page.body.messages.map((message: Line) => message.content)).toEqual([
        '*Seraphina tends the fire.*\nYou are awake at last.',
        'Where am I?',
      ]);
    });

    it('refuses a malformed line, naming it, and writes nothing', async () => {
      const seraphina = await ownCharacter(alice, 'Seraphina');
      const before = await t.dataSource.query(`SELECT count(*)::int AS n FROM chat`);
      const refused = async (file: string, message: string | RegExp) => {
        const res = await importFile(alice.auth, seraphina.id, file);
        expect({ status: res.status, message: res.body.message }).toEqual({
          status: 400,
          message: typeof message === 'string' ? message : expect.stringMatching(message),
        });
      };
      const [head, greeting, user] = SILLYTAVERN_CHAT.map((line) => JSON.stringify(line));
      await refused(
        [head, greeting, '{"name": "Alex", "mes": "cut', user].join('\n'),
        /^Line 3: not valid JSON/,
      );
      await refused([head, '"just text"'].join('\n'), 'Line 2: expected a JSON object');
      await refused(
        [head, greeting, '{"name": "Alex", "is_user": true}'].join('\n'),
        'Line 3: mes must be a string',
      );
      await refused(
        [head, JSON.stringify({ ...SILLYTAVERN_CHAT[1], swipe_id: 2 })].join('\n'),
        'Line 2: swipe_id must be an integer from 0 to 1',
      );
      await refused(head, 'The chat file has no messages (a header line at most)');
      const after = await t.dataSource.query(`SELECT count(*)::int AS n FROM chat`);
      expect(after).toEqual(before);
    });

    it('refuses files over the limits, naming the limit', async () => {
      const seraphina = await ownCharacter(alice, 'Seraphina');
      const line = JSON.stringify({ name: 'Alex', is_user: true, mes: 'x' });
      const tooMany = await importFile(
        alice.auth,
        seraphina.id,
        Array(20_001).fill(line).join('\n'),
      );
      expect({ status: tooMany.status, message: tooMany.body.message }).toEqual({
        status: 400,
        message: 'Line 20001: the chat has more than 20,000 messages (the limit)',
      });
      const longLine = JSON.stringify({ name: 'Alex', is_user: true, mes: 'x'.repeat(300_000) });
      const tooLong = await importFile(alice.auth, seraphina.id, longLine);
      expect({ status: tooLong.status, message: tooLong.body.message }).toEqual({
        status: 400,
        message: 'Line 1: longer than 262,144 characters (the limit)',
      });
      const tooBig = await importFile(
        alice.auth,
        seraphina.id,
        Buffer.alloc(5 * 1024 * 1024 + 1, 32),
      );
      expect({ status: tooBig.status, message: tooBig.body.message }).toEqual({
        status: 413,
        message: 'The chat file is over the limit of 5,242,880 bytes (5 MB)',
      });
      const bigBody = await t.http
        .post('/api/chats/import')
        .set(alice.auth)
        .send({ character_id: seraphina.id, jsonl: 'x'.repeat(2 * 1024 * 1024) });
      expect(bigBody.status).toBe(413);
      // The largest chat allowed goes in whole.
      const largest = await importFile(
        alice.auth,
        seraphina.id,
        Array(20_000).fill(line).join('\n'),
      ).expect(201);
      expect(largest.body.message_count).toBe(20_000);
      expect(await treeProblems(largest.body.id)).toEqual([]);
    });

    it('imports only into a character of mine, and never for guests', async () => {
      const seraphina = await ownCharacter(alice, 'Seraphina');
      const file = jsonl(SILLYTAVERN_CHAT);
      await importFile(bob.auth, seraphina.id, file).expect(404);
      await importFile(alice.auth, mira.id, file).expect(404);
      await importFile(alice.auth, randomUUID(), file).expect(404);
      const session = guest();
      const res = await importFile(session, seraphina.id, file).expect(403);
      expect(res.body.message).toBe('Guests cannot import chats: sign in to import one');
      await t.http
        .post('/api/chats/import')
        .set(alice.auth)
        .send({ character_id: seraphina.id })
        .expect(400);
      await t.http
        .post('/api/chats/import')
        .set(alice.auth)
        .field('character_id', seraphina.id)
        .field('jsonl', file)
        .attach('file', Buffer.from(file), 'chat.jsonl')
        .expect(400);
      await importFile(alice.auth, 'not-a-uuid', file).expect(400);
    });
  });

  it('logged no error along the way', () => {
    expect(t.errorLogs()).toEqual([]);
  });
});

describe('chat import, export and search at their default rate limits', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t?.close();
  });

  it('refuses the 31st import in an hour per user with 429 and Retry-After; others still import', async () => {
    const [user, other] = [await createUser(t), await createUser(t)];
    const character = await publicCharacter(t, user, { name: 'Wren' });
    const body = { character_id: character.id, jsonl: jsonl(SILLYTAVERN_CHAT.slice(1, 3)) };
    const statuses: number[] = [];
    let limited: { headers: Record<string, string> } | undefined;
    for (let i = 0; i < 31; i++) {
      const res = await t.http.post('/api/chats/import').set(user.auth).send(body);
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(statuses.slice(0, 30)).toEqual(Array(30).fill(201));
    expect(statuses[30]).toBe(429);
    expect(Number(limited!.headers['retry-after'])).toBeGreaterThan(3000);
    // Per user: the other account's import into its own character goes ahead.
    const own = await publicCharacter(t, other, { name: 'Ash' });
    await t.http
      .post('/api/chats/import')
      .set(other.auth)
      .send({ ...body, character_id: own.id })
      .expect(201);
  });

  it('refuses the 31st export in a minute per user with 429 and Retry-After', async () => {
    const [user, other] = [await createUser(t), await createUser(t)];
    const character = await publicCharacter(t, user, { name: 'Wren' });
    const chatId = await openChat(t, user.auth, character.id);
    const statuses: number[] = [];
    let limited: { headers: Record<string, string> } | undefined;
    for (let i = 0; i < 31; i++) {
      const res = await t.http.get(`/api/chats/${chatId}/export`).set(user.auth);
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(statuses.slice(0, 30)).toEqual(Array(30).fill(200));
    expect(statuses[30]).toBe(429);
    expect(Number(limited!.headers['retry-after'])).toBeGreaterThan(0);
    const own = await openChat(t, other.auth, character.id);
    await t.http.get(`/api/chats/${own}/export`).set(other.auth).expect(200);
  });

  it('refuses the 61st search in a minute per user with 429 and Retry-After', async () => {
    const [user, other] = [await createUser(t), await createUser(t)];
    const statuses: number[] = [];
    for (let i = 0; i < 61; i++) {
      statuses.push((await t.http.get('/api/chats/search?q=lantern').set(user.auth)).status);
    }
    expect(statuses.slice(0, 60)).toEqual(Array(60).fill(200));
    expect(statuses[60]).toBe(429);
    await t.http.get('/api/chats/search?q=lantern').set(other.auth).expect(200);
  });
});
