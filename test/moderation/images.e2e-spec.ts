import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync } from 'node:fs';
import { SettingsService } from '../../src/common/settings/settings.service.js';
import { defaultAvatarPng, embedCardInPng } from '../../src/characters/lib/png-card.js';
import { llmEnv } from '../chat/chat-support.js';
import { startFakeLlm, type FakeLlm, type RecordedRequest } from '../support/fake-llm.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';

const REFUSED = (field: string) => ({
  status_code: 422,
  error: 'Unprocessable Entity',
  message: `${field}: refused by moderation (minors_sexual: sexual content involving minors)`,
  request_id: expect.any(String),
});

/** A moderation request asking about an image (text checks send strings). */
const isImage = (request: RecordedRequest) =>
  request.path === '/v1/moderations' &&
  Array.isArray(request.body?.input) &&
  (request.body.input as Array<{ type?: string }>).some((item) => item?.type === 'image_url');

/**
 * Issue #19 item 2 (avatars and generated images): with MODERATION_IMAGES the provider
 * endpoint reads every avatar before it is stored (uploads, a card's picture; generated ones
 * in character-generator.e2e-spec.ts), by the text's thresholds. A refusal is a 422 naming the
 * field, and nothing is stored; a provider switched off or failing lets the image pass, as it
 * lets text go to the rules alone.
 */
describe('image moderation through the provider endpoint', () => {
  let fake: FakeLlm;
  let t: TestApp;
  let owner: TestUser;

  beforeAll(async () => {
    fake = await startFakeLlm();
    t = await createTestApp({
      env: {
        ...llmEnv(fake),
        RATE_LIMIT_SCALE: '0',
        MODERATION_PROVIDER_URL: fake.baseURL,
        MODERATION_IMAGES: 'true',
      },
    });
    owner = await createUser(t);
  });

  beforeEach(() => fake.reset());

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  /** The provider scores every image as a minor made sexual (text as clean). */
  const refuseImages = () =>
    fake.onModeration((_, request) =>
      isImage(request) ? { scores: { 'sexual/minors': 0.95 } } : undefined,
    );
  const avatarFiles = () =>
    existsSync(t.config.storage.avatarDir) ? readdirSync(t.config.storage.avatarDir) : [];
  const draft = async (name: string): Promise<string> =>
    (
      await t.http
        .post('/api/characters')
        .set(owner.auth)
        .send({ name, description: 'A lighthouse keeper.', greeting: 'Hello.' })
        .expect(201)
    ).body.id;
  const upload = (id: string) =>
    t.http
      .post(`/api/characters/${id}/avatar`)
      .set(owner.auth)
      .attach('file', defaultAvatarPng(), 'a.png');
  const metric = async (name: string, labels: string): Promise<number> => {
    const text = (await t.http.get('/api/metrics').expect(200)).text;
    const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
    return line === undefined ? 0 : Number(line.split(' ')[1]);
  };
  const cardPng = (name: string) =>
    embedCardInPng(defaultAvatarPng(), {
      spec: 'chara_card_v2',
      spec_version: '2.0',
      data: {
        name,
        description: 'A lighthouse keeper.',
        personality: 'gruff',
        scenario: 'a storm',
        first_mes: 'Hello.',
        mes_example: '',
        creator_notes: '',
        system_prompt: '',
        post_history_instructions: '',
        alternate_greetings: [],
        tags: [],
        creator: '',
        character_version: '',
        group_only_greetings: [],
        extensions: {},
      },
    });
  const charactersNamed = async (name: string): Promise<number> => {
    const [row] = await t.dataSource.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM character WHERE owner_id = $1 AND name = $2`,
      [owner.id, name],
    );
    return row.n;
  };

  it('refuses an avatar upload the classifier refuses: a 422 naming file, nothing stored', async () => {
    const id = await draft('Keeper');
    const files = avatarFiles().length;
    const refusals = await metric(
      'moderation_hits_total',
      'category="minors_sexual",stage="image",source="provider"',
    );
    refuseImages();
    const res = await upload(id);
    expect({ status: res.status, body: res.body }).toEqual({ status: 422, body: REFUSED('file') });
    // The re-encoded pixels went as one image input, a data URL.
    const asked = fake.requests.filter(isImage);
    expect(asked).toHaveLength(1);
    expect(asked[0].body!.input).toEqual([
      { type: 'image_url', image_url: { url: expect.stringMatching(/^data:image\/png;base64,/) } },
    ]);
    const character = await t.http.get(`/api/characters/${id}`).set(owner.auth).expect(200);
    expect(character.body.avatar_url).toBeNull();
    expect(avatarFiles()).toHaveLength(files);
    expect(
      await metric(
        'moderation_hits_total',
        'category="minors_sexual",stage="image",source="provider"',
      ),
    ).toBe(refusals + 1);
  });

  it('stores an avatar the classifier allows', async () => {
    const id = await draft('Lamp');
    const res = await upload(id).expect(200);
    expect(res.body.avatar_url).toMatch(/^\/api\/avatars\/[0-9a-f-]{36}\.png$/);
    expect(fake.requests.filter(isImage)).toHaveLength(1);
  });

  it('refuses a card whose picture the classifier refuses, naming the picture; a clean one imports with it', async () => {
    refuseImages();
    const refused = await t.http
      .post('/api/characters/import')
      .set(owner.auth)
      .attach('file', cardPng('Harbour Pilot'), 'card.png');
    expect({ status: refused.status, body: refused.body }).toEqual({
      status: 422,
      body: REFUSED('picture'),
    });
    expect(await charactersNamed('Harbour Pilot')).toBe(0);

    fake.reset();
    const imported = await t.http
      .post('/api/characters/import')
      .set(owner.auth)
      .attach('file', cardPng('Harbour Pilot'), 'card.png')
      .expect(201);
    expect(imported.body.avatar_url).toMatch(/^\/api\/avatars\//);
    expect(fake.requests.filter(isImage)).toHaveLength(1);
  });

  it('lets an image pass when the provider is switched off, or fails (counted)', async () => {
    const settings = t.app.get(SettingsService);
    refuseImages();
    await settings.set('moderation_provider_enabled', false);
    try {
      await upload(await draft('Switched Off')).expect(200);
      expect(fake.requests.filter(isImage)).toHaveLength(0);
    } finally {
      await settings.set('moderation_provider_enabled', true);
    }

    fake.reset();
    fake.onModeration((_, request) =>
      isImage(request) ? { fault: 'status', status: 500 } : undefined,
    );
    const failures = await metric('moderation_provider_failures_total', 'kind="error"');
    await upload(await draft('Failing')).expect(200);
    expect(fake.requests.filter(isImage)).toHaveLength(1);
    expect(await metric('moderation_provider_failures_total', 'kind="error"')).toBe(failures + 1);
    expect(t.errorLogs()).toEqual([]);
  });
});
