import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CatalogueMaintenanceService } from '../../src/characters/catalogue-maintenance.service.js';
import { PageViewsService } from '../../src/characters/page-views.service.js';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import {
  insertCharacter,
  isHighlights,
  isRelation,
  json,
  lastMessage,
  llmEnv,
  runTask,
  validHighlights,
  validRelation,
} from './autonomous-support.js';
import { rowCachesCaughtUp } from '../support/row-caches.js';

const LANGS = ['ru', 'en', 'es', 'fr', 'de', 'pt', 'it'] as const;

describe('catalogue tasks', () => {
  let fake: FakeLlm;
  let t: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    fake = await startFakeLlm();
    t = await createTestApp({ env: llmEnv(fake) });
    admin = await createUser(t, { role: 'admin' });
  });

  beforeEach(async () => {
    fake.reset();
    await t.dataSource.query(`DELETE FROM character`);
  });

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  describe('counter growth', () => {
    it('grows the per-language counters of live public characters with one atomic update per batch', async () => {
      const shared = { baseChatCount: { en: 100, ru: 5 }, baseLikeCount: { en: 20 } };
      const publicIds = await Promise.all(
        [['romance'], ['dnd', 'fantasy'], []].map((tags) =>
          insertCharacter(t, admin.id, { ...shared, tags }),
        ),
      );
      const privateId = await insertCharacter(t, admin.id, { ...shared, isPublic: false });
      const deletedId = await insertCharacter(t, admin.id, { ...shared, deleted: true });
      const read = async (id: string) =>
        (
          await t.dataSource.query(
            `SELECT base_chat_count AS chat, base_like_count AS "like", updated_at FROM character WHERE id = $1`,
            [id],
          )
        )[0];
      const before = await read(publicIds[0]);

      const run = await runTask(t, admin, 'counter_growth');

      expect(run.result).toEqual({ characters: 3, trending_decayed: 0 });
      let grew = 0;
      for (const id of publicIds) {
        const after = await read(id);
        expect(Object.keys(after.chat).sort()).toEqual([...LANGS].sort());
        expect(after.chat.en).toBeGreaterThanOrEqual(100);
        expect(after.chat.ru).toBeGreaterThanOrEqual(5);
        expect(after.like.en).toBeGreaterThanOrEqual(20);
        for (const lang of LANGS) {
          expect(Number.isInteger(after.chat[lang])).toBe(true);
          expect(after.like[lang]).toBeLessThanOrEqual(after.chat[lang] + 20);
        }
        grew += LANGS.reduce((sum, lang) => sum + after.chat[lang], 0) - 105;
      }
      expect(grew).toBeGreaterThan(0);
      // Only the counters moved: no edit of the character as far as updated_at goes.
      expect((await read(publicIds[0])).updated_at).toEqual(before.updated_at);
      for (const id of [privateId, deletedId]) {
        expect(await read(id)).toMatchObject({ chat: { en: 100, ru: 5 }, like: { en: 20 } });
      }

      // A re-run (or a retry after a failure halfway) the same day grows nothing again.
      const grownOnce = await read(publicIds[0]);
      const again = await runTask(t, admin, 'counter_growth');
      expect(again.result).toMatchObject({ characters: 0 });
      expect((await read(publicIds[0])).chat).toEqual(grownOnce.chat);
    });
  });

  describe('trending decay', () => {
    const scores = async (ids: string[]) =>
      (
        (await t.dataSource.query(
          `SELECT id, trending_score FROM character WHERE id = ANY($1::uuid[])`,
          [ids],
        )) as Array<{ id: string; trending_score: number }>
      )
        .sort((a, b) => ids.indexOf(a.id) - ids.indexOf(b.id))
        .map((row) => row.trending_score);

    it('lowers trending scores once per day, however often the task runs', async () => {
      const ids = await Promise.all(
        [10, 0.011, 0].map(async (score) => {
          const id = await insertCharacter(t, admin.id);
          await t.dataSource.query(`UPDATE character SET trending_score = $2 WHERE id = $1`, [
            id,
            score,
          ]);
          await rowCachesCaughtUp(t);
          return id;
        }),
      );
      const privateId = await insertCharacter(t, admin.id, { isPublic: false });
      await t.dataSource.query(`UPDATE character SET trending_score = 5 WHERE id = $1`, [
        privateId,
      ]);
      await rowCachesCaughtUp(t);

      const first = await runTask(t, admin, 'counter_growth');
      expect(first.result).toMatchObject({ trending_decayed: 3 });
      // A score too small to matter becomes 0 and is left alone from then on.
      expect(await scores([...ids, privateId])).toEqual([8, 0, 0, 4]);

      // An admin re-run (or a retry) the same day does not decay again.
      const again = await runTask(t, admin, 'counter_growth');
      expect(again.result).toMatchObject({ trending_decayed: 0 });
      expect(await scores([...ids, privateId])).toEqual([8, 0, 0, 4]);

      // The next day it does.
      await t.dataSource.query(
        `UPDATE character SET trending_decayed_on = trending_decayed_on - 1
         WHERE trending_decayed_on IS NOT NULL`,
      );
      await rowCachesCaughtUp(t);
      const nextDay = await runTask(t, admin, 'counter_growth');
      expect(nextDay.result).toMatchObject({ trending_decayed: 2 });
      const [score] = await scores([ids[0]]);
      expect(score).toBeCloseTo(6.4);
    });
  });

  describe('highlights', () => {
    it('writes 2 editorial phrases per language for up to 10 characters without any', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) {
        ids.push(await insertCharacter(t, admin.id, { name: `Hero ${i}`, realChatCount: 100 - i }));
      }
      const existing = [{ text: 'Keeps her word', lang: 'en' }];
      const done = await insertCharacter(t, admin.id, {
        name: 'Done',
        realChatCount: 1000,
        highlights: existing,
      });
      fake.onRequest((request) => {
        if (!isHighlights(request)) return undefined;
        const message = lastMessage(request);
        // Hero 3 keeps answering with quoted user reviews.
        if (message.includes('Hero 3') || message.includes('not valid')) {
          return json({
            ...validHighlights(),
            en: ['"Best bot ever!" — user42', 'I love talking to her, 5 stars'],
          });
        }
        return json(validHighlights('Hero'));
      });

      const run = await runTask(t, admin, 'highlights');

      expect(run.result).toEqual({ characters: 10, written: 9, skipped: [ids[3]] });
      const rows = await t.dataSource.query(
        `SELECT id, name, highlights FROM character ORDER BY real_chat_count DESC`,
      );
      const byId = new Map(rows.map((row: { id: string }) => [row.id, row]));
      expect((byId.get(done) as { highlights: unknown }).highlights).toEqual(existing);
      for (const [index, id] of ids.entries()) {
        const { highlights } = byId.get(id) as {
          highlights: Array<{ text: string; lang: string }>;
        };
        if (index === 3 || index >= 10) {
          expect(highlights).toEqual([]);
          continue;
        }
        expect(highlights).toHaveLength(14);
        for (const lang of LANGS) {
          expect(highlights.filter((highlight) => highlight.lang === lang)).toHaveLength(2);
        }
        expect(highlights[0].text).toMatch(/^ru: a smuggler who bargains/);
      }
      const retry = fake.requests.filter(
        (request) => isHighlights(request) && lastMessage(request).includes('not valid'),
      );
      expect(retry).toHaveLength(1);
      expect(lastMessage(retry[0])).toMatch(/reads like a user review/);

      // Hero 3 failed: the next run takes the ones never tried first, Hero 3 last.
      fake.reset();
      fake.onRequest((request) =>
        isHighlights(request) ? json(validHighlights('Hero')) : undefined,
      );
      const next = await runTask(t, admin, 'highlights');
      expect(next.result).toEqual({ characters: 3, written: 3, skipped: [] });
      const asked = fake.requests.filter(isHighlights).map(lastMessage);
      expect(asked.at(-1)).toContain('Hero 3');
      expect(asked[0]).toContain('Hero 10');
    });
  });

  describe('relationships', () => {
    const relations = () =>
      t.dataSource.query(
        `SELECT character_id, related_id, relation_type, label_ru, label_en, label_it
         FROM character_relation`,
      ) as Promise<
        Array<{
          character_id: string;
          related_id: string;
          relation_type: string;
          label_en: string;
          label_ru: string;
          label_it: string;
        }>
      >;

    const perCharacter = (rows: Array<{ character_id: string }>) => {
      const counts = new Map<string, number>();
      for (const row of rows) counts.set(row.character_id, (counts.get(row.character_id) ?? 0) + 1);
      return counts;
    };

    it('relates pairs sharing 2+ tags both ways, at most 3 relations per character', async () => {
      fake.onRequest((request) => (isRelation(request) ? json(validRelation('ally')) : undefined));
      // Four crew members can all be related: three relations each.
      const crew = await Promise.all(
        Array.from({ length: 4 }, (_, i) =>
          insertCharacter(t, admin.id, { name: `Crew ${i}`, tags: ['pirate', 'space', `x${i}`] }),
        ),
      );
      // Two shared tags once free and structured tags are put together.
      const detective = await insertCharacter(t, admin.id, {
        tags: ['noir'],
        structuredTags: ['mystery'],
      });
      const inspector = await insertCharacter(t, admin.id, { tags: ['mystery', 'Noir'] });
      // One shared tag is not enough, and private characters take no part.
      const loner = await insertCharacter(t, admin.id, { tags: ['pirate', 'desert'] });
      const hidden = await insertCharacter(t, admin.id, {
        tags: ['pirate', 'space'],
        isPublic: false,
      });

      const run = await runTask(t, admin, 'relationships');

      expect(run.result).toMatchObject({ candidates: 7, pairs: 7, invalid: 0 });
      const rows = await relations();
      expect(rows).toHaveLength(14);
      const counts = perCharacter(rows);
      for (const id of crew) expect(counts.get(id)).toBe(3);
      expect(counts.get(detective)).toBe(1);
      expect(counts.get(inspector)).toBe(1);
      expect(counts.has(loner)).toBe(false);
      expect(counts.has(hidden)).toBe(false);
      for (const row of rows) {
        const back = rows.find(
          (other) => other.character_id === row.related_id && other.related_id === row.character_id,
        );
        expect(back).toBeDefined();
        expect(row.relation_type).toBe('ally');
      }
      // Each side carries its own label, in every language.
      const labels = rows
        .filter((row) => [detective, inspector].includes(row.character_id))
        .map((row) => [row.label_en, row.label_ru, row.label_it].join('|'))
        .sort();
      expect(labels).toEqual([
        'Old rival (en)|Old rival (ru)|Old rival (it)',
        'Rival (en)|Rival (ru)|Rival (it)',
      ]);

      // A newcomer finds the crew full: no candidate, no model call, and the database refuses
      // a relation past the cap even when asked directly.
      fake.reset();
      const newcomer = await insertCharacter(t, admin.id, { tags: ['pirate', 'space'] });
      const again = await runTask(t, admin, 'relationships');
      expect(again.result).toMatchObject({ candidates: 0, pairs: 0 });
      expect(fake.requests).toHaveLength(0);
      const labelsOf = (text: string) =>
        Object.fromEntries(LANGS.map((lang) => [lang, text])) as Record<
          (typeof LANGS)[number],
          string
        >;
      const related = await t.app
        .get(CatalogueMaintenanceService)
        .relate({ a: newcomer, b: crew[0] }, 'friend', { a: labelsOf('a'), b: labelsOf('b') }, 3);
      expect(related).toBe(false);
      expect(await relations()).toHaveLength(14);
    });

    it('creates at most 20 pairs per run and skips invalid answers', async () => {
      let calls = 0;
      fake.onRequest((request) => {
        if (!isRelation(request)) return undefined;
        calls++;
        // The first pair gets an unknown type twice.
        return calls <= 2 ? json(validRelation('nemesis')) : json(validRelation('friend'));
      });
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          insertCharacter(t, admin.id, { name: `Guard ${i}`, tags: ['guard', 'city'] }),
        ),
      );

      const run = await runTask(t, admin, 'relationships');

      expect(run.result).toMatchObject({ pairs: 20, invalid: 1 });
      const rows = await relations();
      expect(rows).toHaveLength(40);
      for (const count of perCharacter(rows).values()) expect(count).toBeLessThanOrEqual(3);
      expect(lastMessage(fake.requests[1])).toMatch(/type must be one of rival, ex, friend/);
    });
  });

  describe('relationships at catalogue scale', () => {
    it('finds candidates among 3,000 public characters within the statement timeout', async () => {
      fake.onRequest((request) => (isRelation(request) ? json(validRelation('ally')) : undefined));
      // Many overlapping tags: the old all-pairs query compared ~4.5M pairs here and timed out.
      await t.dataSource.query(
        `INSERT INTO character (slug, owner_id, name, description, tags, structured_tags,
           is_public, avatar_url)
         SELECT 'bulk-' || i, $1, 'Bulk ' || i, 'A seeded character.',
                ARRAY['tag' || (i % 40), 'tag' || (i % 13), 'common' || (i % 3)],
                ARRAY['genre' || (i % 7)], true, '/api/avatars/test.png'
         FROM generate_series(1, 3000) AS i`,
        [admin.id],
      );
      // With the statistics of a catalogue that grew over time: just after a bulk insert, before
      // autovacuum's analyze, the planner takes the 3,000 rows for one or two and scans them for
      // every tag pair (measured: 6.6 s against 0.15 s with the tag-set index).
      await t.dataSource.query(`ANALYZE character`);

      const run = await runTask(t, admin, 'relationships');

      expect(run.status).toBe('ok');
      expect(run.result).toMatchObject({ candidates: 40, pairs: 20, invalid: 0 });
      const [{ count }] = await t.dataSource.query(
        `SELECT count(*)::int AS count FROM character_relation`,
      );
      expect(count).toBe(40);
    });
  });

  describe('cleanup and page views', () => {
    it('records views of character pages without slowing them, and deletes views older than 90 days', async () => {
      const id = await insertCharacter(t, admin.id, { name: 'Viewed' });
      await t.http.get(`/api/characters/${id}?lang=de`).expect(200);
      await t.http.get(`/api/characters/${randomUUID()}`).expect(404);
      await t.app.get(PageViewsService).flush();
      const views = await t.dataSource.query(`SELECT character_id, lang FROM page_view`);
      expect(views).toEqual([{ character_id: id, lang: 'de' }]);

      await t.dataSource.query(
        `INSERT INTO page_view (character_id, viewed_at)
         VALUES ($1, now() - interval '91 days'), ($1, now() - interval '89 days')`,
        [id],
      );
      // A backlog larger than one delete batch (10,000) goes too.
      await t.dataSource.query(
        `INSERT INTO page_view (character_id, viewed_at)
         SELECT $1, now() - interval '120 days' FROM generate_series(1, 10000)`,
        [id],
      );

      const run = await runTask(t, admin, 'cleanup');

      expect(run.result).toMatchObject({ page_views_deleted: 10_001 });
      const [{ count }] = await t.dataSource.query(`SELECT count(*)::int AS count FROM page_view`);
      expect(count).toBe(2);
    });

    it('deletes message counts of past days and of long-idle guests, keeping what limits still read', async () => {
      const day = (daysAgo: number) =>
        new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
      const rows: Array<[string, string, number]> = [
        ['user:old', day(3), 3],
        ['user:yesterday', day(1), 1],
        ['user:today', day(0), 0],
        ['anon:idle', 'all', 40],
        ['anon:recent', 'all', 5],
      ];
      for (const [subject, period, daysAgo] of rows) {
        await t.dataSource.query(
          `INSERT INTO message_quota (subject, period, used, updated_at)
           VALUES ($1, $2, 3, now() - make_interval(days => $3))`,
          [subject, period, daysAgo],
        );
      }
      const run = await runTask(t, admin, 'cleanup');

      expect(run.result).toMatchObject({ message_counts_deleted: 2 });
      const left = await t.dataSource.query(
        `SELECT subject FROM message_quota WHERE subject = ANY($1) ORDER BY subject`,
        [rows.map(([subject]) => subject)],
      );
      expect(left.map((row: { subject: string }) => row.subject)).toEqual([
        'anon:recent',
        'user:today',
        'user:yesterday',
      ]);
    });

    it('deletes background jobs finished over 14 days ago with their payloads, never pending or running ones', async () => {
      const job = (status: string, daysAgo: number) =>
        t.dataSource.query(
          `INSERT INTO job (type, payload, status, updated_at)
           VALUES ('test.retention', '{"email":"someone@example.com"}', $1,
                   now() - make_interval(days => $2)) RETURNING id`,
          [status, daysAgo],
        );
      await job('done', 15);
      await job('failed', 30);
      const kept = [
        await job('done', 13),
        await job('failed', 1),
        await job('pending', 40),
        await job('running', 40),
      ].map(([row]: Array<{ id: string }>) => row.id);

      const run = await runTask(t, admin, 'cleanup');

      expect(run.result).toMatchObject({ finished_jobs_deleted: 2 });
      const left = await t.dataSource.query(
        `SELECT id FROM job WHERE type = 'test.retention' ORDER BY id`,
      );
      expect(left.map((row: { id: string }) => row.id)).toEqual(kept);
    });

    it('forgets violation scores and sign-in failure counts that no longer count, keeping live ones', async () => {
      // Scores: points forgotten after 24 h, strikes after 30 days (the default settings).
      await t.dataSource.query(
        `INSERT INTO violation_score (subject, points, strikes, last_violation_at) VALUES
           ('address:forgotten', 3, 1, now() - interval '31 days'),
           ('address:striking', 0, 2, now() - interval '29 days'),
           ('user:recent', 5, 0, now() - interval '1 hour')`,
      );
      // Failure counts: forgotten a day after the last attempt, unless a lockout still runs.
      await t.dataSource.query(
        `INSERT INTO login_failure (account, failures, last_attempt_at, blocked_until) VALUES
           ('forgotten', 4, now() - interval '25 hours', now() - interval '24 hours'),
           ('locked', 9, now() - interval '25 hours', now() + interval '1 hour'),
           ('recent', 2, now() - interval '1 hour', now() - interval '1 hour')`,
      );

      const run = await runTask(t, admin, 'cleanup');

      expect(run.result).toMatchObject({ violation_scores_deleted: 1, login_failures_deleted: 1 });
      const scores = await t.dataSource.query(
        `SELECT subject FROM violation_score
         WHERE subject IN ('address:forgotten', 'address:striking', 'user:recent')
         ORDER BY subject`,
      );
      expect(scores.map((row: { subject: string }) => row.subject)).toEqual([
        'address:striking',
        'user:recent',
      ]);
      const failures = await t.dataSource.query(
        `SELECT account FROM login_failure WHERE account IN ('forgotten', 'locked', 'recent')
         ORDER BY account`,
      );
      expect(failures.map((row: { account: string }) => row.account)).toEqual(['locked', 'recent']);
    });

    it('deletes avatar files no character uses and abandoned re-encode copies, but never young ones or foreign files', async () => {
      const dir = t.config.storage.avatarDir;
      mkdirSync(dir, { recursive: true });
      const file = (name: string, ageMs: number) => {
        const path = join(dir, name);
        writeFileSync(path, 'x');
        const when = new Date(Date.now() - ageMs);
        utimesSync(path, when, when);
        return path;
      };
      const hour = 60 * 60_000;
      const orphan = file(`${randomUUID()}.png`, 2 * hour);
      const young = file(`${randomUUID()}.webp`, 10 * 60_000);
      const usedName = `${randomUUID()}.jpg`;
      const used = file(usedName, 48 * hour);
      const deletedName = `${randomUUID()}.png`;
      const usedByDeleted = file(deletedName, 48 * hour);
      const foreign = file('notes.txt', 48 * hour);
      // A re-encode's copy its process never renamed over, and one being written now.
      const abandoned = file(`${randomUUID()}.png.${randomUUID()}.reencode.tmp`, 2 * hour);
      const rewriting = file(`${randomUUID()}.jpg.${randomUUID()}.reencode.tmp`, 1000);
      await insertCharacter(t, admin.id, { avatarUrl: `/api/avatars/${usedName}` });
      await insertCharacter(t, admin.id, {
        avatarUrl: `/api/avatars/${deletedName}`,
        deleted: true,
      });

      const run = await runTask(t, admin, 'cleanup');

      expect(run.result).toMatchObject({ avatars_deleted: 2 });
      for (const gone of [orphan, abandoned]) expect(existsSync(gone)).toBe(false);
      for (const kept of [young, used, usedByDeleted, foreign, rewriting]) {
        expect(existsSync(kept)).toBe(true);
      }
    });
  });
});
