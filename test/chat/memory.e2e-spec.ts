import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { CONTEXT_TOKEN_BUDGET } from '../../src/chat/reply-context.service.js';
import { TokenEstimator } from '../../src/llm/usage/token-estimator.js';
import { startFakeLlm, type FakeLlm, type RecordedRequest } from '../support/fake-llm.js';
import { appendToPath } from '../support/messages.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { ChatRepository } from '../../src/chat/chat.repository.js';
import { CharacterMemoryRepository } from '../../src/chat/memory/character-memory.repository.js';
import { JobQueue } from '../../src/common/jobs/job-queue.service.js';
import {
  eventually,
  llmEnv,
  openChat,
  publicCharacter,
  replyOf,
  send,
  stream,
} from './chat-support.js';

import type { ChatMessage } from '../../src/llm/llm.types.js';

const isExtractionRequest = (request: RecordedRequest) =>
  ((request.body?.messages ?? []) as ChatMessage[])[0]?.content.startsWith(
    'You maintain the long-term memory',
  ) === true;

describe('chat memory', () => {
  let llm: FakeLlm;
  let t: TestApp;
  let owner: TestUser;
  let alice: TestUser;
  let character: { id: string };
  const tokenizer = new TokenEstimator();

  beforeAll(async () => {
    llm = await startFakeLlm();
    t = await createTestApp({
      env: { ...llmEnv(llm), RATE_LIMIT_SCALE: '0', MEMORY_EXTRACT_DELAY_MS: '0' },
    });
    [owner, alice] = await Promise.all([createUser(t), createUser(t, { tier: 'premium' })]);
    character = await publicCharacter(t, owner, { name: 'Mira', greeting: 'Mira waves.' });
  });

  beforeEach(() => llm.reset());

  afterAll(async () => {
    await t?.close();
    await llm?.close();
  });

  const completions = (): RecordedRequest[] =>
    llm.requests.filter((request) => request.path.endsWith('/chat/completions'));
  const promptOf = (request: RecordedRequest): ChatMessage[] =>
    (request.body?.messages ?? []) as ChatMessage[];

  describe('token counts', () => {
    it('stores each message’s token count when it is written', async () => {
      const chatId = await openChat(t, alice.auth, character.id, { language: 'ru' });
      const content = 'Капитан, где спрятана карта сокровищ? Скажите мне правду.';
      const { events } = await send(t, alice.auth, chatId, { content });
      const reply = replyOf(events).text;
      const rows = await t.dataSource.query<Array<{ role: string; tokens: number | null }>>(
        `SELECT role, tokens FROM message WHERE chat_id = $1 AND parent_id IS NOT NULL
         ORDER BY id`,
        [chatId],
      );
      expect(rows).toEqual([
        { role: 'user', tokens: await tokenizer.count(content) },
        { role: 'assistant', tokens: await tokenizer.count(reply) },
      ]);
    });

    it('budgets Russian history by real tokens, not four characters a token', async () => {
      const chatId = await openChat(t, alice.auth, character.id, { language: 'ru' });
      const line = 'Капитан Мира стояла на мостике и смотрела, как над гаванью поднимается туман. ';
      // 40 lines of ~2,000 characters: ~20,000 tokens at four characters a token (all would
      // fit), ~26,000 real ones (they cannot all fit in 24,000).
      const lines = Array.from({ length: 40 }, (_, i) => `[${i}] ${line.repeat(26)}`);
      await appendToPath(
        t.dataSource,
        chatId,
        lines.map((content, i) => ({
          role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
          content,
        })),
      );
      const estimated = lines.reduce((sum, text) => sum + Math.ceil(text.length / 4), 0);
      expect(estimated).toBeLessThan(CONTEXT_TOKEN_BUDGET - 2000);
      await send(t, alice.auth, chatId, { content: 'Что дальше?' });
      const prompt = promptOf(completions()[0]);
      const carried = lines.filter((text) => prompt.some((m) => m.content.includes(text)));
      expect(carried.length).toBeLessThan(lines.length);
      expect(carried.length).toBeGreaterThan(20);
      const real = await tokenizer.countMessages(prompt);
      // The budget holds in real tokens (the message framing aside), and is nearly used.
      expect(real).toBeLessThanOrEqual(CONTEXT_TOKEN_BUDGET + 3 * prompt.length + 3);
      expect(real).toBeGreaterThan(CONTEXT_TOKEN_BUDGET - 1500);
    });
  });

  describe('memory panel', () => {
    const memoryOf = (chatId: string, who = alice.auth) =>
      t.http.get(`/api/chats/${chatId}/memory`).set(who);
    const putMemory = (chatId: string, body: Record<string, unknown>, who = alice.auth) =>
      t.http.put(`/api/chats/${chatId}/memory`).set(who).send(body);

    it('shows the summary, the pinned notes and the author’s note; notes reach every prompt', async () => {
      const chatId = await openChat(t, alice.auth, character.id, { language: 'en' });
      await t.http
        .put(`/api/chats/${chatId}/settings`)
        .set(alice.auth)
        .send({ author_note: { text: 'Keep it tense.', depth: 2 } })
        .expect(200);
      const { body: empty } = await memoryOf(chatId).expect(200);
      expect(empty).toEqual({
        summary: null,
        summary_edited_at: null,
        summarized_through_message_id: null,
        pinned_notes: [],
        pinned_note_limits: { count: 30, chars: 1000 },
        author_note: { text: 'Keep it tense.', depth: 2 },
        memories: [],
      });

      const { body: pinned } = await putMemory(chatId, {
        pinned_notes: [
          { text: 'Alex is afraid of deep water.' },
          { text: 'The ship is the Gull.' },
        ],
      }).expect(200);
      expect(pinned.pinned_notes.map((note: { text: string }) => note.text)).toEqual([
        'Alex is afraid of deep water.',
        'The ship is the Gull.',
      ]);
      // A listed id keeps its note; one left out goes.
      const [fear] = pinned.pinned_notes as Array<{ id: number; text: string }>;
      const { body: kept } = await putMemory(chatId, {
        pinned_notes: [{ id: fear.id, text: 'Alex cannot swim.' }, { text: 'Mira owes Alex.' }],
      }).expect(200);
      expect(kept.pinned_notes[0]).toEqual({ id: fear.id, text: 'Alex cannot swim.' });
      expect(kept.pinned_notes).toHaveLength(2);

      await send(t, alice.auth, chatId, { content: 'Shall we sail?' });
      const prompt = promptOf(completions()[0]);
      expect(prompt[1].role).toBe('system');
      expect(prompt[1].content).toContain("The player's notes on this story");
      expect(prompt[1].content).toContain('- Alex cannot swim.\n- Mira owes Alex.');
    });

    it('carries the pinned notes into a branch, which then keeps its own', async () => {
      const chatId = await openChat(t, alice.auth, character.id, { language: 'en' });
      await putMemory(chatId, {
        pinned_notes: [{ text: 'The ship is the Gull.' }, { text: 'Alex owes Mira.' }],
      }).expect(200);
      await send(t, alice.auth, chatId, { content: 'Shall we sail?' });
      const [opening] = (
        await t.http.get(`/api/chats/${chatId}/messages`).set(alice.auth).expect(200)
      ).body.messages as Array<{ id: number }>;
      const { body: branch } = await t.http
        .post(`/api/chats/${chatId}/branch`)
        .set(alice.auth)
        .send({ message_id: opening.id })
        .expect(201);
      const texts = (body: { pinned_notes: Array<{ text: string }> }) =>
        body.pinned_notes.map((note) => note.text);
      const { body: copied } = await memoryOf(branch.id).expect(200);
      expect(texts(copied)).toEqual(['The ship is the Gull.', 'Alex owes Mira.']);
      // Copies: editing the branch's notes leaves the original's alone.
      await putMemory(branch.id, { pinned_notes: [{ text: 'The ship sank.' }] }).expect(200);
      expect(texts((await memoryOf(chatId).expect(200)).body)).toEqual([
        'The ship is the Gull.',
        'Alex owes Mira.',
      ]);
      llm.reset();
      await send(t, alice.auth, branch.id, { content: 'Now what?' });
      expect(promptOf(completions()[0])[1].content).toContain('- The ship sank.');
    });

    it('holds notes to the tier’s count and length, and answers others’ chats with 404', async () => {
      const bob = await createUser(t);
      const chatId = await openChat(t, bob.auth, character.id);
      const { body: tooMany } = await putMemory(
        chatId,
        { pinned_notes: Array.from({ length: 11 }, (_, i) => ({ text: `note ${i}` })) },
        bob.auth,
      ).expect(400);
      expect(tooMany.message).toMatch(/at most 10 notes on the free tier/);
      const { body: tooLong } = await putMemory(
        chatId,
        { pinned_notes: [{ text: 'x'.repeat(501) }] },
        bob.auth,
      ).expect(400);
      expect(tooLong.message).toMatch(/pinned_notes\[0\]\.text: at most 500 characters/);
      // An id past any bigint (or any exact number) names the field, not a database error.
      for (const id of [1e20, 1e300, Number.MAX_SAFE_INTEGER + 1]) {
        const { body: badId } = await putMemory(
          chatId,
          { pinned_notes: [{ id, text: 'x' }] },
          bob.auth,
        ).expect(400);
        expect(badId.message).toMatch(/pinned_notes\.0\.id|pinned_notes\[0\]\.id/);
      }
      await memoryOf(chatId, alice.auth).expect(404);
      await putMemory(chatId, { summary: 'Mine now.' }, alice.auth).expect(404);
    });

    it('keeps a summary the user wrote: the summarizer folds new messages into it', async () => {
      const chatId = await openChat(t, alice.auth, character.id, { language: 'en' });
      await appendToPath(
        t.dataSource,
        chatId,
        Array.from({ length: 30 }, (_, i) => ({
          role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
          content: `line ${i + 2}`,
        })),
      );
      const written = 'Alex’s sister is called Yara. She vanished at sea.';
      const { body } = await putMemory(chatId, { summary: written }).expect(200);
      expect(body.summary).toBe(written);
      expect(body.summary_edited_at).toEqual(expect.any(String));

      llm.onRequest((request) =>
        promptOf(request)[0]?.content.startsWith('You keep the memory')
          ? { content: 'Alex’s sister Yara vanished at sea. Alex and Mira talked for hours.' }
          : undefined,
      );
      await send(t, alice.auth, chatId, { content: 'line 32' });
      await eventually(async () => (await t.app.get(JobQueue).runDue()) > 0);
      const summaryRequest = completions().find((request) =>
        promptOf(request)[0]?.content.startsWith('You keep the memory'),
      )!;
      expect(promptOf(summaryRequest)[1].content).toContain(
        `Previous summary: The player wrote or corrected this summary: keep every fact it states.\n${written}`,
      );
      const { body: after } = await memoryOf(chatId).expect(200);
      expect(after.summary).toBe(
        'Alex’s sister Yara vanished at sea. Alex and Mira talked for hours.',
      );
      expect(after.summarized_through_message_id).toEqual(expect.any(Number));

      // A summary written from what the user has since rewritten is not saved over it.
      await putMemory(chatId, { summary: 'Yara is alive.' }).expect(200);
      const saved = await t.app
        .get(ChatRepository)
        .saveSummary(
          chatId,
          'stale',
          after.summarized_through_message_id + 2,
          after.summarized_through_message_id,
          after.summary,
        );
      expect(saved).toBe(false);
      expect((await memoryOf(chatId).expect(200)).body.summary).toBe('Yara is alive.');
    });
  });

  describe('character memories', () => {
    const EXTRACTOR = 'You maintain the long-term memory';
    const isExtraction = (request: RecordedRequest) =>
      promptOf(request)[0]?.content.startsWith(EXTRACTOR) === true;
    /** The extractor answers: `fact` from the new messages that mention `word`. */
    const extractorFinds = (word: string, fact: string, kind = 'person') =>
      llm.onRequest((request) => {
        if (!isExtraction(request)) return undefined;
        const ids = [...promptOf(request)[1].content.matchAll(/^\[(\d+)\] [^:]+: (.*)$/gm)]
          .filter((line) => line[2].includes(word))
          .map((line) => Number(line[1]));
        return {
          content: JSON.stringify({
            facts: ids.length ? [{ text: fact, kind, importance: 4, source_message_ids: ids }] : [],
          }),
        };
      });
    const runJobs = () => eventually(async () => (await t.app.get(JobQueue).runDue()) > 0);
    const memoriesOf = async (who = alice.auth, characterId = character.id, history = false) =>
      (
        await t.http
          .get(`/api/characters/${characterId}/memories${history ? '?history=true' : ''}`)
          .set(who)
          .expect(200)
      ).body.memories as Array<{ id: number; text: string; source_message_ids: number[] }>;
    let memoryCharacter: { id: string };

    beforeAll(async () => {
      memoryCharacter = await publicCharacter(t, owner, { name: 'Nell', greeting: 'Nell nods.' });
    });

    it('learns a fact after a reply, keeps one when it is learned twice, and carries it in prompts', async () => {
      const chatId = await openChat(t, alice.auth, memoryCharacter.id, { language: 'en' });
      extractorFinds('Yara', 'Alex’s sister is called Yara.');
      await send(t, alice.auth, chatId, { content: 'My sister is called Yara.' });
      await runJobs();
      let facts = await memoriesOf(alice.auth, memoryCharacter.id);
      expect(facts.map((fact) => fact.text)).toEqual(['Alex’s sister is called Yara.']);
      const [first] = facts;

      await send(t, alice.auth, chatId, { content: 'Yara would love this place.' });
      await runJobs();
      facts = await memoriesOf(alice.auth, memoryCharacter.id);
      expect(facts).toHaveLength(1);
      expect(facts[0].id).toBe(first.id);
      expect(facts[0].source_message_ids.length).toBeGreaterThan(first.source_message_ids.length);

      llm.reset();
      await send(t, alice.auth, chatId, { content: 'Do you remember my family?' });
      const prompt = promptOf(completions().find((request) => !isExtraction(request))!);
      expect(prompt[1]).toEqual({
        role: 'system',
        content:
          'Nell remembers about the user and their story together:\n- Alex’s sister is called Yara.',
      });
      // The chat's export carries what was learned in it.
      const exported = await t.http
        .get(`/api/chats/${chatId}/export?format=json`)
        .set(alice.auth)
        .expect(200);
      expect(
        (JSON.parse(exported.text) as { memories: Array<{ text: string }> }).memories.map(
          (fact) => fact.text,
        ),
      ).toEqual(['Alex’s sister is called Yara.']);
      // The memory panel of the chat shows it too.
      const { body: panel } = await t.http.get(`/api/chats/${chatId}/memory`).set(alice.auth);
      expect(panel.memories.map((fact: { text: string }) => fact.text)).toEqual([
        'Alex’s sister is called Yara.',
      ]);
    });

    it('supersedes a contradicted fact and keeps its history', async () => {
      const chatId = await openChat(t, alice.auth, memoryCharacter.id, { language: 'en' });
      const [known] = await memoriesOf(alice.auth, memoryCharacter.id);
      llm.onRequest((request) => {
        if (!isExtraction(request)) return undefined;
        const [id] = [...promptOf(request)[1].content.matchAll(/^\[(\d+)\] [^:]+: .*Mara/gm)];
        return {
          content: JSON.stringify({
            facts: id
              ? [
                  {
                    text: 'Alex’s sister is called Mara, not Yara.',
                    kind: 'person',
                    importance: 4,
                    source_message_ids: [Number(id[1])],
                    replaces: known.id,
                  },
                ]
              : [],
          }),
        };
      });
      await send(t, alice.auth, chatId, { content: 'Sorry, I misspoke: my sister is Mara.' });
      await runJobs();
      const current = await memoriesOf(alice.auth, memoryCharacter.id);
      expect(current.map((fact) => fact.text)).toEqual(['Alex’s sister is called Mara, not Yara.']);
      const all = await memoriesOf(alice.auth, memoryCharacter.id, true);
      expect(all.find((fact) => fact.id === known.id)).toMatchObject({
        superseded_by: current[0].id,
      });
    });

    it('does not use a fact whose only source is off the active branch', async () => {
      const chatId = await openChat(t, alice.auth, character.id, { language: 'en' });
      extractorFinds('Tom', 'Alex has a brother, Tom.');
      await send(t, alice.auth, chatId, { content: 'My brother Tom is a sailor.' });
      await runJobs();
      expect((await memoriesOf()).map((fact) => fact.text)).toContain('Alex has a brother, Tom.');
      llm.reset();
      // The message is sent again, edited: the old one stays, on a branch no longer shown.
      const res = await stream(t.url, `/api/chats/${chatId}/messages/last`, {
        method: 'PUT',
        headers: alice.auth,
        body: { content: 'My cousin is a sailor.' },
      });
      await res.rest();
      const prompt = promptOf(completions().find((request) => !isExtraction(request))!);
      expect(JSON.stringify(prompt)).not.toContain('Tom');
    });

    it('stops using a fact once every message it came from is deleted or rewound away', async () => {
      const oren = await publicCharacter(t, owner, { name: 'Oren', greeting: 'Oren bows.' });
      const chatId = await openChat(t, alice.auth, oren.id, { language: 'en' });
      // The extractor learns a fact from each message that names its word.
      const learned: Record<string, string> = {
        Bergen: 'Alex was born in Bergen.',
        Pip: 'Alex has a cat called Pip.',
      };
      llm.onRequest((request) => {
        if (!isExtraction(request)) return undefined;
        const lines = [...promptOf(request)[1].content.matchAll(/^\[(\d+)\] [^:]+: (.*)$/gm)];
        const facts = Object.entries(learned).flatMap(([word, text]) => {
          const ids = lines.filter((line) => line[2].includes(word)).map((line) => Number(line[1]));
          return ids.length
            ? [{ text, kind: 'person', importance: 4, source_message_ids: ids }]
            : [];
        });
        return { content: JSON.stringify({ facts }) };
      });
      const story = async () =>
        (await t.http.get(`/api/chats/${chatId}/messages`).set(alice.auth).expect(200)).body
          .messages as Array<{ id: number; content: string }>;
      const idOf = async (content: string) =>
        (await story()).find((message) => message.content === content)!.id;
      /** What the prompt of a new message carries, as one string. */
      const nextPrompt = async (content: string) => {
        llm.script({ content: 'Hm.' });
        await send(t, alice.auth, chatId, { content });
        return JSON.stringify(
          promptOf(
            completions()
              .filter((r) => !isExtraction(r))
              .at(-1)!,
          ),
        );
      };

      llm.script({ content: 'A fine town.' });
      await send(t, alice.auth, chatId, { content: 'I was born in Bergen.' });
      await runJobs();
      llm.script({ content: 'Cats are wise.' });
      await send(t, alice.auth, chatId, { content: 'My cat Pip sleeps all day.' });
      await runJobs();
      expect((await memoriesOf(alice.auth, oren.id)).map((fact) => fact.text).sort()).toEqual([
        'Alex has a cat called Pip.',
        'Alex was born in Bergen.',
      ]);
      let prompt = await nextPrompt('What do you know of me?');
      expect(prompt).toContain('Alex was born in Bergen.');
      expect(prompt).toContain('Alex has a cat called Pip.');

      // Its one source deleted: the fact stays (listed) but no prompt carries it.
      await t.http
        .delete(`/api/chats/${chatId}/messages/${await idOf('I was born in Bergen.')}`)
        .set(alice.auth)
        .expect(200);
      prompt = await nextPrompt('And now?');
      expect(prompt).not.toContain('Alex was born in Bergen.');
      expect(prompt).toContain('Alex has a cat called Pip.');
      expect((await memoriesOf(alice.auth, oren.id)).map((fact) => fact.text)).toContain(
        'Alex was born in Bergen.',
      );

      // Rewound to before its source.
      await t.http
        .post(`/api/chats/${chatId}/rewind`)
        .set(alice.auth)
        .send({ message_id: await idOf('A fine town.') })
        .expect(200);
      prompt = await nextPrompt('Where were we?');
      expect(prompt).not.toContain('Alex has a cat called Pip.');
      expect(prompt).not.toContain('Oren remembers');
    });

    it('keeps my memories mine: others (the character’s owner too) neither see nor change them', async () => {
      const [fact] = await memoriesOf(alice.auth, memoryCharacter.id);
      expect(await memoriesOf(owner.auth, memoryCharacter.id)).toEqual([]);
      const path = `/api/characters/${memoryCharacter.id}/memories/${fact.id}`;
      await t.http.patch(path).set(owner.auth).send({ pinned: true }).expect(404);
      await t.http.delete(path).set(owner.auth).expect(404);
      const { body: pinned } = await t.http
        .patch(path)
        .set(alice.auth)
        .send({ pinned: true, text: 'Alex’s sister is Mara.' })
        .expect(200);
      expect(pinned).toMatchObject({ pinned: true, text: 'Alex’s sister is Mara.' });
      await t.http.get(`/api/characters/${memoryCharacter.id}/memories`).expect(401);
      await t.http.delete(path).set(alice.auth).expect(204);
      expect(await memoriesOf(alice.auth, memoryCharacter.id, true)).toEqual([]);
    });

    it('takes a memory only for a character I can see: someone else’s private one is a 404', async () => {
      const { body: draft } = await t.http
        .post('/api/characters')
        .set(owner.auth)
        .send({ name: 'Hidden Draft' })
        .expect(201);
      const tell = (who: Record<string, string>, characterId: string) =>
        t.http
          .post(`/api/characters/${characterId}/memories`)
          .set(who)
          .send({ text: 'Alex likes tea.', kind: 'preference' });
      const { body: hidden } = await tell(alice.auth, draft.id).expect(404);
      const { body: unknown } = await tell(alice.auth, randomUUID()).expect(404);
      expect(hidden.message).toBe(unknown.message);
      expect(await memoriesOf(alice.auth, draft.id)).toEqual([]);
      // Its owner may; and anyone may of a public one.
      await tell(owner.auth, draft.id).expect(201);
      await tell(alice.auth, memoryCharacter.id).expect(201);
    });

    it('keeps at most 200 live memories of a character per user, even when they race', async () => {
      const user = await createUser(t);
      await t.dataSource.query(
        `INSERT INTO character_memory (user_id, character_id, kind, text, importance, pinned)
         SELECT $1, $2, 'preference', 'Fact ' || n, 3, false FROM generate_series(1, 199) AS n`,
        [user.id, memoryCharacter.id],
      );
      const tell = (text: string) =>
        t.http
          .post(`/api/characters/${memoryCharacter.id}/memories`)
          .set(user.auth)
          .send({ text, kind: 'preference' });
      const raced = await Promise.all(['Tea.', 'Coffee.', 'Milk.', 'Water.'].map(tell));
      expect(raced.map((res) => res.status).sort()).toEqual([201, 409, 409, 409]);
      const refused = raced.find((res) => res.status === 409)!;
      expect(refused.body.message).toBe(
        'You keep 200 memories of this character, the most there can be: forget one first',
      );
      // Forgetting one makes room for one.
      const [oldest] = await t.dataSource.query<Array<{ id: string }>>(
        `SELECT id FROM character_memory WHERE user_id = $1 ORDER BY id LIMIT 1`,
        [user.id],
      );
      await t.http
        .delete(`/api/characters/${memoryCharacter.id}/memories/${oldest.id}`)
        .set(user.auth)
        .expect(204);
      await tell('Juice.').expect(201);
      await tell('Cocoa.').expect(409);
    });

    it('removes the facts learned in a chat with the chat', async () => {
      const chatId = await openChat(t, alice.auth, memoryCharacter.id, { language: 'en' });
      extractorFinds('Oslo', 'Alex was born in Oslo.', 'place');
      await send(t, alice.auth, chatId, { content: 'I was born in Oslo.' });
      await runJobs();
      expect((await memoriesOf(alice.auth, memoryCharacter.id)).map((f) => f.text)).toContain(
        'Alex was born in Oslo.',
      );
      await t.http.delete(`/api/chats/${chatId}`).set(alice.auth).expect(204);
      expect((await memoriesOf(alice.auth, memoryCharacter.id)).map((f) => f.text)).not.toContain(
        'Alex was born in Oslo.',
      );
    });
  });

  describe('recall', () => {
    it('shows admins the recall mode in use, and no one else', async () => {
      const admin = await createUser(t, { role: 'admin' });
      const { body } = await t.http.get('/api/admin/memory-status').set(admin.auth).expect(200);
      // No embedding model configured here: full text alone.
      expect(body).toEqual({ recall_mode: 'full-text' });
      await t.http.get('/api/admin/memory-status').set(alice.auth).expect(403);
    });

    it('in a 300-message chat, a fact from message 3 reaches the prompt as a fact and as a recalled passage; the reply records both', async () => {
      const iris = await publicCharacter(t, owner, { name: 'Iris', greeting: 'Iris smiles.' });
      const chatId = await openChat(t, alice.auth, iris.id, { language: 'en' });
      const stated = 'My sister is called Yara and she keeps bees in Lisbon.';
      await appendToPath(
        t.dataSource,
        chatId,
        Array.from({ length: 299 }, (_, i) => ({
          // The user speaks at odd depths from 3 on: message 3 is theirs.
          role: i % 2 === 1 ? ('user' as const) : ('assistant' as const),
          content: i === 1 ? stated : `line ${i + 2} about the harbour and the weather`,
        })),
      );
      const [third] = await t.dataSource.query<Array<{ id: string }>>(
        `SELECT id FROM message WHERE chat_id = $1 AND depth = 3`,
        [chatId],
      );
      expect(third).toBeDefined();
      // What the extractor learned when message 3 was written.
      await t.app
        .get(CharacterMemoryRepository)
        .merge({ userId: alice.id, characterId: iris.id, chatId, chatOnly: false }, [
          {
            text: 'Alex’s sister Yara keeps bees in Lisbon.',
            kind: 'person',
            importance: 4,
            sourceMessageIds: [Number(third.id)],
          },
        ]);
      const [fact] = await t.dataSource.query<Array<{ id: string }>>(
        `SELECT id FROM character_memory WHERE user_id = $1 AND character_id = $2`,
        [alice.id, iris.id],
      );
      // A summary and a pinned note too, so the whole layout shows.
      const { body: panel } = await t.http
        .put(`/api/chats/${chatId}/memory`)
        .set(alice.auth)
        .send({
          summary: 'Alex and Iris met at the harbour.',
          pinned_notes: [{ text: 'Iris is shy.' }],
        })
        .expect(200);
      const note = (panel.pinned_notes as Array<{ id: number }>)[0];
      llm.reset();
      const { events } = await send(t, alice.auth, chatId, {
        content: 'How are the bees of my sister doing?',
      });
      const prompt = promptOf(completions().find((r) => !isExtractionRequest(r))!);
      const history = prompt.filter((message) => message.role !== 'system');
      expect(history.map((message) => message.content)).not.toContain(stated);
      // The layout: system prompt, memories and notes, summary, recalled passages, history.
      expect(prompt[0].content).not.toContain('Alex and Iris met at the harbour.');
      expect(prompt[1].content).toContain('- Alex’s sister Yara keeps bees in Lisbon.');
      expect(prompt[1].content).toContain('- Iris is shy.');
      expect(prompt[2]).toEqual({
        role: 'system',
        content:
          'Summary of the story so far (earlier messages are no longer shown; stay consistent ' +
          'with it):\nAlex and Iris met at the harbour.',
      });
      expect(prompt[3]).toEqual({
        role: 'system',
        content: `From earlier in this story (word for word):\nUser: ${stated}`,
      });
      // What the reply remembered, for a frontend's "remembered: …": in `done` and the page.
      const remembered = {
        facts: [Number(fact.id)],
        notes: [note.id],
        messages: [Number(third.id)],
      };
      const done = replyOf(events).last as { type: string; message_id: number };
      expect(done).toMatchObject({ type: 'done', memory_used: remembered });
      const page = await t.http.get(`/api/chats/${chatId}/messages`).set(alice.auth).expect(200);
      const messages = page.body.messages as Array<{ id: number; memory_used: unknown }>;
      expect(messages.at(-1)).toMatchObject({ id: done.message_id, memory_used: remembered });
      // The user's message carried no prompt: nothing remembered.
      expect(messages.at(-2)?.memory_used).toBeNull();
    });
  });
});
