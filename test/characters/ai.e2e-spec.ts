import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { JobQueue } from '../../src/common/jobs/job-queue.service.js';
import { SettingsService } from '../../src/common/settings/settings.service.js';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';

const draft = {
  name: 'Captain Mira Vance',
  description: 'A smuggler captain with a price on her head.',
  personality: 'bold, loyal, reckless, hates debts',
  scenario: 'The cargo bay of her ship, mid-escape.',
  greeting: 'Mira slams the hatch. "Strap in."',
  example_dialogues: '{{user}}: Who are you?\n{{char}}: "Your ride."',
  appearance: 'Scar over the left brow, flight jacket.',
  speech_pattern: 'Clipped, sardonic: "Not my first blockade."',
  tags: 'space, pirate',
  structured_tags: 'sci-fi',
  response_length: 'medium',
  content_rating: 'sfw',
};

describe('characters through the LLM layer', () => {
  let fake: FakeLlm;
  let t: TestApp;
  let user: TestUser;

  beforeAll(async () => {
    fake = await startFakeLlm();
    t = await createTestApp({
      env: {
        OPENAI_API_KEY: 'test-key',
        OPENAI_BASE_URL: fake.baseURL,
        LLM_PROVIDER_ORDER: 'openai',
      },
    });
    user = await createUser(t);
  });

  beforeEach(() => fake.reset());

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  describe('AI draft from text', () => {
    it('returns a validated draft without saving it', async () => {
      fake.script({ content: `Here you go:\n\`\`\`json\n${JSON.stringify(draft)}\n\`\`\`` });
      const res = await t.http
        .post('/api/characters/generate')
        .set(user.auth)
        .send({ text: 'a space smuggler captain', language: 'en' })
        .expect(200);
      expect(res.body).toMatchObject({
        ...draft,
        original_language: 'en',
        model: expect.any(String),
      });
      const [{ count }] = await t.dataSource.query(`SELECT count(*)::int AS count FROM character`);
      expect(count).toBe(0);
      const sent = fake.requests[0].body!;
      expect(JSON.stringify(sent.messages)).toContain('a space smuggler captain');
    });

    it('retries once when the model output breaks the rules', async () => {
      fake.script(
        { content: JSON.stringify({ ...draft, response_length: 'endless' }) },
        { content: JSON.stringify(draft) },
      );
      const res = await t.http
        .post('/api/characters/generate')
        .set(user.auth)
        .send({ text: 'a captain' })
        .expect(200);
      expect(res.body.name).toBe(draft.name);
      const retry = fake.requests[1].body!.messages!;
      expect(String(retry[retry.length - 1].content)).toContain('response_length');
    });

    it('answers 502 when the model fails twice', async () => {
      fake.script({ content: 'I would rather not.' }, { content: JSON.stringify({ name: '' }) });
      const res = await t.http
        .post('/api/characters/generate')
        .set(user.auth)
        .send({ text: 'a captain' });
      expect(res.status).toBe(502);
      expect(res.body.message).toMatch(/valid character draft/);
      expect(t.errorLogs()).toEqual([]);
    });

    it("counts toward the user's daily message limit, and a failed draft is given back", async () => {
      const settings = t.app.get(SettingsService);
      await settings.set('daily_message_limit', 1);
      const limited = await createUser(t);
      fake.script(
        { content: 'no json' },
        { content: 'still no json' },
        { content: JSON.stringify(draft) },
      );
      await t.http
        .post('/api/characters/generate')
        .set(limited.auth)
        .send({ text: 'a captain' })
        .expect(502);
      await t.http
        .post('/api/characters/generate')
        .set(limited.auth)
        .send({ text: 'a captain' })
        .expect(200);
      const over = await t.http
        .post('/api/characters/generate')
        .set(limited.auth)
        .send({ text: 'a captain' });
      expect(over.status).toBe(429);
      expect(over.body.message).toMatch(/Daily message limit/);
      const premium = await createUser(t, { tier: 'premium' });
      fake.script({ content: JSON.stringify(draft) });
      await t.http
        .post('/api/characters/generate')
        .set(premium.auth)
        .send({ text: 'a captain' })
        .expect(200);
      await settings.set('daily_message_limit', 200);
    });

    it('validates the request and needs a user', async () => {
      await t.http.post('/api/characters/generate').send({ text: 'a captain' }).expect(401);
      const empty = await t.http.post('/api/characters/generate').set(user.auth).send({ text: '' });
      expect(empty.status).toBe(400);
      const extra = await t.http
        .post('/api/characters/generate')
        .set(user.auth)
        .send({ text: 'abc', model: 'x' });
      expect(extra.status).toBe(400);
    });
  });

  describe('translation in the background', () => {
    const translated = (lang: string) => ({
      name: `Mira (${lang})`,
      description: `Beschreibung ${lang}`,
      personality: 'p',
      scenario: 's',
      greeting: 'g',
      appearance: 'a',
    });

    it('translates into the six other languages as a durable job, after the request', async () => {
      const created = await t.http
        .post('/api/characters')
        .set(user.auth)
        .send({ name: 'Mira', original_language: 'en' });
      expect(created.status).toBe(201);
      expect(fake.requests).toHaveLength(0); // the request did not wait for the model

      fake.onRequest((request) => {
        const system = String(request.body?.messages?.[0]?.content ?? '');
        const lang = /into (\w+)\./.exec(system)?.[1] ?? 'x';
        return lang === 'German'
          ? { content: 'Entschuldigung, das kann ich nicht.' }
          : { content: JSON.stringify(translated(lang)) };
      });
      await t.app.get(JobQueue).runDue();
      let job = (
        await t.dataSource.query(
          `SELECT status, attempts, last_error FROM job WHERE type = 'characters.translate'`,
        )
      )[0];
      expect(job).toMatchObject({
        status: 'pending',
        attempts: 1,
        last_error: 'not translated into de',
      });
      const partial = await t.http
        .get(`/api/characters/${created.body.id}?lang=fr`)
        .set(user.auth)
        .expect(200);
      expect(partial.body.name).toBe('Mira (French)');
      expect(partial.body.available_languages).not.toContain('de');

      // The retry only asks for what is missing.
      fake.reset();
      fake.onRequest(() => ({ content: JSON.stringify(translated('German')) }));
      await t.dataSource.query(`UPDATE job SET run_at = now() WHERE type = 'characters.translate'`);
      await t.app.get(JobQueue).runDue();
      expect(fake.requests).toHaveLength(1);
      job = (
        await t.dataSource.query(`SELECT status FROM job WHERE type = 'characters.translate'`)
      )[0];
      expect(job.status).toBe('done');
      const german = await t.http
        .get(`/api/characters/${created.body.id}?lang=de`)
        .set(user.auth)
        .expect(200);
      expect(german.body.name).toBe('Mira (German)');
      expect([...german.body.available_languages].sort()).toEqual([
        'de',
        'en',
        'es',
        'fr',
        'it',
        'pt',
        'ru',
      ]);
    });
  });
});
