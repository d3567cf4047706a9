import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { LlmService } from '../../src/llm/llm.service.js';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { providerEnv } from './llm-test-support.js';

describe('GET /api/models/:provider', () => {
  let fake: FakeLlm;
  let t: TestApp;
  let premium: TestUser;

  beforeAll(async () => {
    fake = await startFakeLlm();
    // Together's live list, as its API answers: a bare array of every kind of model.
    fake.setModels(
      [
        { id: 'meta-llama/Llama-3.3-70B-Instruct-Turbo', type: 'chat' },
        {
          id: 'acme/Storyteller-13B',
          type: 'language',
          display_name: 'Storyteller 13B',
          organization: 'Acme',
        },
        { id: 'black-forest-labs/FLUX.1-schnell', type: 'image' },
        { id: 'BAAI/bge-large-en-v1.5', type: 'embedding' },
      ],
      { bareArray: true },
    );
    t = await createTestApp({ env: providerEnv(fake.baseURL, ['together', 'groq']) });
    premium = await createUser(t, { tier: 'premium' });
  });

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('lists a free provider’s models with quality scores, best first, in snake_case', async () => {
    const res = await t.http.get('/api/models/groq').expect(200);
    // Per caller (its tier decides the list): private, and varying with the token.
    expect(res.headers['cache-control']).toBe('private, max-age=300');
    expect(res.headers.vary).toMatch(/Authorization/);
    expect(res.body.provider).toBe('groq');
    expect(res.body.models).toHaveLength(6);
    expect(res.body.models[0]).toEqual({
      id: 'moonshotai/kimi-k2-instruct',
      name: 'Kimi K2',
      vendor: 'moonshot',
      quality: 8.5,
      nsfw: false,
      thinking: false,
    });
    const qualities = res.body.models.map((model: { quality: number }) => model.quality);
    expect(qualities).toEqual([...qualities].sort((a, b) => b - a));
    await t.http.get('/api/models/openrouter').expect(200);
    await t.http.get('/api/models/cerebras').expect(200);
  });

  it('refreshes Together’s list from /models, keeping chat and language models', async () => {
    const res = await t.http.get('/api/models/together').set(premium.auth).expect(200);
    // Listed models keep our scores, unknown ones rank below them; images and embeddings go.
    expect(res.body.models).toEqual([
      expect.objectContaining({ id: 'meta-llama/Llama-3.3-70B-Instruct-Turbo', quality: 7.5 }),
      {
        id: 'acme/Storyteller-13B',
        name: 'Storyteller 13B',
        vendor: 'acme',
        quality: 5,
        nsfw: true,
        thinking: false,
      },
    ]);
    await t.http.get('/api/models/together').set(premium.auth).expect(200);
    const listings = fake.requests.filter((request) => request.path === '/v1/models');
    // Asked once (then cached), with Together's key.
    expect(listings.map((request) => request.headers.authorization)).toEqual([
      'Bearer together-key',
    ]);
  });

  it('shows each tier only the models its allowlist lets it name', async () => {
    const free = await createUser(t);
    const admin = await createUser(t, { role: 'admin' });
    const ids = (body: { models: Array<{ id: string }> }) => body.models.map((m) => m.id);

    // Guests: free providers, and of OpenRouter only its `:free` models; nothing of Together.
    const guestTogether = await t.http.get('/api/models/together').expect(200);
    expect(guestTogether.body).toEqual({ provider: 'together', models: [] });
    const guestRouter = await t.http.get('/api/models/openrouter').expect(200);
    expect(ids(guestRouter.body).length).toBeGreaterThan(0);
    expect(ids(guestRouter.body).every((id: string) => id.endsWith(':free'))).toBe(true);
    const guest = await t.http.get('/api/models').expect(200);
    expect(guest.body.allowed).toEqual(['auto', 'groq', 'cerebras', 'openrouter:*:free']);
    expect(guest.body.providers.map((p: { provider: string }) => p.provider)).toEqual([
      'openrouter',
      'groq',
      'cerebras',
    ]);

    // Free: Together's cheap models by name, not the rest of its list.
    const freeTogether = await t.http.get('/api/models/together').set(free.auth).expect(200);
    expect(ids(freeTogether.body)).toEqual(['meta-llama/Llama-3.3-70B-Instruct-Turbo']);
    const freeAll = await t.http.get('/api/models').set(free.auth).expect(200);
    expect(freeAll.body.allowed).toContain('openai:gpt-4.1-mini');
    expect(freeAll.body.allowed).not.toContain('*');

    // Premium and admins: everything.
    for (const who of [premium, admin]) {
      const all = await t.http.get('/api/models').set(who.auth).expect(200);
      expect(all.body.allowed).toEqual(['auto', '*']);
      expect(all.body.providers).toHaveLength(4);
      const together = await t.http.get('/api/models/together').set(who.auth).expect(200);
      expect(together.body.models).toHaveLength(2);
    }

    // The allowlist is the admins' setting: a change shows at once.
    await t.http
      .put('/api/admin/settings/allowed_models.guest')
      .set(admin.auth)
      .send({ value: ['groq:llama-3.1-8b-instant'] })
      .expect(200);
    try {
      const narrowed = await t.http.get('/api/models').expect(200);
      expect(narrowed.body).toEqual({
        allowed: ['auto', 'groq:llama-3.1-8b-instant'],
        providers: [
          { provider: 'groq', models: [expect.objectContaining({ id: 'llama-3.1-8b-instant' })] },
        ],
      });
    } finally {
      await t.http
        .put('/api/admin/settings/allowed_models.guest')
        .set(admin.auth)
        .send({ value: ['groq', 'cerebras', 'openrouter:*:free'] })
        .expect(200);
    }
  });

  it('answers an unknown provider with a JSON 404', async () => {
    const res = await t.http.get('/api/models/anthropic').expect(404);
    // The route's public max-age is for lists, not for this answer.
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({
      status_code: 404,
      error: 'Not Found',
      message: expect.stringContaining('groq'),
    });
  });

  it('is documented in OpenAPI with its response schema', async () => {
    const { body } = await t.http.get('/api/docs-json').expect(200);
    expect(
      body.paths['/api/models'].get.responses['200'].content['application/json'].schema.$ref,
    ).toBe('#/components/schemas/AllowedModelsResponseDto');
    const operation = body.paths['/api/models/{provider}'].get;
    expect(operation.responses['200'].content['application/json'].schema.$ref).toBe(
      '#/components/schemas/ModelListResponseDto',
    );
    expect(Object.keys(body.components.schemas.ModelDto.properties)).toEqual([
      'id',
      'name',
      'vendor',
      'quality',
      'nsfw',
      'thinking',
    ]);
  });

  it('gives up on a model list whose body stalls, instead of waiting for ever', async () => {
    const stalled = await startFakeLlm();
    stalled.setModels([{ id: 'fake-model' }], { stallBody: true });
    const app = await createTestApp({
      env: { ...providerEnv(stalled.baseURL, ['groq']), LLM_FIRST_TOKEN_TIMEOUT_MS: '300' },
    });
    try {
      await expect(app.app.get(LlmService).listUpstreamModels('groq')).rejects.toThrow();
      await stalled.waitForAborted(1);
      stalled.setModels([{ id: 'fake-model' }, { id: 'fake-model-2' }]);
      expect(await app.app.get(LlmService).listUpstreamModels('groq')).toEqual([
        'fake-model',
        'fake-model-2',
      ]);
    } finally {
      await app.close();
      await stalled.close();
    }
  });
});
