import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { llmEnv, openChat, publicCharacter, send } from '../chat/chat-support.js';
import { providerOf } from '../llm/llm-test-support.js';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';

// Admin changes seen where they matter: in what the chat sends upstream and to whom.
describe('admin changes applied to chat', () => {
  let fake: FakeLlm;
  let t: TestApp;
  let admin: TestUser;
  let user: TestUser;
  let character: { id: string };

  beforeAll(async () => {
    fake = await startFakeLlm();
    t = await createTestApp({ env: { ...llmEnv(fake), RATE_LIMIT_SCALE: '0' } });
    [admin, user] = await Promise.all([createUser(t, { role: 'admin' }), createUser(t)]);
    character = await publicCharacter(t, admin);
  });

  beforeEach(() => fake.reset());

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  const systemPromptSent = () => String(fake.requests.at(-1)?.body?.messages?.[0]?.content ?? '');

  it('sends an overridden prompt upstream, and the default again after DELETE', async () => {
    const override = 'OVERRIDE: you are {{char}}, a lighthouse keeper who never lies.';
    await t.http
      .put('/api/admin/prompts/identity/en')
      .set(admin.auth)
      .send({ text: override })
      .expect(200);
    const chat = await openChat(t, user.auth, character.id);
    expect((await send(t, user.auth, chat)).status).toBe(200);
    expect(systemPromptSent()).toContain(
      'OVERRIDE: you are Mira, a lighthouse keeper who never lies.',
    );

    await t.http.delete('/api/admin/prompts/identity/en').set(admin.auth).expect(200);
    expect((await send(t, user.auth, chat)).status).toBe(200);
    expect(systemPromptSent()).not.toContain('OVERRIDE');
  });

  it('falls back to the next provider when an admin disables one', async () => {
    const chat = await openChat(t, user.auth, character.id);
    await send(t, user.auth, chat);
    expect(providerOf(fake.requests.at(-1)!)).toBe('openai');

    await t.http
      .put('/api/admin/settings/provider_enabled.openai')
      .set(admin.auth)
      .send({ value: false })
      .expect(200);
    fake.reset();
    const reply = await send(t, user.auth, chat, { content: 'Still there?' });
    expect(reply.events.at(-1)?.type).toBe('done');
    expect(fake.requests.map(providerOf)).toEqual(['groq']);

    await t.http
      .put('/api/admin/settings/provider_enabled.openai')
      .set(admin.auth)
      .send({ value: true })
      .expect(200);
  });
});
