import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { startFakeLlm, type FakeLlm, type RecordedRequest } from '../support/fake-llm.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import {
  failAll,
  llmEnv,
  maxTokensOf,
  messagesOf,
  openChat,
  publicCharacter,
  send,
} from './chat-support.js';

type UpstreamMessage = { role: string; content: string };

describe('persona ghostwriting', () => {
  let fake: FakeLlm;
  let t: TestApp;
  let owner: TestUser;
  /** An admin on the free tier, whose messages are counted against the daily limit. */
  let admin: TestUser;
  let character: { id: string };

  beforeAll(async () => {
    fake = await startFakeLlm();
    t = await createTestApp({ env: { ...llmEnv(fake), RATE_LIMIT_SCALE: '0' } });
    [owner, admin] = await Promise.all([
      createUser(t),
      createUser(t, { role: 'admin', tier: 'free' }),
    ]);
    character = await publicCharacter(t, owner, {
      name: 'Mira',
      greeting: 'Mira looks up from the lamp.',
    });
  });

  beforeEach(() => fake.reset());

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  const path = (chatId: string) => `/api/chats/${chatId}/generate-persona-reply`;

  const completions = (): RecordedRequest[] =>
    fake.requests.filter((request) => request.path.endsWith('/chat/completions'));

  const usedToday = async (user: TestUser): Promise<number> =>
    (
      await t.dataSource.query<Array<{ used: number }>>(
        `SELECT used FROM message_quota WHERE subject = $1 AND period = $2`,
        [`user:${user.id}`, new Date().toISOString().slice(0, 10)],
      )
    )[0]?.used ?? 0;

  async function adminChat(): Promise<string> {
    const chatId = await openChat(t, admin.auth, character.id);
    await t.dataSource.query(
      `UPDATE chat SET persona_name = 'Alex', persona_description = 'A runaway mechanic.'
       WHERE id = $1`,
      [chatId],
    );
    fake.script({ content: 'Mira hands over the map.' });
    await send(t, admin.auth, chatId, { content: 'Where does the road go?' });
    fake.reset();
    return chatId;
  }

  it("writes the user's next line as their persona, saves nothing, and counts it", async () => {
    const chatId = await adminChat();
    const before = await messagesOf(t, chatId);
    const used = await usedToday(admin);
    fake.script({ content: 'Alex unfolds the map. "Then we go north."' });

    const res = await t.http
      .post(path(chatId))
      .set(admin.auth)
      .send({ temperature: 0.4, max_tokens: 200 })
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({ content: 'Alex unfolds the map. "Then we go north."' });
    expect(await messagesOf(t, chatId)).toEqual(before);
    expect(await usedToday(admin)).toBe(used + 1);

    const [request] = completions();
    expect(completions()).toHaveLength(1);
    expect(request.body!.temperature).toBe(0.4);
    expect(maxTokensOf(request)).toBe(200);
    const messages = request.body!.messages as UpstreamMessage[];
    expect(messages[0].role).toBe('system');
    expect(messages[0].content).toMatch(
      /^You ghostwrite the next message of the user's character in a roleplay chat with Mira\./,
    );
    expect(messages[0].content).toContain("The user's character: Alex\nA runaway mechanic.");
    // The model plays the persona: the user's lines are its own, the character's what it answers.
    expect(messages.slice(1)).toEqual([
      { role: 'user', content: 'Mira looks up from the lamp.' },
      { role: 'assistant', content: 'Where does the road go?' },
      { role: 'user', content: 'Mira hands over the map.' },
    ]);
  });

  it('gives the message back when the model fails', async () => {
    const chatId = await adminChat();
    const used = await usedToday(admin);
    const recover = failAll(fake, { fault: 'status', status: 400 });
    const res = await t.http.post(path(chatId)).set(admin.auth).send({}).expect(503);
    recover();
    expect(res.body).toMatchObject({ status_code: 503, error: expect.any(String) });
    // Admins see what failed.
    expect(res.body.message).toMatch(/openai\//);
    expect(await usedToday(admin)).toBe(used);
    expect(t.errorLogs()).toEqual([]);
  });

  it('refuses non-admins, strangers to the chat, and bad options', async () => {
    const chatId = await adminChat();
    const user = await createUser(t);
    const userChat = await openChat(t, user.auth, character.id);
    const other = await createUser(t, { role: 'admin' });

    await t.http.post(path(chatId)).send({}).expect(401);
    const forbidden = await t.http.post(path(userChat)).set(user.auth).send({}).expect(403);
    expect(forbidden.body).toMatchObject({ status_code: 403, message: expect.any(String) });
    const missing = await t.http.post(path(chatId)).set(other.auth).send({}).expect(404);
    expect(missing.body.message).toBe('Chat not found');
    await t.http.post(path('not-a-uuid')).set(admin.auth).send({}).expect(400);
    const invalid = await t.http
      .post(path(chatId))
      .set(admin.auth)
      .send({ temperature: 5, content: 'x' })
      .expect(400);
    expect(invalid.body.message).toMatch(/temperature|content/);
    expect(completions()).toHaveLength(0);
  });
});
