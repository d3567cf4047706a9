import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { providerOf } from '../llm/llm-test-support.js';
import { startFakeLlm, type FakeLlm, type RecordedRequest } from '../support/fake-llm.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import {
  guest,
  llmEnv,
  maxTokensOf,
  openChat,
  publicCharacter,
  send,
  stream,
} from './chat-support.js';
import { rowCachesCaughtUp } from '../support/row-caches.js';

type UpstreamMessage = { role: string; content: string };

interface Member {
  id: string;
  name: string;
}

interface RoundEvent {
  type: 'token' | 'done' | 'error' | 'end';
  character_id?: string;
  message?: string;
}

const UNSET = {
  model: null,
  temperature: null,
  top_p: null,
  top_k: null,
  frequency_penalty: null,
  presence_penalty: null,
  max_tokens: null,
  author_note: null,
  memory_chat_only: false,
};

/**
 * Issue #17 items 7 and 8: a chat's own settings (sampling, model, reply length, author's
 * note) defaulting from the user's preferences, and group controls (who speaks next, muted
 * members, speaking order).
 */
describe('chat settings, preferences and group controls', () => {
  let fake: FakeLlm;
  let t: TestApp;
  let owner: TestUser;
  let mira: Member;
  let bram: Member;
  let cleo: Member;

  const character = async (name: string): Promise<Member> => {
    const { id } = await publicCharacter(t, owner, { name, greeting: `${name} waves.` });
    await t.dataSource.query(`UPDATE character SET description = $2 WHERE id = $1`, [
      id,
      `${name} keeps the ${name.toLowerCase()} lamp.`,
    ]);
    await rowCachesCaughtUp(t);
    return { id, name };
  };

  beforeAll(async () => {
    fake = await startFakeLlm();
    t = await createTestApp({ env: { ...llmEnv(fake), RATE_LIMIT_SCALE: '0' } });
    owner = await createUser(t);
    mira = await character('Mira');
    bram = await character('Bram');
    cleo = await character('Cleo');
  });

  beforeEach(() => fake.reset());

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  const completions = (): RecordedRequest[] =>
    fake.requests.filter((request) => request.path.endsWith('/chat/completions'));

  const messagesSent = (request: RecordedRequest): UpstreamMessage[] =>
    request.body!.messages as UpstreamMessage[];

  const settingsOf = async (who: Record<string, string>, chatId: string) =>
    (await t.http.get(`/api/chats/${chatId}/settings`).set(who).expect(200)).body;

  const putSettings = (who: Record<string, string>, chatId: string, body: object) =>
    t.http.put(`/api/chats/${chatId}/settings`).set(who).send(body);

  /** Sends a message and returns the one upstream request it made. */
  const sentWith = async (
    who: Record<string, string>,
    chatId: string,
    body: Record<string, unknown> = { content: 'Hello there' },
  ): Promise<RecordedRequest> => {
    fake.reset();
    const { status, events } = await send(t, who, chatId, body);
    expect({ status, last: events.at(-1)?.type }).toEqual({ status: 200, last: 'done' });
    expect(completions()).toHaveLength(1);
    return completions()[0];
  };

  describe('settings', () => {
    it('apply at the upstream; a request’s own options override them; an empty PUT unsets them', async () => {
      const user = await createUser(t);
      const chatId = await openChat(t, user.auth, mira.id);
      expect(await settingsOf(user.auth, chatId)).toEqual(UNSET);

      const settings = {
        model: 'groq',
        temperature: 0.2,
        top_p: 0.5,
        top_k: 40,
        frequency_penalty: 0.1,
        presence_penalty: -0.2,
        max_tokens: 300,
      };
      const put = await putSettings(user.auth, chatId, settings).expect(200);
      expect(put.body).toEqual({ ...UNSET, ...settings });
      expect(await settingsOf(user.auth, chatId)).toEqual({ ...UNSET, ...settings });

      const applied = await sentWith(user.auth, chatId);
      expect(providerOf(applied)).toBe('groq');
      expect(applied.body).toMatchObject({
        temperature: 0.2,
        top_p: 0.5,
        frequency_penalty: 0.1,
        presence_penalty: -0.2,
      });
      expect(maxTokensOf(applied)).toBe(300);

      const overridden = await sentWith(user.auth, chatId, {
        content: 'Again',
        model: 'openai:gpt-4.1-mini',
        temperature: 0.9,
        max_tokens: 100,
      });
      expect(providerOf(overridden)).toBe('openai');
      expect(overridden.body).toMatchObject({
        model: 'gpt-4.1-mini',
        temperature: 0.9,
        top_p: 0.5,
      });
      expect(maxTokensOf(overridden)).toBe(100);

      // Regenerate goes by them too.
      fake.reset();
      const regenerated = await stream(t.url, `/api/chats/${chatId}/regenerate`, {
        headers: user.auth,
        body: {},
      });
      await regenerated.rest();
      expect(completions()[0].body).toMatchObject({ temperature: 0.2 });

      expect((await putSettings(user.auth, chatId, {}).expect(200)).body).toEqual(UNSET);
      const defaults = await sentWith(user.auth, chatId);
      // The cost mode's pick and the spec's SFW defaults; the character's length within the tier.
      expect(providerOf(defaults)).toBe('openai');
      expect(defaults.body).toMatchObject({ temperature: 0.85, frequency_penalty: 0.3 });
      expect(defaults.body).not.toHaveProperty('top_p');
      expect(maxTokensOf(defaults)).toBe(2048);
    });

    it("carry the author's note into the prompt at its depth", async () => {
      const user = await createUser(t);
      const chatId = await openChat(t, user.auth, mira.id);
      fake.script({ content: 'Mira nods.' });
      await send(t, user.auth, chatId, { content: 'First question.' });
      const note = '[Keep the tone eerie.]';

      await putSettings(user.auth, chatId, { author_note: { text: ` ${note} `, depth: 0 } }).expect(
        200,
      );
      expect((await settingsOf(user.auth, chatId)).author_note).toEqual({ text: note, depth: 0 });
      const atEnd = messagesSent(await sentWith(user.auth, chatId, { content: 'Second.' }));
      const at = atEnd.findIndex((message) => message.content === note);
      expect(atEnd[at].role).toBe('system');
      // Right after the newest message: no chat line follows it.
      expect(atEnd[at - 1]).toEqual({ role: 'user', content: 'Second.' });
      expect(atEnd.slice(at + 1).filter((message) => message.role !== 'system')).toEqual([]);

      await putSettings(user.auth, chatId, { author_note: { text: note, depth: 2 } }).expect(200);
      const deeper = messagesSent(await sentWith(user.auth, chatId, { content: 'Third.' }));
      const deep = deeper.findIndex((message) => message.content === note);
      expect(deeper.filter((message) => message.content === note)).toHaveLength(1);
      // Two chat lines after it: the previous reply and the newest message.
      expect(deeper.slice(deep + 1).filter((message) => message.role !== 'system')).toEqual([
        { role: 'assistant', content: expect.any(String) },
        { role: 'user', content: 'Third.' },
      ]);
      expect(deeper[deep + 1].role).toBe('assistant');

      // Without a note, none.
      await putSettings(user.auth, chatId, {}).expect(200);
      const none = messagesSent(await sentWith(user.auth, chatId, { content: 'Fourth.' }));
      expect(none.some((message) => message.content === note)).toBe(false);
    });

    it("are held to the tier's caps and their own ranges; guests have them for their chats", async () => {
      const user = await createUser(t);
      const chatId = await openChat(t, user.auth, mira.id);
      const refused = async (body: object, status: number, pattern: RegExp) => {
        const res = await putSettings(user.auth, chatId, body).expect(status);
        expect(res.body.message).toEqual(expect.stringMatching(pattern));
      };
      await refused({ max_tokens: 4096 }, 400, /max_tokens must be at most 2048/);
      await refused({ model: 'anthropic:claude-opus-4' }, 400, /anthropic:claude-opus-4/);
      await refused({ temperature: 3 }, 400, /temperature/);
      await refused({ author_note: { text: 'x'.repeat(2001), depth: 1 } }, 400, /text/);
      await refused({ author_note: { text: 'Note', depth: 51 } }, 400, /depth/);
      await refused({ author_note: { text: 'Note' } }, 400, /depth/);
      await refused({ author_note: { text: '', depth: 1 } }, 400, /text/);
      await refused({ nonsense: 1 }, 400, /nonsense/);
      expect(await settingsOf(user.auth, chatId)).toEqual(UNSET);

      const premium = await createUser(t, { tier: 'premium' });
      const premiumChat = await openChat(t, premium.auth, mira.id);
      await putSettings(premium.auth, premiumChat, { max_tokens: 4096 }).expect(200);

      const session = guest(randomUUID());
      const guestChat = await openChat(t, session, mira.id);
      await putSettings(session, guestChat, { max_tokens: 2048 }).expect(400);
      await putSettings(session, guestChat, { model: 'openai:gpt-4.1-mini' }).expect(400);
      await putSettings(session, guestChat, { temperature: 0.4, max_tokens: 512 }).expect(200);
      const guestRequest = await sentWith(session, guestChat);
      expect(guestRequest.body).toMatchObject({ temperature: 0.4 });
      expect(maxTokensOf(guestRequest)).toBe(512);

      // Someone else's chat does not exist.
      await t.http.get(`/api/chats/${chatId}/settings`).set(session).expect(404);
      await putSettings(owner.auth, chatId, { temperature: 1 }).expect(404);
      await putSettings(guest(randomUUID()), guestChat, {}).expect(404);
    });
  });

  describe('preferences', () => {
    it('start new chats (direct and group) from them; chats already open keep theirs', async () => {
      const user = await createUser(t);
      await t.http.get('/api/me/preferences').expect(401);
      await t.http.get('/api/me/preferences').set(guest()).expect(401);
      expect((await t.http.get('/api/me/preferences').set(user.auth).expect(200)).body).toEqual({
        model: null,
        max_tokens: null,
        language: 'en',
        default_persona_id: null,
      });
      const earlier = await openChat(t, user.auth, mira.id);

      const persona = async (name: string) =>
        (await t.http.post('/api/personas').set(user.auth).send({ name }).expect(201)).body
          .id as string;
      const alex = await persona('Alex');
      const sam = await persona('Sam');
      expect((await t.http.get('/api/me/preferences').set(user.auth).expect(200)).body).toEqual(
        expect.objectContaining({ default_persona_id: alex }),
      );

      const updated = await t.http
        .put('/api/me/preferences')
        .set(user.auth)
        .send({ model: 'groq', max_tokens: 500, language: 'fr', default_persona_id: sam })
        .expect(200);
      expect(updated.body).toEqual({
        model: 'groq',
        max_tokens: 500,
        language: 'fr',
        default_persona_id: sam,
      });
      const personas = (await t.http.get('/api/personas').set(user.auth).expect(200)).body;
      expect(personas.find((item: { is_default: boolean }) => item.is_default)).toMatchObject({
        id: sam,
        name: 'Sam',
      });

      const chatId = await openChat(t, user.auth, mira.id);
      const chat = (await t.http.get(`/api/chats/${chatId}`).set(user.auth).expect(200)).body;
      expect(chat).toMatchObject({ language: 'fr', persona_name: 'Sam' });
      expect(await settingsOf(user.auth, chatId)).toEqual({
        ...UNSET,
        model: 'groq',
        max_tokens: 500,
      });
      const request = await sentWith(user.auth, chatId);
      expect(providerOf(request)).toBe('groq');
      expect(maxTokensOf(request)).toBe(500);
      // A chat's own settings win over the preferences it started from.
      await putSettings(user.auth, chatId, { max_tokens: 250 }).expect(200);
      expect(maxTokensOf(await sentWith(user.auth, chatId))).toBe(250);

      const group = await t.http
        .post('/api/chats')
        .set(user.auth)
        .send({ character_ids: [mira.id, bram.id] })
        .expect(201);
      expect(await settingsOf(user.auth, group.body.id)).toMatchObject({
        model: 'groq',
        max_tokens: 500,
      });
      expect(await settingsOf(user.auth, earlier)).toEqual(UNSET);

      // Only what is sent changes; null clears.
      const cleared = await t.http
        .put('/api/me/preferences')
        .set(user.auth)
        .send({ max_tokens: null })
        .expect(200);
      expect(cleared.body).toEqual({
        model: 'groq',
        max_tokens: null,
        language: 'fr',
        default_persona_id: sam,
      });
    });

    it('refuses what the tier may not use and personas of others, changing nothing', async () => {
      const user = await createUser(t);
      const other = await createUser(t);
      const theirs = (
        await t.http.post('/api/personas').set(other.auth).send({ name: 'Theirs' }).expect(201)
      ).body.id as string;
      const before = (await t.http.get('/api/me/preferences').set(user.auth).expect(200)).body;

      const put = (body: object) => t.http.put('/api/me/preferences').set(user.auth).send(body);
      expect(
        (await put({ language: 'de', default_persona_id: theirs }).expect(404)).body.message,
      ).toBe('Persona not found');
      expect((await put({ language: 'de', max_tokens: 5000 }).expect(400)).body.message).toMatch(
        /max_tokens must be at most 2048/,
      );
      await put({ language: 'de', model: 'anthropic:claude-opus-4' }).expect(400);
      await put({ language: 'xx' }).expect(400);
      await put({ model: 'Not a model!' }).expect(400);
      expect((await t.http.get('/api/me/preferences').set(user.auth).expect(200)).body).toEqual(
        before,
      );
    });
  });

  describe('group controls', () => {
    const openGroup = async (who: TestUser, members: Member[]): Promise<string> =>
      (
        await t.http
          .post('/api/chats')
          .set(who.auth)
          .send({ character_ids: members.map((member) => member.id) })
          .expect(201)
      ).body.id as string;

    /** Sends a message to a group chat; who answered, in order, and the prompts' system texts. */
    const round = async (who: TestUser, chatId: string, extra: Record<string, unknown> = {}) => {
      fake.reset();
      const res = await stream(t.url, `/api/chats/${chatId}/message`, {
        headers: who.auth,
        body: { content: 'Who is there?', ...extra },
      });
      const events = (await res.rest()) as unknown as RoundEvent[];
      return {
        status: res.status,
        body: res.body,
        spoke: events.filter((event) => event.type === 'done').map((event) => event.character_id),
        systems: completions().map((request) => messagesSent(request)[0].content),
        last: events.at(-1),
      };
    };

    const quotaUsed = async (user: TestUser): Promise<number> => {
      const [row] = await t.dataSource.query<Array<{ used: number | null }>>(
        `SELECT sum(used)::int AS used FROM message_quota WHERE subject = $1`,
        [`user:${user.id}`],
      );
      return row.used ?? 0;
    };

    it('lets the user choose who speaks next, in which order, or one member alone', async () => {
      const user = await createUser(t);
      const chatId = await openGroup(user, [mira, bram, cleo]);

      const chosen = await round(user, chatId, { speaker_ids: [cleo.id, mira.id] });
      expect(chosen.spoke).toEqual([cleo.id, mira.id]);
      expect(chosen.last).toMatchObject({ type: 'end' });
      // Bram sits this round out but is still in the scene.
      expect(chosen.systems[0]).toMatch(/^You are Cleo\./);
      expect(chosen.systems[0]).toMatch(/also present: .*Bram/);

      const alone = await round(user, chatId, { speaker_ids: [bram.id.toUpperCase()] });
      expect(alone.spoke).toEqual([bram.id]);
      expect(alone.systems).toHaveLength(1);

      // The next message without speaker_ids: everyone, in order.
      expect((await round(user, chatId)).spoke).toEqual([mira.id, bram.id, cleo.id]);

      const used = await quotaUsed(user);
      const stranger = await round(user, chatId, { speaker_ids: [randomUUID()] });
      expect(stranger.status).toBe(400);
      expect(stranger.body!.message).toMatch(/speaker_ids/);
      const twice = await round(user, chatId, { speaker_ids: [mira.id, mira.id] });
      expect(twice.status).toBe(400);
      expect(await quotaUsed(user)).toBe(used);
      expect(completions()).toHaveLength(0);

      // A direct chat's one character may be named; no one else.
      const direct = await openChat(t, user.auth, mira.id);
      expect((await round(user, direct, { speaker_ids: [mira.id] })).spoke).toEqual([undefined]);
      expect((await round(user, direct, { speaker_ids: [bram.id] })).status).toBe(400);
    });

    it('mutes a member: it sits rounds out unless named; one at least keeps speaking', async () => {
      const user = await createUser(t);
      const chatId = await openGroup(user, [mira, bram, cleo]);
      const mute = (characterId: string, muted: boolean) =>
        t.http.put(`/api/chats/${chatId}/members/${characterId}`).set(user.auth).send({ muted });

      const muted = await mute(bram.id, true).expect(200);
      expect(muted.body).toMatchObject({ id: chatId, muted_member_ids: [bram.id] });
      expect(muted.body.members.map((member: Member) => member.id)).toEqual([
        mira.id,
        bram.id,
        cleo.id,
      ]);
      expect((await round(user, chatId)).spoke).toEqual([mira.id, cleo.id]);
      expect((await round(user, chatId, { speaker_ids: [bram.id] })).spoke).toEqual([bram.id]);

      await mute(mira.id, true).expect(200);
      const last = await mute(cleo.id, true).expect(409);
      expect(last.body.message).toMatch(/unmute/);
      expect((await round(user, chatId)).spoke).toEqual([cleo.id]);
      const unmuted = await mute(bram.id, false).expect(200);
      expect(unmuted.body.muted_member_ids).toEqual([mira.id]);
      expect((await round(user, chatId)).spoke).toEqual([bram.id, cleo.id]);

      await mute(randomUUID(), true).expect(404);
      await mute('not-a-uuid', true).expect(400);
      await t.http
        .put(`/api/chats/${chatId}/members/${bram.id}`)
        .set(user.auth)
        .send({ muted: 'yes' })
        .expect(400);
      await t.http
        .put(`/api/chats/${chatId}/members/${bram.id}`)
        .set(owner.auth)
        .send({ muted: true })
        .expect(404);
      await t.http
        .put(`/api/chats/${chatId}/members/${bram.id}`)
        .set(guest())
        .send({ muted: true })
        .expect(401);

      // A direct chat's one character is its last speaker.
      const direct = await openChat(t, user.auth, mira.id);
      await t.http
        .put(`/api/chats/${direct}/members/${mira.id}`)
        .set(user.auth)
        .send({ muted: true })
        .expect(409);
    });

    it('reorders the members: the same set in a new speaking order, the first the lead', async () => {
      const user = await createUser(t);
      const chatId = await openGroup(user, [mira, bram, cleo]);
      await t.http
        .put(`/api/chats/${chatId}/members/${mira.id}`)
        .set(user.auth)
        .send({ muted: true })
        .expect(200);
      const reorder = (ids: string[]) =>
        t.http.put(`/api/chats/${chatId}/members`).set(user.auth).send({ character_ids: ids });

      const res = await reorder([cleo.id, mira.id, bram.id]).expect(200);
      expect(res.body.members.map((member: Member) => member.id)).toEqual([
        cleo.id,
        mira.id,
        bram.id,
      ]);
      expect(res.body.character.id).toBe(cleo.id);
      expect(res.body.muted_member_ids).toEqual([mira.id]);
      expect((await round(user, chatId)).spoke).toEqual([cleo.id, bram.id]);
      // Read back the same way.
      const chat = (await t.http.get(`/api/chats/${chatId}`).set(user.auth).expect(200)).body;
      expect(chat.members.map((member: Member) => member.id)).toEqual([cleo.id, mira.id, bram.id]);

      for (const ids of [
        [cleo.id, mira.id],
        [cleo.id, mira.id, bram.id, randomUUID()],
        [cleo.id, mira.id, randomUUID()],
        [cleo.id, cleo.id, bram.id],
        [],
      ]) {
        await reorder(ids).expect(400);
      }
      const unchanged = (await t.http.get(`/api/chats/${chatId}`).set(user.auth).expect(200)).body;
      expect(unchanged.members.map((member: Member) => member.id)).toEqual([
        cleo.id,
        mira.id,
        bram.id,
      ]);
      await t.http
        .put(`/api/chats/${chatId}/members`)
        .set(owner.auth)
        .send({ character_ids: [mira.id, bram.id, cleo.id] })
        .expect(404);
      expect(t.errorLogs()).toEqual([]);
    });
  });
});
