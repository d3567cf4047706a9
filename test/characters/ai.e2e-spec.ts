import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { defaultAvatarPng } from '../../src/characters/lib/png-card.js';
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
    // Uploads are decoded and re-encoded: a real image.
    const png = defaultAvatarPng();

    /** Publishes a character (only public ones are translated): an avatar, then is_public. */
    const publish = async (id: string) => {
      await t.http
        .post(`/api/characters/${id}/avatar`)
        .set(user.auth)
        .attach('file', png, 'a.png')
        .expect(200);
      await t.http
        .put(`/api/characters/${id}`)
        .set(user.auth)
        .send({ is_public: true })
        .expect(200);
    };

    /** Runs the queued jobs now, without waiting out the translation's debounce delay. */
    const runJobs = async () => {
      await t.dataSource.query(`UPDATE job SET run_at = now() WHERE status = 'pending'`);
      return t.app.get(JobQueue).runDue();
    };

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
      await publish(created.body.id);
      expect(fake.requests).toHaveLength(0); // the request did not wait for the model

      fake.onRequest((request) => {
        const system = String(request.body?.messages?.[0]?.content ?? '');
        const lang = /into (\w+)\./.exec(system)?.[1] ?? 'x';
        return lang === 'German'
          ? { content: 'Entschuldigung, das kann ich nicht.' }
          : { content: JSON.stringify(translated(lang)) };
      });
      await runJobs();
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

    /** Translates whatever it is sent, slowly enough for the test to act while it works. */
    const echoTranslations = () =>
      fake.onRequest((request) => {
        const system = String(request.body?.messages?.[0]?.content ?? '');
        const lang = /into (\w+)\./.exec(system)?.[1] ?? 'x';
        const source = JSON.parse(String(request.body?.messages?.[1]?.content ?? '{}')) as Record<
          string,
          string
        >;
        const translation = Object.fromEntries(
          Object.entries(source).map(([key, value]) => [key, `${value} [${lang}]`]),
        );
        return { content: JSON.stringify(translation), firstTokenDelayMs: 100 };
      });

    const translateJobs = (id: string) =>
      t.dataSource.query(
        `SELECT status FROM job WHERE type = 'characters.translate' AND payload->>'characterId' = $1
         ORDER BY created_at`,
        [id],
      ) as Promise<Array<{ status: string }>>;

    /** A new public character whose translation job has read it and waits on the model. */
    const translating = async (name: string, description: string) => {
      const created = await t.http
        .post('/api/characters')
        .set(user.auth)
        .send({ name, description, original_language: 'en' })
        .expect(201);
      await publish(created.body.id);
      echoTranslations();
      const running = runJobs();
      await fake.waitForRequests(1);
      return { id: created.body.id as string, running };
    };

    it('finishes a translation while the owner changes what is not translated', async () => {
      // The job is waiting on the model when the owner goes on.
      const { id, running } = await translating('Nadia', 'A lighthouse keeper.');
      await t.http
        .post(`/api/characters/${id}/avatar`)
        .set(user.auth)
        .attach('file', png, 'b.png')
        .expect(200);
      await t.http
        .put(`/api/characters/${id}`)
        .set(user.auth)
        .send({ tags: 'sea, light', max_tokens: 1024 })
        .expect(200);
      await running;

      expect(await translateJobs(id)).toEqual([{ status: 'done' }]);
      const german = await t.http.get(`/api/characters/${id}?lang=de`).expect(200);
      expect(german.body).toMatchObject({
        name: 'Nadia [German]',
        description: 'A lighthouse keeper. [German]',
        is_public: true,
      });
      expect(german.body.available_languages).toHaveLength(7);
    });

    it('translates the speech pattern and example dialogues, and sends no empty field', async () => {
      const created = await t.http
        .post('/api/characters')
        .set(user.auth)
        .send({
          name: 'Tomas',
          speech_pattern: 'Says "aye" a lot.',
          example_dialogues: '{{user}}: Hello\n{{char}}: Aye, hello.',
          original_language: 'en',
        })
        .expect(201);
      await publish(created.body.id);
      echoTranslations();
      await runJobs();

      // Per language, the card and then its example dialogues, apart.
      const sent = fake.requests.map((request) =>
        Object.keys(JSON.parse(String(request.body?.messages?.[1]?.content))).sort(),
      );
      expect(sent).toHaveLength(12);
      expect(sent.slice(0, 2)).toEqual([['name', 'speechPattern'], ['exampleDialogues']]);
      const german = await t.http
        .get(`/api/characters/${created.body.id}?lang=de`)
        .set(user.auth)
        .expect(200);
      expect(german.body).toMatchObject({
        name: 'Tomas [German]',
        speech_pattern: 'Says "aye" a lot. [German]',
        example_dialogues: '{{user}}: Hello\n{{char}}: Aye, hello. [German]',
        description: '',
      });

      // Editing the speech pattern makes the translations stale: kept until the new ones land.
      await t.http
        .put(`/api/characters/${created.body.id}`)
        .set(user.auth)
        .send({ speech_pattern: 'Never says "aye".' })
        .expect(200);
      expect(await translateJobs(created.body.id)).toEqual([
        { status: 'done' },
        { status: 'pending' },
      ]);
      const stale = await t.http
        .get(`/api/characters/${created.body.id}?lang=de`)
        .set(user.auth)
        .expect(200);
      expect(stale.body.speech_pattern).toBe('Says "aye" a lot. [German]');
      expect(stale.body.stale_languages).toContain('de');
      // Nothing left queued for the next test.
      await runJobs();
      expect(await translateJobs(created.body.id)).toEqual([
        { status: 'done' },
        { status: 'done' },
      ]);
      const fresh = await t.http
        .get(`/api/characters/${created.body.id}?lang=de`)
        .set(user.auth)
        .expect(200);
      expect(fresh.body).toMatchObject({
        speech_pattern: 'Never says "aye". [German]',
        stale_languages: [],
      });
    });

    it('keeps the old translations, marked stale, until the new ones land; pages and hreflang work meanwhile', async () => {
      const text = (words: string) =>
        `${words}: a keeper of the northern light who counts the ships that never come home.`;
      const created = await t.http
        .post('/api/characters')
        .set(user.auth)
        .send({
          name: 'Greta',
          description: text('Old text'),
          greeting: 'Greta lifts the lamp.',
          original_language: 'en',
        })
        .expect(201);
      const { id, slug } = created.body as { id: string; slug: string };
      await publish(id);
      echoTranslations();
      await runJobs();
      const all = ['de', 'en', 'es', 'fr', 'it', 'pt', 'ru'];
      const hreflangsOf = (page: string) =>
        [...page.matchAll(/<link rel="alternate" hreflang="([a-z]{2})"/g)].map((m) => m[1]).sort();

      const edited = await t.http
        .put(`/api/characters/${id}`)
        .set(user.auth)
        .send({ description: text('New text') })
        .expect(200);
      expect([...edited.body.available_languages].sort()).toEqual(all);
      expect([...edited.body.stale_languages].sort()).toEqual(all.filter((l) => l !== 'en'));

      // Meanwhile: the old German text, its page, every hreflang, the language filter.
      const german = await t.http.get(`/api/characters/${id}?lang=de`).expect(200);
      expect(german.body.description).toBe(`${text('Old text')} [German]`);
      const page = await t.http.get(`/api/seo/c/${slug}?lang=de`).expect(200);
      expect(page.text).toContain('Old text: a keeper of the northern light');
      expect(hreflangsOf(page.text)).toEqual(all);
      const original = await t.http.get(`/api/seo/c/${slug}`).expect(200);
      expect(original.text).toContain('New text: a keeper of the northern light');
      expect(hreflangsOf(original.text)).toEqual(all);
      const listed = await t.http.get('/api/characters?language=de&sort=new').expect(200);
      expect(listed.body.items.map((c: { id: string }) => c.id)).toContain(id);

      // The new translations replace the stale ones, one language at a time.
      fake.reset();
      echoTranslations();
      await runJobs();
      expect(fake.requests).toHaveLength(6);
      const fresh = await t.http.get(`/api/characters/${id}?lang=de`).expect(200);
      expect(fresh.body).toMatchObject({
        description: `${text('New text')} [German]`,
        stale_languages: [],
      });
      expect([...fresh.body.available_languages].sort()).toEqual(all);

      // The text declared to be in another language: its own translation goes, the rest stay
      // (stale) and the old original waits for its translation.
      const moved = await t.http
        .put(`/api/characters/${id}`)
        .set(user.auth)
        .send({ original_language: 'de' })
        .expect(200);
      expect(moved.body.original_language).toBe('de');
      expect([...moved.body.available_languages].sort()).toEqual(all.filter((l) => l !== 'en'));
      expect([...moved.body.stale_languages].sort()).toEqual(
        all.filter((l) => l !== 'en' && l !== 'de'),
      );
      await runJobs();
      const english = await t.http.get(`/api/characters/${id}?lang=en`).expect(200);
      expect(english.body.description).toBe(`${text('New text')} [English]`);
      expect(english.body.stale_languages).toEqual([]);
    });

    it('keeps the translated card when its example dialogues fail to translate', async () => {
      const created = await t.http
        .post('/api/characters')
        .set(user.auth)
        .send({ name: 'Ilse', example_dialogues: '{{user}}: Hi\n{{char}}: Hello.' })
        .expect(201);
      await publish(created.body.id);
      fake.onRequest((request) => {
        const source = String(request.body?.messages?.[1]?.content ?? '');
        const lang = /into (\w+)\./.exec(String(request.body?.messages?.[0]?.content))?.[1];
        return source.includes('exampleDialogues')
          ? { content: 'The dialogue is too long to translate, sorry.' }
          : { content: JSON.stringify({ name: `Ilse [${lang}]` }) };
      });
      await runJobs();
      expect(await translateJobs(created.body.id)).toEqual([{ status: 'done' }]);
      const german = await t.http
        .get(`/api/characters/${created.body.id}?lang=de`)
        .set(user.auth)
        .expect(200);
      expect(german.body).toMatchObject({
        name: 'Ilse [German]',
        example_dialogues: '{{user}}: Hi\n{{char}}: Hello.',
      });
    });

    it('drops the translation of text edited meanwhile, and translates the new text', async () => {
      const { id, running } = await translating('Oskar', 'Old text.');
      await t.http
        .put(`/api/characters/${id}`)
        .set(user.auth)
        .send({ description: 'New text.' })
        .expect(200);
      await running;
      await runJobs();

      // The first job stopped at its first answer; the edit queued a second one, which ran next.
      expect(await translateJobs(id)).toEqual([{ status: 'done' }, { status: 'done' }]);
      const sent = fake.requests.map((request) => String(request.body?.messages?.[1]?.content));
      expect(sent.filter((text) => text.includes('Old text.'))).toHaveLength(1);
      expect(sent.filter((text) => text.includes('New text.'))).toHaveLength(6);
      const french = await t.http.get(`/api/characters/${id}?lang=fr`).set(user.auth).expect(200);
      expect(french.body.description).toBe('New text. [French]');
      expect(french.body.available_languages).toHaveLength(7);
    });
  });
});
