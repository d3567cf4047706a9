import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { UsersService } from '../../src/auth/users.service.js';
import { ChatService } from '../../src/chat/chat.service.js';
import { SettingsService } from '../../src/common/settings/settings.service.js';
import { onlineNow } from '../../src/seo/lib/online-now.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser } from '../support/users.js';
import { seedCharacter } from './seo-support.js';

describe('GET /api/stats', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
    const users = t.app.get(UsersService);
    const [alice, bob, admin, guestOwner, platform] = await Promise.all([
      createUser(t),
      createUser(t),
      createUser(t, { role: 'admin' }),
      users.ensureSystemUser('anonymous@system.local', 'Guest'),
      users.ensureSystemUser('platform@System.Local', 'Platform'),
    ]);
    // Counted: public and live, of any rating, by ordinary users.
    await seedCharacter(t, alice.id);
    await seedCharacter(t, bob.id, { contentRating: 'nsfw' });
    await seedCharacter(t, bob.id, { description: 'Too short for SEO, still public.' });
    // Not counted: private, deleted, or owned by an admin or a platform account.
    await seedCharacter(t, alice.id, { isPublic: false });
    await seedCharacter(t, alice.id, { deleted: true });
    await seedCharacter(t, admin.id);
    await seedCharacter(t, guestOwner.id);
    await seedCharacter(t, platform.id);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('counts people and public characters, not admins or platform accounts, plus the offsets', async () => {
    const before = Date.now();
    const res = await t.http.get('/api/stats').expect(200);
    const after = Date.now();
    expect(res.headers['cache-control']).toBe('public, max-age=60');
    const messages = await t.app.get(ChatService).countMessages();
    expect(res.body).toEqual({
      users: 2 + 1200,
      messages: messages + 45000,
      characters: 3,
      online_now: expect.any(Number),
    });
    expect([onlineNow(before), onlineNow(after)]).toContain(res.body.online_now);
  });

  it('applies changed offsets at once and keeps the counts for a minute', async () => {
    const settings = t.app.get(SettingsService);
    await settings.set('stats_users_offset', 10);
    await settings.set('stats_messages_offset', 0);
    await createUser(t);
    const { body } = await t.http.get('/api/stats').expect(200);
    // The new user is not counted yet: the counts are cached; the offsets are read each time.
    expect(body.users).toBe(2 + 10);
    expect(body.messages).toBe(await t.app.get(ChatService).countMessages());
  });

  it('keeps online_now within 15–45 and the same within a 5-minute window', async () => {
    const values: number[] = [];
    const windows = new Set<number>();
    for (let i = 0; i < 5; i++) {
      const before = Date.now();
      values.push((await t.http.get('/api/stats').expect(200)).body.online_now);
      windows.add(onlineNow(before));
    }
    for (const value of values) {
      expect(value).toBeGreaterThanOrEqual(15);
      expect(value).toBeLessThanOrEqual(45);
    }
    // Unless a window boundary passed during the loop, every answer is the same.
    if (windows.size === 1) expect(new Set(values).size).toBe(1);
  });

  it('is public and documented', async () => {
    const { body } = await t.http.get('/api/docs-json').expect(200);
    const operation = body.paths['/api/stats'].get;
    expect(operation.tags).toEqual(['stats']);
    expect(operation.summary).toEqual(expect.any(String));
  });
});
