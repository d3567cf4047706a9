import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import sharp from 'sharp';
import { PLATFORM_EMAIL } from '../../src/auth/system-accounts.js';
import { LANGUAGES } from '../../src/common/languages.js';
import { STARTER_MARKER_KEY } from '../../src/characters/starter-characters.repository.js';
import { STARTER_CHARACTERS } from '../../src/characters/starter/starter-characters.data.js';
import { loadConfiguration } from '../../src/config/configuration.js';
import { createTestDatabase, dropTestDatabase } from '../support/database.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser } from '../support/users.js';

/**
 * Issue #23 item 4: `npm install && npm start` opened an empty catalogue, so a new user had
 * nobody to chat with. A catalogue that never had a character gets the starters at start-up,
 * once per database however many instances start, unless SEED_STARTER_CHARACTERS=false.
 */
const SEED = { SEED_STARTER_CHARACTERS: 'true', OFFLINE_LLM_TOKEN_DELAY_MS: '0' };
const SLUGS = STARTER_CHARACTERS.map((starter) => starter.slug).sort();

interface Row {
  slug: string;
  deleted: boolean;
}

const rowsOf = async (t: TestApp): Promise<Row[]> =>
  t.dataSource.query(`SELECT slug, deleted_at IS NOT NULL AS deleted FROM character ORDER BY slug`);

const markerOf = async (t: TestApp): Promise<string | undefined> =>
  (
    await t.dataSource.query(`SELECT value FROM prompt_template WHERE key = $1`, [
      STARTER_MARKER_KEY,
    ])
  )[0]?.value;

const avatarFiles = async (t: TestApp): Promise<string[]> =>
  readdir(t.config.storage.avatarDir).catch(() => []);

/** Every SSE event of a response body, parsed. */
const events = (text: string): Array<{ type: string; [key: string]: unknown }> =>
  text
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => JSON.parse(line.slice(6)));

describe('starter characters', () => {
  describe('on a fresh database', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await createTestApp({ env: SEED });
    });

    afterAll(async () => {
      await t?.close();
    });

    it('are public, owned by the platform account, with served avatars', async () => {
      const list = await t.http.get('/api/characters?page_size=50').expect(200);
      expect(list.body.items.map((item: { slug: string }) => item.slug).sort()).toEqual(SLUGS);
      expect(SLUGS.length).toBeGreaterThanOrEqual(3);

      const owners = await t.dataSource.query(
        `SELECT DISTINCT u.email FROM character c JOIN app_user u ON u.id = c.owner_id`,
      );
      expect(owners).toEqual([{ email: PLATFORM_EMAIL }]);

      for (const item of list.body.items) {
        expect(item).toMatchObject({ is_public: true, content_rating: 'sfw' });
        expect(item.avatar_url).toMatch(/^\/api\/avatars\/[0-9a-f-]{36}\.png$/);
        const avatar = await t.http.get(item.avatar_url).expect(200);
        expect(avatar.headers['content-type']).toBe('image/png');
        const { width, height } = await sharp(avatar.body as Buffer).metadata();
        expect({ width, height }).toEqual({ width: 512, height: 512 });
      }
      // Stored through the avatar storage, one file each.
      expect(await avatarFiles(t)).toHaveLength(SLUGS.length);
      expect(await markerOf(t)).toBe('seeded');
    });

    it('have their name, description and greeting in all seven languages, with no translation job', async () => {
      for (const starter of STARTER_CHARACTERS) {
        for (const lang of LANGUAGES) {
          const res = await t.http.get(`/api/characters/${starter.slug}?lang=${lang}`).expect(200);
          const text = lang === 'en' ? starter.card : starter.translations[lang];
          expect(res.body).toMatchObject({
            name: text.name,
            description: text.description,
            greeting: text.greeting,
            original_language: 'en',
          });
          expect([...res.body.available_languages].sort()).toEqual([...LANGUAGES].sort());
          // The SEO quality gate: a description of 80+ characters.
          expect(text.description.length).toBeGreaterThanOrEqual(80);
        }
        // Every language differs from English (nothing left untranslated by mistake).
        for (const lang of LANGUAGES.filter((code) => code !== 'en')) {
          expect(starter.translations[lang as Exclude<typeof lang, 'en'>].greeting).not.toBe(
            starter.card.greeting,
          );
        }
      }
      const jobs = await t.dataSource.query(`SELECT type FROM job`);
      expect(jobs).toEqual([]);
    });

    it('include one DnD campaign', async () => {
      const campaigns = await t.http.get('/api/characters?structured_tag=dnd').expect(200);
      expect(campaigns.body.items).toHaveLength(1);
      expect(campaigns.body.items[0].tags.split(', ')).toContain('dnd');
      const tagged = await t.http.get('/api/characters?tag=dnd').expect(200);
      expect(tagged.body.items.map((item: { id: string }) => item.id)).toEqual([
        campaigns.body.items[0].id,
      ]);
    });

    it("the README's three curl steps give a first chat: guest session, chat, message", async () => {
      // 1. A guest session is any UUID the client makes.
      const session = randomUUID();
      const headers = { 'X-Anon-Session': session, 'Content-Type': 'application/json' };
      // 2. A chat with the starter, by its slug.
      const opened = await fetch(`${t.url}/api/chats`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ character_id: 'captain-mira-vale' }),
      });
      expect(opened.status).toBe(201);
      const chat = (await opened.json()) as { id: string };
      // 3. A message: the reply streams (offline provider: no key is configured) to `done`.
      const sent = await fetch(`${t.url}/api/chats/${chat.id}/message`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ content: 'Hello, captain!' }),
      });
      expect(sent.status).toBe(200);
      expect(sent.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const stream = events(await sent.text());
      expect(stream.filter((event) => event.type === 'token').length).toBeGreaterThan(0);
      expect(stream.at(-1)).toMatchObject({ type: 'done' });

      const page = await t.http
        .get(`/api/chats/${chat.id}/messages`)
        .set('X-Anon-Session', session)
        .expect(200);
      expect(page.body.messages.map((message: { role: string }) => message.role)).toEqual([
        'assistant',
        'user',
        'assistant',
      ]);
      expect(page.body.messages[0].content).toContain('Captain Mira Vale');
    });

    it('open a chat in another language with its greeting in that language', async () => {
      const session = randomUUID();
      const opened = await t.http
        .post('/api/chats')
        .set('X-Anon-Session', session)
        .send({ character_id: 'theo-the-night-librarian', language: 'de' })
        .expect(201);
      const page = await t.http
        .get(`/api/chats/${opened.body.id}/messages`)
        .set('X-Anon-Session', session)
        .expect(200);
      const theo = STARTER_CHARACTERS.find((s) => s.slug === 'theo-the-night-librarian')!;
      expect(page.body.messages[0].content).toBe(theo.translations.de.greeting);
    });

    it('can be deleted by an admin, and a restart does not bring them back', async () => {
      const admin = await createUser(t, { role: 'admin' });
      const victim = await t.http.get('/api/characters/the-lantern-coast').expect(200);
      await t.http.delete(`/api/characters/${victim.body.id}`).set(admin.auth).expect(204);
      await t.http.get('/api/characters/the-lantern-coast').expect(404);

      const restarted = await createTestApp({ databaseUrl: t.databaseUrl, env: SEED });
      try {
        expect(await rowsOf(restarted)).toEqual(
          SLUGS.map((slug) => ({ slug, deleted: slug === 'the-lantern-coast' })),
        );
        expect(await avatarFiles(restarted)).toEqual([]);
        expect(restarted.errorLogs()).toEqual([]);
      } finally {
        await restarted.close();
      }
    });
  });

  it('are added once when several instances start together', async () => {
    const database = await createTestDatabase();
    const apps: TestApp[] = [];
    try {
      const started = await Promise.allSettled(
        Array.from({ length: 3 }, () => createTestApp({ databaseUrl: database.url, env: SEED })),
      );
      for (const result of started) if (result.status === 'fulfilled') apps.push(result.value);
      expect(started.map((result) => result.status)).toEqual(Array(3).fill('fulfilled'));

      expect(await rowsOf(apps[0])).toEqual(SLUGS.map((slug) => ({ slug, deleted: false })));
      // Only the instance that seeded stored pictures; the others made none to throw away.
      const files = await Promise.all(apps.map(avatarFiles));
      expect(files.flat()).toHaveLength(SLUGS.length);
      for (const app of apps) expect(app.errorLogs()).toEqual([]);
    } finally {
      await Promise.all(apps.map((app) => app.close()));
      await dropTestDatabase(database.name);
    }
  });

  it('are never added to a catalogue that has a character', async () => {
    const first = await createTestApp({ env: { SEED_STARTER_CHARACTERS: 'false' } });
    try {
      const owner = await createUser(first);
      await first.http
        .post('/api/characters')
        .set(owner.auth)
        .send({ name: 'Somebody Already Here' })
        .expect(201);

      const second = await createTestApp({ databaseUrl: first.databaseUrl, env: SEED });
      try {
        expect((await rowsOf(second)).map((row) => row.slug)).toEqual([
          expect.stringMatching(/^somebody-already-here-/),
        ]);
        expect(await avatarFiles(second)).toEqual([]);
        expect(await markerOf(second)).toBe('catalogue-not-empty');
      } finally {
        await second.close();
      }
    } finally {
      await first.close();
    }
  });

  it('are not added with SEED_STARTER_CHARACTERS=false, nor by default under NODE_ENV=test', async () => {
    const t = await createTestApp({ env: { SEED_STARTER_CHARACTERS: 'false' } });
    try {
      expect(await rowsOf(t)).toEqual([]);
      // Nothing decided: turning it on later still seeds this empty catalogue.
      expect(await markerOf(t)).toBeUndefined();
    } finally {
      await t.close();
    }
    const config = (env: Record<string, string>) =>
      loadConfiguration({ DATA_DIR: t.config.dataDir, JWT_SECRET: 'x'.repeat(40), ...env });
    expect(config({ NODE_ENV: 'test' }).starters.seed).toBe(false);
    expect(config({ NODE_ENV: 'development' }).starters.seed).toBe(true);
    expect(config({ NODE_ENV: 'test', SEED_STARTER_CHARACTERS: 'true' }).starters.seed).toBe(true);
    expect(
      config({ NODE_ENV: 'development', SEED_STARTER_CHARACTERS: 'false' }).starters.seed,
    ).toBe(false);
  });
});
