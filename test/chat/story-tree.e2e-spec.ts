/**
 * Story control over HTTP (issue #17): alternatives (swipes) and greetings, editing any
 * message, edit-and-resend, delete, rewind, branch, paging the active path; refused while a
 * reply is written, someone else's messages hidden, the tree whole under parallel changes,
 * one message of quota per generation. What the next prompt carries is read at the fake
 * upstream. (Group chats: group-engine.e2e-spec.ts.)
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { MODEL_COOLDOWN_MS } from '../../src/llm/availability/provider-availability.service.js';
import { controlClock } from '../llm/llm-test-support.js';
import { startFakeLlm, type FakeLlm, type RecordedRequest } from '../support/fake-llm.js';
import { appendToPath } from '../support/messages.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import {
  eventually,
  failAll,
  guest,
  llmEnv,
  openChat,
  publicCharacter,
  replyOf,
  send,
  stream,
  treeProblems,
} from './chat-support.js';
import { rowCachesCaughtUp } from '../support/row-caches.js';

interface Message {
  id: number;
  role: string;
  content: string;
  parent_id: number | null;
  alternative_index: number;
  alternative_count: number;
  edited_at: string | null;
}

const GREETING = 'Mira looks up from the lamp.';

describe('story control', () => {
  let fake: FakeLlm;
  let t: TestApp;
  let owner: TestUser;
  let alice: TestUser;
  let bob: TestUser;
  let character: { id: string };
  let clock: { advance(ms: number): void };

  beforeAll(async () => {
    fake = await startFakeLlm();
    t = await createTestApp({ env: { ...llmEnv(fake), RATE_LIMIT_SCALE: '0' } });
    clock = controlClock(t.app);
    [owner, alice, bob] = await Promise.all([createUser(t), createUser(t), createUser(t)]);
    character = await publicCharacter(t, owner, { name: 'Mira', greeting: GREETING });
  });

  beforeEach(() => fake.reset());

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  /** The story as the chat shows it (GET …/messages), oldest first. */
  const storyOf = async (who: Record<string, string>, chatId: string): Promise<Message[]> =>
    (await t.http.get(`/api/chats/${chatId}/messages`).set(who).expect(200)).body.messages;

  const contents = (messages: Message[]) => messages.map((message) => message.content);

  const chatOf = async (who: Record<string, string>, chatId: string) =>
    (await t.http.get(`/api/chats/${chatId}`).set(who).expect(200)).body as {
      message_count: number;
      summary: string | null;
      title: string | null;
    };

  /** Sends and checks the reply went through, with `reply` as its text. */
  async function say(who: Record<string, string>, chatId: string, content: string, reply: string) {
    fake.script({ content: reply });
    const sent = await send(t, who, chatId, { content });
    expect({ status: sent.status, text: replyOf(sent.events).text }).toEqual({
      status: 200,
      text: reply,
    });
  }

  async function regenerate(who: Record<string, string>, chatId: string, reply: string) {
    fake.script({ content: reply });
    const res = await stream(t.url, `/api/chats/${chatId}/regenerate`, { headers: who, body: {} });
    expect({ status: res.status, text: replyOf(await res.rest()).text }).toEqual({
      status: 200,
      text: reply,
    });
  }

  const select = (who: Record<string, string>, chatId: string, messageId: number, index: number) =>
    t.http.post(`/api/chats/${chatId}/messages/${messageId}/select`).set(who).send({ index });

  const completions = (): RecordedRequest[] =>
    fake.requests.filter((request) => request.path.endsWith('/chat/completions'));

  /** Everything the last prompt sent to the model said. */
  const lastPrompt = (): string => JSON.stringify(completions().at(-1)!.body!.messages);

  /** Alice's chat of the greeting and `count` lines ('line 2' hers, 'line 3' Mira's, …). */
  async function storyOfLines(count: number) {
    const chatId = await openChat(t, alice.auth, character.id);
    await appendToPath(
      t.dataSource,
      chatId,
      Array.from({ length: count }, (_, i) => ({
        role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
        content: `line ${i + 2}`,
        characterId: i % 2 === 0 ? null : character.id,
      })),
    );
    const story = await storyOf(alice.auth, chatId);
    return {
      chatId,
      line: (n: number) => story.find((message) => message.content === `line ${n}`)!,
    };
  }

  /** Gives the chat a summary of its story up to message `through`. */
  const summarizeThrough = (chatId: string, through: number, summary = 'They met at the pier.') =>
    t.dataSource.query(`UPDATE chat SET summary = $3, summarized_through_id = $2 WHERE id = $1`, [
      chatId,
      through,
      summary,
    ]);

  /** The chat's summary and the message it ends at, as stored. */
  const summaryState = async (chatId: string) =>
    (
      await t.dataSource.query<Array<{ summary: string | null; through: number | null }>>(
        `SELECT summary, summarized_through_id::int AS through FROM chat WHERE id = $1`,
        [chatId],
      )
    )[0];

  /** Ansel, public, who greets with 'Ansel waves.' or one of `alternates`. */
  async function anselWithAlternates(alternates: string[]) {
    const ansel = await publicCharacter(t, owner, { name: 'Ansel', greeting: 'Ansel waves.' });
    await t.dataSource.query(`UPDATE character SET alternate_greetings = $2::jsonb WHERE id = $1`, [
      ansel.id,
      JSON.stringify(alternates),
    ]);
    await rowCachesCaughtUp(t);
    return ansel;
  }

  describe('alternatives', () => {
    it('keeps five regenerated replies as alternatives; the one selected is what the next prompt follows', async () => {
      const chatId = await openChat(t, alice.auth, character.id);
      await say(alice.auth, chatId, 'Where is the keeper?', 'Reply 1.');
      for (let n = 2; n <= 6; n++) await regenerate(alice.auth, chatId, `Reply ${n}.`);

      const before = await storyOf(alice.auth, chatId);
      // A client that knows nothing of the tree sees the last reply replaced.
      expect(contents(before)).toEqual([GREETING, 'Where is the keeper?', 'Reply 6.']);
      const reply = before[2];
      expect(reply).toMatchObject({
        parent_id: before[1].id,
        alternative_index: 5,
        alternative_count: 6,
      });

      const selected = await select(alice.auth, chatId, reply.id, 1).expect(200);
      expect(contents(selected.body.messages)).toEqual([
        GREETING,
        'Where is the keeper?',
        'Reply 2.',
      ]);
      expect(selected.body.messages[2]).toMatchObject({
        parent_id: before[1].id,
        alternative_index: 1,
        alternative_count: 6,
      });
      expect(selected.body.has_more).toBe(false);
      expect((await chatOf(alice.auth, chatId)).message_count).toBe(3);

      await say(alice.auth, chatId, 'And the lamp?', 'It still burns.');
      const prompt = lastPrompt();
      expect(prompt).toContain('Reply 2.');
      for (const other of ['Reply 1.', 'Reply 3.', 'Reply 6.']) expect(prompt).not.toContain(other);
      expect(contents(await storyOf(alice.auth, chatId))).toEqual([
        GREETING,
        'Where is the keeper?',
        'Reply 2.',
        'And the lamp?',
        'It still burns.',
      ]);

      // Each alternative remembers where its branch had got to.
      const sixth = await select(alice.auth, chatId, reply.id, 5).expect(200);
      expect(contents(sixth.body.messages)).toEqual([GREETING, 'Where is the keeper?', 'Reply 6.']);
      expect((await chatOf(alice.auth, chatId)).message_count).toBe(3);
      const second = await select(alice.auth, chatId, reply.id, 1).expect(200);
      expect(contents(second.body.messages).slice(2)).toEqual([
        'Reply 2.',
        'And the lamp?',
        'It still burns.',
      ]);
      expect((await chatOf(alice.auth, chatId)).message_count).toBe(5);

      const past = await select(alice.auth, chatId, reply.id, 6).expect(400);
      expect(past.body.message).toBe('index must be below 6: this message has 6 alternative(s)');
      await select(alice.auth, chatId, reply.id, -1).expect(400);
      expect(contents(await storyOf(alice.auth, chatId)).at(-1)).toBe('It still burns.');
    });

    it('selecting an alternative keeps a summary that ends above it and drops one that ended on the branch left', async () => {
      const { chatId, line } = await storyOfLines(6);
      // An alternative of line 3 that was never chosen: line 3 shares its depth.
      await t.dataSource.query(
        `INSERT INTO message (chat_id, parent_id, depth, role, content, character_id)
         VALUES ($1, $2, 3, 'assistant', 'line 3, told otherwise', $3)`,
        [chatId, line(2).id, character.id],
      );
      await regenerate(alice.auth, chatId, 'Line 7 again.');
      const [, again] = (await storyOf(alice.auth, chatId)).slice(-2);

      // Ending at line 3, above the reply chosen again: the summary stays.
      await summarizeThrough(chatId, line(3).id);
      const back = await select(alice.auth, chatId, again.id, 0).expect(200);
      expect(contents(back.body.messages).slice(-2)).toEqual(['line 6', 'line 7']);
      expect(await summaryState(chatId)).toEqual({
        summary: 'They met at the pier.',
        through: line(3).id,
      });

      // Ending at the reply now left behind: the summary goes.
      await summarizeThrough(chatId, line(7).id);
      await select(alice.auth, chatId, again.id, 1).expect(200);
      expect(await summaryState(chatId)).toEqual({ summary: null, through: null });
      expect(contents(await storyOf(alice.auth, chatId))).toEqual([
        GREETING,
        ...[2, 3, 4, 5, 6].map((n) => `line ${n}`),
        'Line 7 again.',
      ]);
      await expectWholeTree(chatId);
    });

    it("offers a character's alternate greetings as alternatives of the opening", async () => {
      const ansel = await anselWithAlternates(['Ansel is asleep.', 'Ansel hums a sea shanty.']);
      const chatId = await openChat(t, alice.auth, ansel.id);
      const [opening] = await storyOf(alice.auth, chatId);
      expect(opening).toMatchObject({
        content: 'Ansel waves.',
        parent_id: null,
        alternative_index: 0,
        alternative_count: 3,
      });
      await say(alice.auth, chatId, 'Hi', 'Hello, traveller.');

      const selected = await select(alice.auth, chatId, opening.id, 2).expect(200);
      expect(selected.body.messages).toEqual([
        expect.objectContaining({
          content: 'Ansel hums a sea shanty.',
          parent_id: null,
          alternative_index: 2,
          alternative_count: 3,
        }),
      ]);
      expect((await chatOf(alice.auth, chatId)).message_count).toBe(1);

      await say(alice.auth, chatId, 'What song is that?', 'An old one.');
      const prompt = lastPrompt();
      expect(prompt).toContain('Ansel hums a sea shanty.');
      for (const gone of ['Ansel waves.', 'Hello, traveller.']) expect(prompt).not.toContain(gone);

      // The first opening kept its exchange.
      const back = await select(alice.auth, chatId, opening.id, 0).expect(200);
      expect(contents(back.body.messages)).toEqual(['Ansel waves.', 'Hi', 'Hello, traveller.']);
    });

    it('opens a chat on the greeting greeting_index picks, the others its alternatives', async () => {
      const ansel = await anselWithAlternates(['Ansel is asleep.', 'Ansel hums for {{user}}.']);
      const chatId = await openChat(t, alice.auth, ansel.id, { greeting_index: 2 });
      expect(await storyOf(alice.auth, chatId)).toEqual([
        expect.objectContaining({
          role: 'assistant',
          content: 'Ansel hums for User.',
          parent_id: null,
          alternative_index: 2,
          alternative_count: 3,
        }),
      ]);
      expect((await chatOf(alice.auth, chatId)).message_count).toBe(1);

      await say(alice.auth, chatId, 'Nice tune.', 'Thank you.');
      const prompt = lastPrompt();
      expect(prompt).toContain('Ansel hums for User.');
      for (const other of ['Ansel waves.', 'Ansel is asleep.']) expect(prompt).not.toContain(other);
      // The character's greeting is there to swipe to.
      const [opening] = await storyOf(alice.auth, chatId);
      const first = await select(alice.auth, chatId, opening.id, 0).expect(200);
      expect(contents(first.body.messages)).toEqual(['Ansel waves.']);

      // A group chat opens on the lead's greeting it picks.
      const group = await t.http
        .post('/api/chats')
        .set(alice.auth)
        .send({ character_ids: [ansel.id, character.id], greeting_index: 1 })
        .expect(201);
      expect(await storyOf(alice.auth, group.body.id)).toEqual([
        expect.objectContaining({
          content: 'Ansel is asleep.',
          alternative_index: 1,
          alternative_count: 3,
        }),
      ]);
    });

    it("refuses a greeting_index past the character's greetings with a 400, opening nothing", async () => {
      const ansel = await anselWithAlternates(['Ansel is asleep.']);
      const silent = await publicCharacter(t, owner, { name: 'Silent', greeting: '' });
      await rowCachesCaughtUp(t);
      const open = (body: Record<string, unknown>) =>
        t.http
          .post('/api/chats')
          .set(alice.auth)
          .send({ force_new: true, ...body });

      const past = await open({ character_id: ansel.id, greeting_index: 2 }).expect(400);
      expect(past.body).toMatchObject({
        status_code: 400,
        message: 'greeting_index must be below 2: the character has 2 greeting(s)',
      });
      const group = await open({ character_ids: [ansel.id], greeting_index: 5 }).expect(400);
      expect(group.body.message).toBe(
        'greeting_index must be below 2: the character has 2 greeting(s)',
      );
      for (const bad of [-1, 1.5, 'one']) {
        const res = await open({ character_id: ansel.id, greeting_index: bad }).expect(400);
        expect(res.body.message).toMatch(/greeting_index/);
      }
      const none = await open({ character_id: silent.id, greeting_index: 1 }).expect(400);
      expect(none.body.message).toBe('greeting_index: this character has no greeting');
      const [{ count }] = await t.dataSource.query<Array<{ count: number }>>(
        `SELECT count(*)::int AS count FROM chat_member WHERE character_id = ANY($1::uuid[])`,
        [[ansel.id, silent.id]],
      );
      expect(count).toBe(0);

      // 0 is the greeting, which a character without one need not have.
      const quiet = await open({ character_id: silent.id, greeting_index: 0 }).expect(201);
      expect(await storyOf(alice.auth, quiet.body.id)).toEqual([]);
    });
  });

  describe('editing', () => {
    it("edits a character's reply and the user's message in place; the next prompt has the new text", async () => {
      const chatId = await openChat(t, alice.auth, character.id);
      await say(alice.auth, chatId, 'Is the lamp lit?', 'The lamp is broken.');
      const [, question, answer] = await storyOf(alice.auth, chatId);

      const edited = await t.http
        .put(`/api/chats/${chatId}/messages/${answer.id}`)
        .set(alice.auth)
        .send({ content: 'The lamp burns bright.' })
        .expect(200);
      expect(edited.body).toMatchObject({
        id: answer.id,
        role: 'assistant',
        content: 'The lamp burns bright.',
        parent_id: question.id,
        alternative_index: 0,
        alternative_count: 1,
        edited_at: expect.any(String),
      });
      await t.http
        .put(`/api/chats/${chatId}/messages/${question.id}`)
        .set(alice.auth)
        .send({ content: 'Is the lamp lit, Mira?' })
        .expect(200);
      await t.http
        .put(`/api/chats/${chatId}/messages/${question.id}`)
        .set(alice.auth)
        .send({ content: '' })
        .expect(400);

      const story = await storyOf(alice.auth, chatId);
      expect(story.map(({ content, edited_at }) => [content, edited_at !== null])).toEqual([
        [GREETING, false],
        ['Is the lamp lit, Mira?', true],
        ['The lamp burns bright.', true],
      ]);

      await say(alice.auth, chatId, 'Good.', 'Indeed.');
      const prompt = lastPrompt();
      expect(prompt).toContain('The lamp burns bright.');
      expect(prompt).toContain('Is the lamp lit, Mira?');
      expect(prompt).not.toContain('The lamp is broken.');
    });

    it('resends an earlier message of mine as a new branch with a streamed reply', async () => {
      const chatId = await openChat(t, alice.auth, character.id);
      await say(alice.auth, chatId, 'Where to?', 'North.');
      await say(alice.auth, chatId, 'Why?', 'Storms.');
      const before = await storyOf(alice.auth, chatId);

      fake.script({ content: 'South, then.' });
      const res = await stream(t.url, `/api/chats/${chatId}/messages/${before[1].id}/resend`, {
        headers: alice.auth,
        body: { content: 'Where to now?', temperature: 0.5 },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/event-stream');
      const { text, last } = replyOf(await res.rest());
      expect(text).toBe('South, then.');

      const after = await storyOf(alice.auth, chatId);
      expect(contents(after)).toEqual([GREETING, 'Where to now?', 'South, then.']);
      expect(after[1]).toMatchObject({
        parent_id: before[0].id,
        alternative_index: 1,
        alternative_count: 2,
      });
      expect(last).toMatchObject({
        type: 'done',
        user_message_id: after[1].id,
        message_id: after[2].id,
      });
      expect((await chatOf(alice.auth, chatId)).message_count).toBe(3);
      const sent = completions().at(-1)!.body!;
      expect(sent.temperature).toBe(0.5);
      // The newest turn, read before the post-history that follows it.
      expect(sent.messages!.filter((m) => m.role !== 'system').at(-1)).toEqual({
        role: 'user',
        content: 'Where to now?',
      });
      for (const gone of ['Where to?', 'North.', 'Why?', 'Storms.']) {
        expect(JSON.stringify(sent.messages)).not.toContain(gone);
      }

      // Not a message of the user's: 409; the old branch is still there to go back to.
      const reply = await stream(t.url, `/api/chats/${chatId}/messages/${after[2].id}/resend`, {
        headers: alice.auth,
        body: { content: 'Hm' },
      });
      expect(reply).toMatchObject({ status: 409, body: { message: /message of yours/ } });
      const old = await select(alice.auth, chatId, after[1].id, 0).expect(200);
      expect(contents(old.body.messages)).toEqual(contents(before));
      // A message off the story as it stands: select its branch first.
      const offPath = await stream(t.url, `/api/chats/${chatId}/messages/${after[1].id}/resend`, {
        headers: alice.auth,
        body: { content: 'Again' },
      });
      expect(offPath).toMatchObject({ status: 409, body: { message: /select its branch/ } });
      expect(contents(await storyOf(alice.auth, chatId))).toEqual(contents(before));
    });
  });

  describe('deleting and rewinding', () => {
    it('deletes one message: what followed moves up, the leaf and the count follow', async () => {
      const chatId = await openChat(t, alice.auth, character.id);
      await appendToPath(t.dataSource, chatId, [
        { role: 'user', content: 'one' },
        { role: 'assistant', content: 'two', characterId: character.id },
        { role: 'user', content: 'three' },
        { role: 'assistant', content: 'four', characterId: character.id },
      ]);
      const [, one, two, , four] = await storyOf(alice.auth, chatId);

      const res = await t.http
        .delete(`/api/chats/${chatId}/messages/${two.id}`)
        .set(alice.auth)
        .expect(200);
      expect(contents(res.body.messages)).toEqual([GREETING, 'one', 'three', 'four']);
      expect(res.body.messages[2].parent_id).toBe(one.id);
      expect((await chatOf(alice.auth, chatId)).message_count).toBe(4);
      const depths = await t.dataSource.query<Array<{ content: string; depth: number }>>(
        `SELECT content, depth FROM message WHERE chat_id = $1 ORDER BY id`,
        [chatId],
      );
      expect(depths).toEqual([
        { content: GREETING, depth: 1 },
        { content: 'one', depth: 2 },
        { content: 'three', depth: 3 },
        { content: 'four', depth: 4 },
      ]);

      // The last message: its parent ends the story.
      const leaf = await t.http
        .delete(`/api/chats/${chatId}/messages/${four.id}`)
        .set(alice.auth)
        .expect(200);
      expect(contents(leaf.body.messages)).toEqual([GREETING, 'one', 'three']);
      expect((await chatOf(alice.auth, chatId)).message_count).toBe(3);
      await t.http.delete(`/api/chats/${chatId}/messages/${four.id}`).set(alice.auth).expect(404);

      await say(alice.auth, chatId, 'five', 'six');
      const prompt = lastPrompt();
      expect(prompt).toContain('three');
      for (const gone of ['"two"', '"four"']) expect(prompt).not.toContain(gone);
      expect(contents(await storyOf(alice.auth, chatId))).toEqual([
        GREETING,
        'one',
        'three',
        'five',
        'six',
      ]);
      await expectWholeTree(chatId);
    });

    it('deletes a message with alternatives below: they move up, still alternatives', async () => {
      const chatId = await openChat(t, alice.auth, character.id);
      await say(alice.auth, chatId, 'Hello?', 'First.');
      await regenerate(alice.auth, chatId, 'Second.');
      const [greeting, question] = await storyOf(alice.auth, chatId);

      const res = await t.http
        .delete(`/api/chats/${chatId}/messages/${question.id}`)
        .set(alice.auth)
        .expect(200);
      expect(res.body.messages).toEqual([
        expect.objectContaining({ content: GREETING }),
        expect.objectContaining({
          content: 'Second.',
          parent_id: greeting.id,
          alternative_index: 1,
          alternative_count: 2,
        }),
      ]);
      expect((await chatOf(alice.auth, chatId)).message_count).toBe(2);
      await expectWholeTree(chatId);
    });

    it('deletes a message the summary covered: the summary goes; after its end, it stays', async () => {
      const { chatId, line } = await storyOfLines(6);
      // A summary of the story up to line 5.
      await summarizeThrough(chatId, line(5).id);

      // A message after the summary's end: the summary holds, and the next prompt carries it.
      await t.http
        .delete(`/api/chats/${chatId}/messages/${line(7).id}`)
        .set(alice.auth)
        .expect(200);
      expect(await summaryState(chatId)).toEqual({
        summary: 'They met at the pier.',
        through: line(5).id,
      });
      await say(alice.auth, chatId, 'Still there?', 'Yes.');
      expect(lastPrompt()).toContain('They met at the pier.');

      // One it covered: the summary goes, from the chat and from the next prompt.
      const res = await t.http
        .delete(`/api/chats/${chatId}/messages/${line(3).id}`)
        .set(alice.auth)
        .expect(200);
      expect(contents(res.body.messages)).toEqual([
        GREETING,
        'line 2',
        'line 4',
        'line 5',
        'line 6',
        'Still there?',
        'Yes.',
      ]);
      expect(await summaryState(chatId)).toEqual({ summary: null, through: null });
      expect((await chatOf(alice.auth, chatId)).summary).toBeNull();
      await say(alice.auth, chatId, 'And now?', 'Now we wait.');
      const prompt = lastPrompt();
      expect(prompt).not.toContain('They met at the pier.');
      expect(prompt).not.toContain('line 3');
      expect(prompt).toContain('line 4');

      // The message the summary ended at counts as covered too.
      await summarizeThrough(chatId, line(5).id, 'They waited.');
      await t.http
        .delete(`/api/chats/${chatId}/messages/${line(5).id}`)
        .set(alice.auth)
        .expect(200);
      expect(await summaryState(chatId)).toEqual({ summary: null, through: null });
      await expectWholeTree(chatId);
    });

    it('keeps the summary when an alternative left behind is edited or deleted, however old; one it covers on the path clears it', async () => {
      const ansel = await anselWithAlternates(['Ansel is asleep.', 'Ansel hums a sea shanty.']);
      const chatId = await openChat(t, alice.auth, ansel.id);
      await say(alice.auth, chatId, 'Is the lamp lit?', 'The lamp is broken.');
      const [, question, broken] = await storyOf(alice.auth, chatId);
      await regenerate(alice.auth, chatId, 'The lamp burns.');
      await say(alice.auth, chatId, 'Who lit it?', 'The keeper.');
      await say(alice.auth, chatId, 'Where is he?', 'Asleep upstairs.');
      const story = await storyOf(alice.auth, chatId);
      // Older than the summary's end, all three: the swiped reply and two unused greetings.
      const asleep = (
        await t.dataSource.query<Array<{ id: number }>>(
          `SELECT id::int FROM message WHERE chat_id = $1 AND content = 'Ansel is asleep.'`,
          [chatId],
        )
      )[0];
      await summarizeThrough(chatId, story.at(-2)!.id, 'Ansel keeps the lamp.');
      const kept = { summary: 'Ansel keeps the lamp.', through: story.at(-2)!.id };

      await t.http
        .put(`/api/chats/${chatId}/messages/${broken.id}`)
        .set(alice.auth)
        .send({ content: 'The lamp is very broken.' })
        .expect(200);
      expect(await summaryState(chatId)).toEqual(kept);
      await t.http.delete(`/api/chats/${chatId}/messages/${broken.id}`).set(alice.auth).expect(200);
      expect(await summaryState(chatId)).toEqual(kept);
      await t.http.delete(`/api/chats/${chatId}/messages/${asleep.id}`).set(alice.auth).expect(200);
      expect(await summaryState(chatId)).toEqual(kept);
      expect(contents(await storyOf(alice.auth, chatId))).toEqual(contents(story));
      await say(alice.auth, chatId, 'Shall we wake him?', 'Let him sleep.');
      expect(lastPrompt()).toContain('Ansel keeps the lamp.');

      // The user's question is on the path, above the summary's end: editing it clears it.
      await t.http
        .put(`/api/chats/${chatId}/messages/${question.id}`)
        .set(alice.auth)
        .send({ content: 'Is the lamp still lit?' })
        .expect(200);
      expect(await summaryState(chatId)).toEqual({ summary: null, through: null });
      await expectWholeTree(chatId);
    });

    it('rewinds: the messages after go, from the story, the next prompt and the summary', async () => {
      const { chatId, line } = await storyOfLines(8);
      // A summary of the story up to line 7.
      await summarizeThrough(chatId, line(7).id);

      const res = await t.http
        .post(`/api/chats/${chatId}/rewind`)
        .set(alice.auth)
        .send({ message_id: line(5).id })
        .expect(200);
      expect(contents(res.body.messages)).toEqual([
        GREETING,
        'line 2',
        'line 3',
        'line 4',
        'line 5',
      ]);
      expect(await chatOf(alice.auth, chatId)).toMatchObject({ message_count: 5, summary: null });
      const [{ count }] = await t.dataSource.query<Array<{ count: number }>>(
        `SELECT count(*)::int AS count FROM message WHERE chat_id = $1`,
        [chatId],
      );
      expect(count).toBe(5);

      await say(alice.auth, chatId, 'And now?', 'Now we wait.');
      const prompt = lastPrompt();
      expect(prompt).toContain('line 5');
      expect(prompt).not.toContain('They met at the pier.');
      for (const n of [6, 7, 8, 9]) expect(prompt).not.toContain(`line ${n}`);

      // A summary of messages that stay is kept.
      await summarizeThrough(chatId, line(3).id, 'Old news.');
      const [question] = (await storyOf(alice.auth, chatId)).slice(-2);
      await t.http
        .post(`/api/chats/${chatId}/rewind`)
        .set(alice.auth)
        .send({ message_id: question.id })
        .expect(200);
      expect(await chatOf(alice.auth, chatId)).toMatchObject({
        message_count: 6,
        summary: 'Old news.',
      });
      // At the end already: nothing changes.
      await t.http
        .post(`/api/chats/${chatId}/rewind`)
        .set(alice.auth)
        .send({ message_id: question.id })
        .expect(200);
      expect((await chatOf(alice.auth, chatId)).message_count).toBe(6);

      // A message on another branch is not in the story: 409.
      await say(alice.auth, chatId, 'Wait for what?', 'The tide.');
      const replaced = (await storyOf(alice.auth, chatId)).at(-1)!;
      await regenerate(alice.auth, chatId, 'The ship.');
      const off = await t.http
        .post(`/api/chats/${chatId}/rewind`)
        .set(alice.auth)
        .send({ message_id: replaced.id })
        .expect(409);
      expect(off.body.message).toMatch(/not on the story/);
      await expectWholeTree(chatId);
    });
  });

  describe('branching', () => {
    it('branches the story into a new chat; both go on independently', async () => {
      const chatId = await openChat(t, alice.auth, character.id);
      await say(alice.auth, chatId, 'Hello', 'Hi.');
      await say(alice.auth, chatId, 'Tell me a story', 'Once upon a tide.');
      const original = await storyOf(alice.auth, chatId);
      await t.dataSource.query(
        `UPDATE chat SET summary = 'They said hello.', summarized_through_id = $2 WHERE id = $1`,
        [chatId, original[1].id],
      );

      const res = await t.http
        .post(`/api/chats/${chatId}/branch`)
        .set(alice.auth)
        .send({ message_id: original[2].id })
        .expect(201);
      expect(res.body).toMatchObject({
        kind: 'direct',
        character: { id: character.id, name: 'Mira' },
        title: 'Mira (branch)',
        message_count: 3,
        summary: 'They said hello.',
        generating: false,
      });
      const branchId = res.body.id as string;
      expect(branchId).not.toBe(chatId);

      const copied = await storyOf(alice.auth, branchId);
      expect(contents(copied)).toEqual([GREETING, 'Hello', 'Hi.']);
      expect(copied.map((message) => message.parent_id)).toEqual([
        null,
        copied[0].id,
        copied[1].id,
      ]);
      expect(copied.map((message) => message.id)).not.toContain(original[2].id);
      // The summary now ends at the copy of the message it ended at.
      const [{ through }] = await t.dataSource.query<Array<{ through: number }>>(
        `SELECT summarized_through_id::int AS through FROM chat WHERE id = $1`,
        [branchId],
      );
      expect(through).toBe(copied[1].id);

      await say(alice.auth, branchId, 'Something else', 'As you wish.');
      expect(lastPrompt()).toContain('Hi.');
      expect(lastPrompt()).not.toContain('Tell me a story');
      await say(alice.auth, chatId, 'Go on', 'The tide rose.');
      expect(lastPrompt()).toContain('Once upon a tide.');
      expect(lastPrompt()).not.toContain('Something else');

      expect(contents(await storyOf(alice.auth, branchId))).toEqual([
        GREETING,
        'Hello',
        'Hi.',
        'Something else',
        'As you wish.',
      ]);
      expect(contents(await storyOf(alice.auth, chatId))).toEqual([
        ...contents(original),
        'Go on',
        'The tide rose.',
      ]);
      await expectWholeTree(branchId);
      await expectWholeTree(chatId);

      // From the opening, before the summary's end: no summary comes along.
      const early = await t.http
        .post(`/api/chats/${chatId}/branch`)
        .set(alice.auth)
        .send({ message_id: original[0].id })
        .expect(201);
      expect(early.body).toMatchObject({ message_count: 1, summary: null });
      const listed = (await t.http.get('/api/chats').set(alice.auth).expect(200)).body.items;
      expect(listed.map((chat: { id: string }) => chat.id)).toEqual(
        expect.arrayContaining([branchId, early.body.id]),
      );
    });

    it('branches a group chat with its members and title', async () => {
      const tomas = await publicCharacter(t, owner, { name: 'Tomas' });
      const group = await t.http
        .post('/api/chats')
        .set(alice.auth)
        .send({ character_ids: [character.id, tomas.id], title: 'Harbour night' })
        .expect(201);
      const [opening] = await storyOf(alice.auth, group.body.id);
      const res = await t.http
        .post(`/api/chats/${group.body.id}/branch`)
        .set(alice.auth)
        .send({ message_id: opening.id })
        .expect(201);
      expect(res.body).toMatchObject({
        kind: 'group',
        title: 'Harbour night (branch)',
        members: [{ id: character.id }, { id: tomas.id }],
        message_count: 1,
      });
    });
  });

  describe('paging', () => {
    it('pages a branched story by before_id: the active path only, in order, without gaps or repeats', async () => {
      const chatId = await openChat(t, alice.auth, character.id);
      await say(alice.auth, chatId, 'Q1', 'R1 first.');
      await regenerate(alice.auth, chatId, 'R1 second.');
      const r1 = (await storyOf(alice.auth, chatId)).at(-1)!;
      await select(alice.auth, chatId, r1.id, 0).expect(200);
      await say(alice.auth, chatId, 'Q2', 'R2 first.');
      await regenerate(alice.auth, chatId, 'R2 second.');
      await regenerate(alice.auth, chatId, 'R2 third.');
      const r2 = (await storyOf(alice.auth, chatId)).at(-1)!;
      await select(alice.auth, chatId, r2.id, 1).expect(200);
      await say(alice.auth, chatId, 'Q3', 'R3 first.');
      const q3 = (await storyOf(alice.auth, chatId)).at(-2)!;
      fake.script({ content: 'R3 second.' });
      await (
        await stream(t.url, `/api/chats/${chatId}/messages/${q3.id}/resend`, {
          headers: alice.auth,
          body: { content: 'Q3 again' },
        })
      ).rest();
      await say(alice.auth, chatId, 'Q4', 'R4.');

      const story = await storyOf(alice.auth, chatId);
      expect(contents(story)).toEqual([
        GREETING,
        'Q1',
        'R1 first.',
        'Q2',
        'R2 second.',
        'Q3 again',
        'R3 second.',
        'Q4',
        'R4.',
      ]);
      // The alternatives' ids fall between those of the path.
      const onPath = new Set(story.map((message) => message.id));
      const others = (
        await t.dataSource.query<Array<{ id: number }>>(
          `SELECT id::int FROM message WHERE chat_id = $1 ORDER BY id`,
          [chatId],
        )
      )
        .map((row) => row.id)
        .filter((id) => !onPath.has(id));
      expect(others).toHaveLength(5);
      expect(others.filter((id) => id > story[2].id && id < story[7].id)).toHaveLength(5);

      for (const limit of [1, 2, 3, 4, 8, 9]) {
        const read: Message[] = [];
        let beforeId: number | undefined;
        for (let pages = 1; ; pages++) {
          const query = beforeId === undefined ? { limit } : { limit, before_id: beforeId };
          const page = await t.http
            .get(`/api/chats/${chatId}/messages`)
            .query(query)
            .set(alice.auth)
            .expect(200);
          const messages = page.body.messages as Message[];
          expect({ limit, pages, size: messages.length }).toEqual({
            limit,
            pages,
            size: Math.min(limit, story.length - read.length),
          });
          read.unshift(...messages);
          if (!page.body.has_more) break;
          beforeId = messages[0].id;
        }
        expect({ limit, ids: read.map((message) => message.id) }).toEqual({
          limit,
          ids: story.map((message) => message.id),
        });
      }
    });
  });

  describe('quota', () => {
    const quotaUsed = async (user: TestUser): Promise<number> => {
      const [row] = await t.dataSource.query<Array<{ used: number | null }>>(
        `SELECT sum(used)::int AS used FROM message_quota WHERE subject = $1`,
        [`user:${user.id}`],
      );
      return row.used ?? 0;
    };

    it('charges one message for a regenerate and for an edit-and-resend, and none when the model fails', async () => {
      const user = await createUser(t);
      const chatId = await openChat(t, user.auth, character.id);
      await say(user.auth, chatId, 'Hello', 'Hi.');
      const used = await quotaUsed(user);
      expect(used).toBe(1);

      await regenerate(user.auth, chatId, 'Hey.');
      expect(await quotaUsed(user)).toBe(used + 1);
      const [, question] = await storyOf(user.auth, chatId);
      fake.script({ content: 'Hello to you.' });
      const resent = await stream(t.url, `/api/chats/${chatId}/messages/${question.id}/resend`, {
        headers: user.auth,
        body: { content: 'Hello!' },
      });
      expect(replyOf(await resent.rest()).text).toBe('Hello to you.');
      expect(await quotaUsed(user)).toBe(used + 2);

      const before = await storyOf(user.auth, chatId);
      const recover = failAll(fake, { fault: 'status', status: 500 });
      try {
        const regenerating = await stream(t.url, `/api/chats/${chatId}/regenerate`, {
          headers: user.auth,
          body: {},
        });
        expect(regenerating.status).toBe(200);
        expect(replyOf(await regenerating.rest()).last).toMatchObject({ type: 'error' });
        expect(await quotaUsed(user)).toBe(used + 2);
        expect(await storyOf(user.auth, chatId)).toEqual(before);

        const resending = await stream(
          t.url,
          `/api/chats/${chatId}/messages/${before[1].id}/resend`,
          { headers: user.auth, body: { content: 'Hello?' } },
        );
        expect(resending.status).toBe(200);
        expect(replyOf(await resending.rest()).last).toMatchObject({ type: 'error' });
        expect(await quotaUsed(user)).toBe(used + 2);
      } finally {
        recover();
        // The models the failures put on cooldown are back for the next tests.
        clock.advance(MODEL_COOLDOWN_MS + 1);
      }
      // As after a failed send, the new message stays, unanswered, the old branch beside it.
      const after = await storyOf(user.auth, chatId);
      expect(contents(after)).toEqual([GREETING, 'Hello?']);
      expect(after[1]).toMatchObject({ alternative_index: 2, alternative_count: 3 });
      await regenerate(user.auth, chatId, 'Hello, at last.');
      expect(await quotaUsed(user)).toBe(used + 3);
      expect(contents(await storyOf(user.auth, chatId))).toEqual([
        GREETING,
        'Hello?',
        'Hello, at last.',
      ]);
      await expectWholeTree(chatId);
    });
  });

  describe('rules', () => {
    it('refuses every change while a reply is being written, and changes nothing', async () => {
      const chatId = await openChat(t, alice.auth, character.id);
      await say(alice.auth, chatId, 'Hello', 'Hi.');
      await regenerate(alice.auth, chatId, 'Hey.');
      const before = await storyOf(alice.auth, chatId);
      const [greeting, question, reply] = before;
      // A live claim: another instance writing a reply in this chat.
      await t.dataSource.query(
        `INSERT INTO chat_generation (chat_id, instance_id) VALUES ($1, gen_random_uuid())`,
        [chatId],
      );
      const base = `/api/chats/${chatId}`;
      const answers = await Promise.all([
        select(alice.auth, chatId, reply.id, 0),
        t.http.put(`${base}/messages/${reply.id}`).set(alice.auth).send({ content: 'Edited' }),
        t.http.delete(`${base}/messages/${question.id}`).set(alice.auth),
        t.http.post(`${base}/rewind`).set(alice.auth).send({ message_id: greeting.id }),
      ]);
      expect(answers.map((res) => [res.status, res.body.message])).toEqual(
        Array(4).fill([409, expect.stringMatching(/reply is being written/)]),
      );
      const resent = await stream(t.url, `${base}/messages/${question.id}/resend`, {
        headers: alice.auth,
        body: { content: 'Hello again' },
      });
      expect(resent.status).toBe(409);
      expect(await storyOf(alice.auth, chatId)).toEqual(before);
      // Branching only reads the chat.
      await t.http
        .post(`${base}/branch`)
        .set(alice.auth)
        .send({ message_id: reply.id })
        .expect(201);

      await t.dataSource.query(`DELETE FROM chat_generation WHERE chat_id = $1`, [chatId]);
      await select(alice.auth, chatId, reply.id, 0).expect(200);
    });

    it("answers 404 for another chat's message and for someone else's chat", async () => {
      const mine = await openChat(t, alice.auth, character.id);
      const other = await openChat(t, alice.auth, character.id);
      const [foreign] = await storyOf(alice.auth, other);
      const [own] = await storyOf(alice.auth, mine);
      const tries = (who: Record<string, string>, chatId: string, messageId: number) => {
        const base = `/api/chats/${chatId}`;
        return [
          select(who, chatId, messageId, 0),
          t.http.put(`${base}/messages/${messageId}`).set(who).send({ content: 'X' }),
          t.http.delete(`${base}/messages/${messageId}`).set(who),
          t.http.post(`${base}/messages/${messageId}/resend`).set(who).send({ content: 'X' }),
          t.http.post(`${base}/rewind`).set(who).send({ message_id: messageId }),
          t.http.post(`${base}/branch`).set(who).send({ message_id: messageId }),
        ].map((request) => request.then((res) => res.status));
      };
      const routes = ['select', 'edit', 'delete', 'resend', 'rewind', 'branch'];
      for (const [who, statuses] of Object.entries({
        "another chat's message": await Promise.all(tries(alice.auth, mine, foreign.id)),
        'another user': await Promise.all(tries(bob.auth, mine, own.id)),
        'a guest': await Promise.all(tries(guest(), mine, own.id)),
      })) {
        expect({ who, statuses }).toEqual({ who, statuses: routes.map(() => 404) });
      }
      expect(await storyOf(alice.auth, mine)).toEqual([own]);

      const malformed = await t.http.delete(`/api/chats/${mine}/messages/abc`).set(alice.auth);
      expect(malformed.status).toBe(400);
      await t.http.delete(`/api/chats/${mine}/messages/0`).set(alice.auth).expect(400);
      await t.http.post(`/api/chats/${mine}/rewind`).set(alice.auth).send({}).expect(400);
    });

    it('lets guests steer their own chats, and no one else', async () => {
      const session = guest();
      const chatId = await openChat(t, session, character.id);
      await say(session, chatId, 'Hello', 'Hi.');
      await regenerate(session, chatId, 'Hey.');
      const [greeting, question, latest] = await storyOf(session, chatId);

      const selected = await select(session, chatId, latest.id, 0).expect(200);
      const reply = selected.body.messages[2] as Message;
      expect(reply.content).toBe('Hi.');
      await t.http
        .put(`/api/chats/${chatId}/messages/${question.id}`)
        .set(session)
        .send({ content: 'Hello!' })
        .expect(200);
      const branch = await t.http
        .post(`/api/chats/${chatId}/branch`)
        .set(session)
        .send({ message_id: reply.id })
        .expect(201);
      expect(contents(await storyOf(session, branch.body.id))).toEqual([GREETING, 'Hello!', 'Hi.']);
      await t.http.delete(`/api/chats/${chatId}/messages/${reply.id}`).set(session).expect(200);
      const rewound = await t.http
        .post(`/api/chats/${chatId}/rewind`)
        .set(session)
        .send({ message_id: greeting.id })
        .expect(200);
      expect(contents(rewound.body.messages)).toEqual([GREETING]);

      await select(guest(), chatId, greeting.id, 0).expect(404);
      await select(alice.auth, branch.body.id, greeting.id, 0).expect(404);
    });

    it('keeps the tree whole under parallel select, edit and regenerate', async () => {
      const chatId = await openChat(t, alice.auth, character.id);
      await say(alice.auth, chatId, 'Start', 'Reply A.');
      await regenerate(alice.auth, chatId, 'Reply B.');
      await regenerate(alice.auth, chatId, 'Reply C.');
      const [, question, reply] = await storyOf(alice.auth, chatId);

      const regenerating = async () => {
        const res = await stream(t.url, `/api/chats/${chatId}/regenerate`, {
          headers: alice.auth,
          body: {},
        });
        await res.rest();
        return res.status;
      };
      const statuses: Record<string, number[]> = { select: [], edit: [], regenerate: [] };
      for (let wave = 0; wave < 4; wave++) {
        const [selects, edits, regenerations] = await Promise.all([
          Promise.all(
            [0, 1, 2].map((index) =>
              select(alice.auth, chatId, reply.id, (index + wave) % 3).then((res) => res.status),
            ),
          ),
          Promise.all(
            [question.id, reply.id].map((id) =>
              t.http
                .put(`/api/chats/${chatId}/messages/${id}`)
                .set(alice.auth)
                .send({ content: `Edited in wave ${wave}` })
                .then((res) => res.status),
            ),
          ),
          Promise.all([regenerating(), regenerating()]),
        ]);
        statuses.select.push(...selects);
        statuses.edit.push(...edits);
        statuses.regenerate.push(...regenerations);
      }
      for (const [kind, answered] of Object.entries(statuses)) {
        expect({
          kind,
          unexpected: answered.filter((status) => ![200, 409].includes(status)),
        }).toEqual({ kind, unexpected: [] });
      }
      expect(statuses.regenerate).toContain(200);
      expect([...statuses.select, ...statuses.edit]).toContain(200);
      await eventually(async () => {
        const rows = await t.dataSource.query(`SELECT 1 FROM chat_generation WHERE chat_id = $1`, [
          chatId,
        ]);
        return rows.length === 0;
      });
      await expectWholeTree(chatId);
      expect(t.errorLogs()).toEqual([]);
    });
  });

  /** The tree's invariants hold (chat-support.ts: treeProblems). */
  async function expectWholeTree(chatId: string): Promise<void> {
    expect(await treeProblems(t, chatId)).toEqual([]);
  }
});
