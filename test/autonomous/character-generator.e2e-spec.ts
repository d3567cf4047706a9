import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import sharp from 'sharp';
import { providerEnv, providerOf } from '../llm/llm-test-support.js';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import {
  insertCharacter,
  isGenerator,
  json,
  lastMessage,
  llmEnv,
  runTask,
  systemPrompt,
  validGenerated,
} from './autonomous-support.js';

/** A PNG the default avatar is not: proves the generated image is the one stored. */
// Stored avatars are re-encoded, so the painted one is told from the 64×64 default by its size.
const PAINTED_PNG = await sharp({
  create: { width: 32, height: 16, channels: 3, background: '#123456' },
})
  .png()
  .toBuffer();
const pixelSize = async (file: string) => {
  const { width, height } = await sharp(readFileSync(file)).metadata();
  return { width, height };
};

interface ImageApi {
  baseURL: string;
  requests: Array<Record<string, unknown>>;
  /** Answer with this status instead of an image. */
  failWith?: number;
  close(): Promise<void>;
}

/**
 * OpenAI's images endpoint in front of the fake LLM: /images/generations answers here, every
 * other request is passed through, so one OPENAI_BASE_URL serves chat and images.
 */
async function startImageApi(fake: FakeLlm): Promise<ImageApi> {
  const upstream = new URL(fake.url);
  const api: ImageApi = { baseURL: '', requests: [], close: async () => undefined };
  const server: Server = createServer((req, res) => {
    if (req.url?.endsWith('/images/generations')) {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        api.requests.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        if (api.failWith) {
          res.writeHead(api.failWith, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { message: 'content policy' } }));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ data: [{ b64_json: PAINTED_PNG.toString('base64') }] }));
      });
      return;
    }
    const proxied = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(proxied);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api.baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  api.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return api;
}

describe('character generator', () => {
  let fake: FakeLlm;
  let images: ImageApi;
  let t: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    fake = await startFakeLlm();
    images = await startImageApi(fake);
    t = await createTestApp({
      env: { ...llmEnv(fake), OPENAI_BASE_URL: images.baseURL, SITE_NAME: 'Velvet' },
    });
    admin = await createUser(t, { role: 'admin' });
  });

  beforeEach(() => {
    fake.reset();
    images.requests.length = 0;
    images.failWith = undefined;
  });

  afterAll(async () => {
    await t?.close();
    await images?.close();
    await fake?.close();
  });

  const generatedCount = async (): Promise<number> =>
    (
      await t.dataSource.query(
        `SELECT count(*)::int AS count FROM character c JOIN app_user u ON u.id = c.owner_id
         WHERE u.email = 'platform@system.local'`,
      )
    )[0].count;

  const avatarFiles = () =>
    existsSync(t.config.storage.avatarDir) ? readdirSync(t.config.storage.avatarDir) : [];

  it('publishes a valid, humanized character under the platform account, with its avatar and translation queued', async () => {
    const generated = validGenerated({
      description:
        'Vera delves into the tapestry of the harbour. She decides which crates never arrive.',
    });
    fake.script(json(generated));

    const run = await runTask(t, admin, 'character_generator');

    expect(run).toMatchObject({
      status: 'ok',
      result: { name: generated.name, avatar: 'generated', model: expect.any(String) },
    });
    const [character] = await t.dataSource.query(
      `SELECT c.*, u.email, u.display_name FROM character c JOIN app_user u ON u.id = c.owner_id
       WHERE c.id = $1`,
      [run.result!.character_id],
    );
    expect(character).toMatchObject({
      name: generated.name,
      is_public: true,
      email: 'platform@system.local',
      display_name: 'Velvet',
      original_language: 'ru',
      structured_tags: ['mystery'],
      tags: ['smuggler', 'harbour', 'mystery'],
      response_length: 'medium',
    });
    expect(['sfw', 'nsfw']).toContain(character.content_rating);
    // The humanizer went over the model's text.
    expect(character.description).toBe(
      'Vera explores the blend of the harbour. She decides which crates never arrive.',
    );
    expect(character.personality).toMatch(/^Traits: counts exits when she enters a room; /);
    expect(character.personality).toContain('Never: never betrays a courier');
    expect(character.greeting).toBe(
      'Vera pries the lid off your crate with a rusty bar. The smell of tar and wet paper fills ' +
        'the office.\n\n"Books. Interesting choice of cargo."\n\nShe slides the stamp towards ' +
        'you, not quite letting go of it.',
    );
    expect(character.example_dialogues.match(/<START>/g)).toHaveLength(2);
    expect(character.speech_pattern).toContain('"Stamp or swim."');
    // The painted avatar is stored and served.
    const file = join(t.config.storage.avatarDir, character.avatar_url.split('/').pop());
    expect(await pixelSize(file)).toEqual({ width: 32, height: 16 });
    await t.http.get(character.avatar_url).expect(200);
    expect(images.requests).toEqual([
      expect.objectContaining({
        model: 'dall-e-3',
        response_format: 'b64_json',
        prompt: expect.stringContaining('harbour lights'),
      }),
    ]);
    const jobs = await t.dataSource.query(
      `SELECT payload FROM job WHERE type = 'characters.translate' AND status = 'pending'`,
    );
    expect(jobs).toContainEqual({ payload: { characterId: character.id } });
    // The model was told the rules, including the existing characters to avoid.
    const prompt = systemPrompt(fake.requests[0]);
    expect(prompt).toMatch(/adult of 18 or more/);
    expect(prompt).toMatch(/Behaviour only: nothing sexual/);
    await t.http.get(`/api/characters/${character.id}`).set(admin.auth).expect(200);
  });

  it('tells the model which characters exist, and rejects a taken name', async () => {
    await insertCharacter(t, admin.id, { name: 'Mira Vance' });
    const fresh = validGenerated();
    fake.script(json(validGenerated({ name: 'mira vance' })), json(fresh));
    const before = await generatedCount();

    const run = await runTask(t, admin, 'character_generator');

    expect(run.status).toBe('ok');
    expect(run.result!.name).toBe(fresh.name);
    expect(await generatedCount()).toBe(before + 1);
    expect(lastMessage(fake.requests[0])).toContain('- Mira Vance: A test character.');
    expect(lastMessage(fake.requests[1])).toMatch(/named "mira vance" exists already/);
  });

  it('retries invalid output once with the problems, and saves the corrected character', async () => {
    const fixed = validGenerated();
    fake.script(
      json(
        validGenerated({
          speech_pattern: 'Dry and short.',
          personality: { traits: ['brave'] },
          example_dialogues: [{ mood: 'calm', exchange: 'Hello' }],
        }),
      ),
      json(fixed),
    );

    const run = await runTask(t, admin, 'character_generator');

    expect(run.status).toBe('ok');
    expect(run.result!.name).toBe(fixed.name);
    const retry = lastMessage(fake.requests[1]);
    expect(retry).toMatch(/speech_pattern must include at least two example phrases/);
    expect(retry).toMatch(/personality.traits must be 8-12/);
    expect(retry).toMatch(/example_dialogues must hold 2-3/);
  });

  it('uses the default avatar when the images API refuses', async () => {
    images.failWith = 400;
    fake.script(json(validGenerated()));

    const run = await runTask(t, admin, 'character_generator');

    expect(run).toMatchObject({ status: 'ok', result: { avatar: 'default' } });
    const [{ avatar_url: url }] = await t.dataSource.query(
      `SELECT avatar_url FROM character WHERE id = $1`,
      [run.result!.character_id],
    );
    const file = join(t.config.storage.avatarDir, url.split('/').pop());
    expect(await pixelSize(file)).toEqual({ width: 64, height: 64 });
  });

  it('discards a painted avatar moderation refuses (MODERATION_IMAGES), logged, and keeps one it allows', async () => {
    const other = await createTestApp({
      env: {
        ...llmEnv(fake),
        OPENAI_BASE_URL: images.baseURL,
        MODERATION_PROVIDER_URL: fake.baseURL,
        MODERATION_IMAGES: 'true',
      },
      databaseUrl: t.databaseUrl,
    });
    try {
      const stored = async (id: unknown) => {
        const [{ avatar_url: url }] = await t.dataSource.query(
          `SELECT avatar_url FROM character WHERE id = $1`,
          [id],
        );
        return pixelSize(join(other.config.storage.avatarDir, url.split('/').pop()));
      };
      fake.onModeration((_, request) =>
        JSON.stringify(request.body?.input).includes('"image_url"')
          ? { scores: { 'sexual/minors': 0.9 } }
          : undefined,
      );
      fake.script(json(validGenerated({ name: 'Refused Portrait' })));
      const refused = await runTask(other, admin, 'character_generator');
      expect(refused).toMatchObject({ status: 'ok', result: { avatar: 'default' } });
      expect(await stored(refused.result!.character_id)).toEqual({ width: 64, height: 64 });
      expect(other.logs).toContainEqual(
        expect.objectContaining({
          level: 'warn',
          message: expect.stringMatching(/moderation refused it \(minors_sexual: /),
        }),
      );

      fake.reset();
      fake.script(json(validGenerated({ name: 'Allowed Portrait' })));
      const allowed = await runTask(other, admin, 'character_generator');
      expect(allowed).toMatchObject({ status: 'ok', result: { avatar: 'generated' } });
      expect(await stored(allowed.result!.character_id)).toEqual({ width: 32, height: 16 });
      expect(images.requests).toHaveLength(2);
    } finally {
      await other.close();
    }
  });

  describe('never saves', () => {
    it.each([
      ['output without JSON', [{ content: 'Sorry, I cannot.' }, { content: 'Still no.' }]],
      [
        'a character that breaks the create rules',
        [
          json(validGenerated({ name: 'x'.repeat(101) })),
          json(validGenerated({ response_length: 'endless' })),
        ],
      ],
      [
        'sexual behaviour in the personality',
        [
          json(
            validGenerated({
              personality: { ...validGenerated().personality, flaws: ['seductive and horny'] },
            }),
          ),
          json(
            validGenerated({
              personality: { ...validGenerated().personality, goals: ['sex with strangers'] },
            }),
          ),
        ],
      ],
    ])('%s', async (_label, replies) => {
      fake.script(...replies);
      const before = await generatedCount();
      const files = avatarFiles().length;

      const run = await runTask(t, admin, 'character_generator');

      expect(run.status).toBe('failed');
      expect(run.error).toMatch(/The model wrote no valid character/);
      expect(fake.requests).toHaveLength(2);
      expect(await generatedCount()).toBe(before);
      expect(avatarFiles()).toHaveLength(files);
      expect(images.requests).toEqual([]);
    });

    it.each([
      ['an age under 18', { age: 17 }],
      ['a missing age', { age: undefined }],
      ['a minor stated in the description', { description: 'A 16-year-old runaway pilot.' }],
      ['a minor implied in the concept', { concept: 'A shy teenager who runs a bookshop.' }],
      ['a minor in Russian', { appearance: `${validGenerated().appearance} Школьница в форме.` }],
      ['a school grade in the scenario', { scenario: 'Ученица 10 класса после уроков.' }],
      ['an under-age avatar prompt', { avatar_prompt: 'a schoolgirl with a backpack' }],
    ])('under-age output: %s', async (_label, overrides) => {
      fake.script(json(validGenerated(overrides)), json(validGenerated(overrides)));
      const before = await generatedCount();

      const run = await runTask(t, admin, 'character_generator');

      expect(run.status).toBe('failed');
      expect(run.error).toMatch(/adult/);
      expect(await generatedCount()).toBe(before);
      expect(images.requests).toEqual([]);
    });
  });

  // Last: the failed models stay on cooldown for the rest of this file.
  it('fails without touching the catalogue when no model is available', async () => {
    fake.onRequest((request) =>
      isGenerator(request) ? { fault: 'status', status: 503 } : undefined,
    );
    const before = await generatedCount();

    const run = await runTask(t, admin, 'character_generator');

    expect(run.status).toBe('failed');
    expect(await generatedCount()).toBe(before);
    expect(t.errorLogs()).toEqual([]);
  });

  it('asks the paid NSFW-friendly providers first, not the general autonomous order', async () => {
    const other = await createTestApp({
      env: {
        ...llmEnv(fake),
        ...providerEnv(fake.baseURL, ['together', 'gemini', 'groq']),
        OPENAI_BASE_URL: images.baseURL,
        AUTONOMOUS_PROVIDER_ORDER: 'gemini,groq,openai',
      },
      databaseUrl: t.databaseUrl,
    });
    try {
      fake.onRequest((request) =>
        isGenerator(request) ? json(validGenerated({ name: 'Ordered Vale' })) : undefined,
      );
      const run = await runTask(other, admin, 'character_generator');
      expect(run).toMatchObject({ status: 'ok', error: null });
      expect(new Set(fake.requests.filter(isGenerator).map(providerOf))).toEqual(
        new Set(['together']),
      );
    } finally {
      await other.close();
    }
  });
});
