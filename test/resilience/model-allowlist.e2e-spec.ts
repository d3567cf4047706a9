/**
 * Issue #24 item 6: the model a caller names is checked against its tier's allowlist (admin
 * settings `allowed_models.<tier>`). Reproduction: a guest reached
 * `openrouter:anthropic/claude-opus-4` and `openai:o1-pro`, a free user `openai:o1-pro`.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { SETTINGS } from '../../src/common/settings/settings.registry.js';
import { SettingsService } from '../../src/common/settings/settings.service.js';
import { providerEnv, providerOf } from '../llm/llm-test-support.js';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { guest, openChat, publicCharacter, replyOf, send, stream } from '../chat/chat-support.js';

describe('models per tier', () => {
  let fake: FakeLlm;
  let t: TestApp;
  let settings: SettingsService;
  let character: { id: string };

  beforeAll(async () => {
    fake = await startFakeLlm();
    t = await createTestApp({
      env: {
        ...providerEnv(fake.baseURL, ['openai', 'groq', 'openrouter']),
        LLM_PROVIDER_ORDER: 'openai,groq,openrouter',
        RATE_LIMIT_SCALE: '0',
      },
    });
    settings = t.app.get(SettingsService);
    character = await publicCharacter(t, await createUser(t));
  });

  beforeEach(() => fake.reset());

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  /** What naming `model` gets `who`: the status and, on a refusal, its message. */
  const attempt = async (who: Record<string, string>, model: string) => {
    const chatId = await openChat(t, who, character.id);
    const res = await send(t, who, chatId, { content: 'Hello', model });
    return { status: res.status, message: res.body?.message, events: res.events };
  };

  it('refuses a guest the models of the reproduction with a 400 naming the allowed ones', async () => {
    const allowed = 'allowed: auto, groq, cerebras, openrouter:*:free';
    expect(await attempt(guest(), 'openrouter:anthropic/claude-opus-4')).toMatchObject({
      status: 400,
      message: `Model openrouter:anthropic/claude-opus-4 is not available to guests; ${allowed}`,
    });
    // Even where the cost mode would let guests use paid providers.
    await settings.set('cost_mode', 'quality');
    try {
      expect(await attempt(guest(), 'openai:o1-pro')).toMatchObject({
        status: 400,
        message: expect.stringContaining(allowed),
      });
      // A bare provider would let it pick any model: refused as well.
      expect(await attempt(guest(), 'openrouter')).toMatchObject({ status: 400 });
    } finally {
      await settings.set('cost_mode', 'balanced');
    }
    // Nothing reached the upstream.
    expect(fake.requests).toHaveLength(0);
    // What is allowed still works.
    const free = await attempt(guest(), 'openrouter:meta-llama/llama-3.3-70b-instruct:free');
    expect(free.status).toBe(200);
    expect(replyOf(free.events).last).toMatchObject({ type: 'done' });
    expect(providerOf(fake.requests[0])).toBe('openrouter');
  });

  it('refuses a free user openai:o1-pro, on send and on regenerate, and allows its cheap set', async () => {
    const user = await createUser(t);
    const refused = await attempt(user.auth, 'openai:o1-pro');
    expect(refused).toMatchObject({
      status: 400,
      message: expect.stringMatching(
        /^Model openai:o1-pro is not available on the free tier; allowed: auto, .*openai:gpt-4\.1-mini/,
      ),
    });
    const chatId = await openChat(t, user.auth, character.id);
    expect((await send(t, user.auth, chatId, { content: 'Hi' })).status).toBe(200);
    const regenerate = await stream(t.url, `/api/chats/${chatId}/regenerate`, {
      headers: user.auth,
      body: { model: 'openai:o1-pro' },
    });
    expect(regenerate).toMatchObject({
      status: 400,
      body: { message: expect.stringContaining('openai:o1-pro is not available') },
    });
    expect(fake.requests.map((request) => request.body?.model)).not.toContain('o1-pro');

    const cheap = await attempt(user.auth, 'openai:gpt-4.1-mini');
    expect(cheap.status).toBe(200);
    expect(fake.requests.at(-1)!.body!.model).toBe('gpt-4.1-mini');
  });

  it('lets premium users and admins name any model by default', async () => {
    const premium: TestUser = await createUser(t, { tier: 'premium' });
    const admin: TestUser = await createUser(t, { role: 'admin' });
    for (const who of [premium, admin]) {
      fake.reset();
      const res = await attempt(who.auth, 'openai:o1-pro');
      expect(res.status).toBe(200);
      expect(fake.requests[0].body!.model).toBe('o1-pro');
    }
  });

  it('follows the admins’ setting: a narrowed free list refuses what it no longer names', async () => {
    const user = await createUser(t);
    await settings.set('allowed_models.free', ['groq:llama-3.3-70b-versatile']);
    try {
      expect(await attempt(user.auth, 'groq:llama-3.1-8b-instant')).toMatchObject({
        status: 400,
        message:
          'Model groq:llama-3.1-8b-instant is not available on the free tier; ' +
          'allowed: auto, groq:llama-3.3-70b-versatile',
      });
      expect((await attempt(user.auth, 'groq:llama-3.3-70b-versatile')).status).toBe(200);
      // auto is always allowed.
      expect((await attempt(user.auth, 'auto')).status).toBe(200);
    } finally {
      await settings.set('allowed_models.free', [...SETTINGS['allowed_models.free'].default]);
    }
  });
});
