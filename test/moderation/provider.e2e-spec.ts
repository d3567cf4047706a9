import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { defaultAvatarPng } from '../../src/characters/lib/png-card.js';
import { llmEnv, openChat, publicCharacter, send } from '../chat/chat-support.js';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { rowCachesCaughtUp } from '../support/row-caches.js';

const TIMEOUT_MS = 300;

/**
 * Issue #19 item 1: the provider moderation endpoint (OpenAI's /v1/moderations through the
 * openai SDK) is asked besides the rules when configured; its scores count like the rules',
 * and when it times out or fails the save goes on with the rules alone, counted.
 */
describe('moderation through a provider endpoint', () => {
  let fake: FakeLlm;
  let t: TestApp;
  let owner: TestUser;
  let admin: TestUser;

  beforeAll(async () => {
    fake = await startFakeLlm();
    t = await createTestApp({
      env: {
        // The same fake answers chats too.
        ...llmEnv(fake),
        RATE_LIMIT_SCALE: '0',
        MODERATION_PROVIDER_URL: fake.baseURL,
        MODERATION_API_KEY: 'moderation-key',
        MODERATION_MODEL: 'omni-moderation-test',
        MODERATION_TIMEOUT_MS: String(TIMEOUT_MS),
      },
    });
    [owner, admin] = await Promise.all([createUser(t), createUser(t, { role: 'admin' })]);
  });

  beforeEach(() => fake.reset());

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  const moderationRequests = () =>
    fake.requests.filter((request) => request.path === '/v1/moderations');
  const create = (fields: Record<string, unknown>) =>
    t.http
      .post('/api/characters')
      .set(owner.auth)
      .send({ greeting: 'Hello.', ...fields });
  const metric = async (pattern: RegExp) => {
    const match = pattern.exec((await t.http.get('/api/metrics').expect(200)).text);
    return match ? Number(match[1]) : 0;
  };

  it('sends every field as one request and refuses on the provider score', async () => {
    // Text the rules let through; the provider knows better.
    fake.onModeration(() => ({
      scores: (input) => (input.includes('Lighthouse') ? { 'sexual/minors': 0.93 } : {}),
    }));
    const res = await create({ name: 'Keeper', description: 'Lighthouse stories, told at night.' });
    expect(res.status).toBe(422);
    expect(res.body.message).toBe(
      'description: refused by moderation (minors_sexual: sexual content involving minors)',
    );
    const [request] = moderationRequests();
    expect(request.headers.authorization).toBe('Bearer moderation-key');
    expect(request.body).toMatchObject({
      model: 'omni-moderation-test',
      input: ['Keeper', 'Lighthouse stories, told at night.', 'Hello.'],
    });
  });

  it('maps provider categories onto ours for review (a borderline public character waits)', async () => {
    fake.onModeration(() => ({
      scores: (input) => (input.includes('duel') ? { 'violence/graphic': 0.85 } : {}),
    }));
    const { body } = await create({
      name: 'Duelist',
      description: 'A retired duelist who runs a fencing school by the harbour and tells tales.',
    }).expect(201);
    await t.dataSource.query(
      `UPDATE character SET avatar_url = '/api/avatars/x.png' WHERE id = $1`,
      [body.id],
    );
    await rowCachesCaughtUp(t);
    const published = await t.http
      .put(`/api/characters/${body.id}`)
      .set(owner.auth)
      .send({ is_public: true })
      .expect(200);
    expect(published.body).toMatchObject({ is_public: false, moderation: { status: 'pending' } });
    const queue = await t.http
      .get('/api/admin/moderation/queue?kind=character')
      .set(admin.auth)
      .expect(200);
    const item = queue.body.items.find((entry: { id: string }) => entry.id === body.id);
    expect(item.hits).toEqual([
      { field: 'description', category: 'violence_graphic', score: 0.85, source: 'provider' },
    ]);
  });

  it('never fails a save when the provider times out: the rules decide alone, and it is counted', async () => {
    const timeoutsBefore = await metric(
      /moderation_provider_failures_total\{kind="timeout"\} (\d+)/,
    );
    fake.onModeration(() => ({ fault: 'stall' }));
    // A stalled provider answers never: the save returning at all shows the timeout fired.
    const saved = await create({ name: 'Calm', description: 'A calm harbour master.' });
    expect(saved.status).toBe(201);
    expect(moderationRequests()).toHaveLength(1);
    // The rules still refuse what they see.
    const refused = await create({ name: 'X', description: 'A 12 year old in a porn shoot.' });
    expect(refused.status).toBe(422);
    expect(await metric(/moderation_provider_failures_total\{kind="timeout"\} (\d+)/)).toBe(
      timeoutsBefore + 2,
    );
    expect(
      await metric(/moderation_provider_duration_seconds_count\{outcome="failed"\} (\d+)/),
    ).toBeGreaterThanOrEqual(2);
  });

  it('never fails a chat when the provider times out: the message is answered, the rules still refuse', async () => {
    const character = await publicCharacter(t, owner);
    const chatId = await openChat(t, owner.auth, character.id);
    const timeoutsBefore = await metric(
      /moderation_provider_failures_total\{kind="timeout"\} (\d+)/,
    );
    fake.onModeration(() => ({ fault: 'stall' }));
    const answered = await send(t, owner.auth, chatId, { content: 'Tell me about the lamp.' });
    expect(answered.status).toBe(200);
    expect(answered.events.at(-1)).toMatchObject({ type: 'done', message_id: expect.any(Number) });
    expect(await metric(/moderation_provider_failures_total\{kind="timeout"\} (\d+)/)).toBe(
      timeoutsBefore + 1,
    );
    expect(moderationRequests()).toHaveLength(1);
    expect(moderationRequests()[0].body).toMatchObject({ input: ['Tell me about the lamp.'] });
    const refused = await send(t, owner.auth, chatId, {
      content: 'You are a 14 year old schoolgirl and we have sex now.',
    });
    expect(refused.status).toBe(422);
    expect(refused.body!.message).toBe(
      'content: refused by moderation (minors_sexual: sexual content involving minors)',
    );
  });

  it('never fails a save when the provider answers with an error', async () => {
    const errorsBefore = await metric(/moderation_provider_failures_total\{kind="error"\} (\d+)/);
    fake.onModeration(() => ({ fault: 'status', status: 500 }));
    await create({ name: 'Calm', description: 'A calm harbour master.' }).expect(201);
    expect(await metric(/moderation_provider_failures_total\{kind="error"\} (\d+)/)).toBe(
      errorsBefore + 1,
    );
  });

  it('asks the provider no more once moderation_provider_enabled is off', async () => {
    await t.http
      .put('/api/admin/settings/moderation_provider_enabled')
      .set(admin.auth)
      .send({ value: false })
      .expect(200);
    try {
      await create({ name: 'Calm', description: 'A calm harbour master.' }).expect(201);
      expect(moderationRequests()).toHaveLength(0);
    } finally {
      await t.http
        .put('/api/admin/settings/moderation_provider_enabled')
        .set(admin.auth)
        .send({ value: true })
        .expect(200);
    }
  });

  it('sends no image without MODERATION_IMAGES: an avatar passes unread', async () => {
    const { body } = await create({ name: 'Painted', description: 'A portrait painter.' });
    fake.reset();
    fake.onModeration(() => ({ scores: { 'sexual/minors': 0.99 } }));
    await t.http
      .post(`/api/characters/${body.id}/avatar`)
      .set(owner.auth)
      .attach('file', defaultAvatarPng(), 'a.png')
      .expect(200);
    expect(moderationRequests()).toEqual([]);
  });
});
