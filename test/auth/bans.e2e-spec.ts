/**
 * Violation scores and timed bans (issue #19 item 4) on two instances sharing one database:
 * rate-limit refusals, refused inputs and upheld reports add points to the user and to the
 * client address; past the thresholds both are banned for the ladder's times, on both
 * instances; admins list and lift bans. The penalty clock is moved instead of waiting days.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { clientAddressHash } from '../../src/auth/rate-limit/client-address.js';
import { BAN_REFRESH_MS } from '../../src/auth/violations/ban-registry.service.js';
import { PenaltyClock } from '../../src/auth/violations/penalty-clock.js';
import { ViolationService } from '../../src/auth/violations/violation.service.js';
import { SettingsService } from '../../src/common/settings/settings.service.js';
import { eventually, publicCharacter } from '../chat/chat-support.js';
import { BROWSER_HEADERS } from '../support/auth.js';
import { createTestDatabase, dropTestDatabase } from '../support/database.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Past the other instance's next read of the bans (BanRegistry). */
const ELSEWHERE_MS = BAN_REFRESH_MS + 3_000;

/** Moves the penalty clock of every app by the same offset. */
function controlPenaltyClocks(apps: TestApp[]) {
  let offset = 0;
  for (const t of apps) {
    jest.spyOn(t.app.get(PenaltyClock), 'now').mockImplementation(() => Date.now() + offset);
  }
  return {
    advance: (ms: number) => {
      offset += ms;
    },
    now: () => Date.now() + offset,
  };
}

/** One sample of /api/metrics; undefined when absent. */
async function metric(t: TestApp, name: string, labels: string): Promise<number | undefined> {
  const text = (await t.http.get('/api/metrics').expect(200)).text;
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

interface Answer {
  status: number;
  message?: string;
  retryAfter?: number;
}

describe('violation scores and timed bans across two instances', () => {
  let database: { name: string; url: string };
  let a: TestApp;
  let b: TestApp;
  let admin: TestUser;
  let clock: ReturnType<typeof controlPenaltyClocks>;
  let addresses = 0;
  /** A made-up client address, new on each call (the apps trust X-Forwarded-For). */
  const freshAddress = () => {
    const n = ++addresses;
    return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  };

  /** GET /api/auth/me as `user` from `ip`. */
  const me = async (t: TestApp, user: TestUser, ip: string): Promise<Answer> => {
    const res = await t.http.get('/api/auth/me').set(user.auth).set('X-Forwarded-For', ip);
    return answer(res);
  };
  /** A guest's catalogue request from `ip`. */
  const browse = async (t: TestApp, ip: string): Promise<Answer> =>
    answer(await t.http.get('/api/characters').set('X-Forwarded-For', ip));
  const answer = (res: {
    status: number;
    body: { message?: string };
    headers: Record<string, string>;
  }): Answer => ({
    status: res.status,
    ...(res.status === 200 ? {} : { message: res.body.message }),
    ...(res.headers['retry-after'] ? { retryAfter: Number(res.headers['retry-after']) } : {}),
  });
  /** The end a ban message names. */
  const untilOf = (message: string | undefined): number =>
    Date.parse(/banned until (\S+)$/.exec(message ?? '')?.[1] ?? 'none');

  beforeAll(async () => {
    database = await createTestDatabase();
    const env = {
      TRUST_PROXY: '1',
      AUTH_BOT_DELAY_MS: '0',
      // Settings written on one instance are read on the other at once.
      SETTINGS_CACHE_TTL_MS: '0',
    };
    [a, b] = await Promise.all([
      createTestApp({ env, databaseUrl: database.url }),
      createTestApp({ env, databaseUrl: database.url }),
    ]);
    clock = controlPenaltyClocks([a, b]);
    admin = await createUser(a, { role: 'admin' });
    const settings = a.app.get(SettingsService);
    await settings.set('ban_threshold.user', 3);
    await settings.set('ban_threshold.address', 3);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    if (database) await dropTestDatabase(database.name);
  });

  it('bans the user and the address of repeated rate-limit refusals, on both instances, for 15 minutes', async () => {
    const user = await createUser(a);
    const neighbour = await createUser(a);
    const ip = freshAddress();
    const resend = () =>
      a.http.post('/api/auth/verify-email/resend').set(user.auth).set('X-Forwarded-For', ip);
    // 3 resends an hour per user; each refusal after that is a 1-point violation.
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await resend()).status);
    expect(statuses).toEqual([202, 202, 202, 429, 429, 429]);
    const bannedAt = clock.now();

    // Here at once, with the end the ladder's first step gives.
    const refused = await answer(await resend());
    expect(refused).toMatchObject({
      status: 403,
      message: expect.stringMatching(/^This account is banned until \S+Z$/),
    });
    expect(untilOf(refused.message)).toBeGreaterThanOrEqual(bannedAt + 15 * MINUTE - 2000);
    expect(untilOf(refused.message)).toBeLessThanOrEqual(bannedAt + 15 * MINUTE);
    expect(refused.retryAfter).toBeGreaterThan(15 * 60 - 5);
    expect(refused.retryAfter).toBeLessThanOrEqual(15 * 60);

    // The other instance: the user from anywhere, anyone from the address.
    await eventually(async () => (await me(b, user, freshAddress())).status === 403, ELSEWHERE_MS);
    expect(await browse(b, ip)).toMatchObject({
      status: 403,
      message: expect.stringMatching(/^Requests from this address are banned until \S+Z$/),
    });
    expect((await me(b, neighbour, ip)).status).toBe(403);
    // Health checks and metrics still answer it: a probe must not take the instances down.
    await b.http.get('/api/healthz').set('X-Forwarded-For', ip).expect(200);
    await b.http.get('/api/metrics').set('X-Forwarded-For', ip).expect(200);
    expect((await me(b, neighbour, freshAddress())).status).toBe(200);
    // Admins are never refused, so a ban can always be lifted.
    const bans = await b.http
      .get('/api/admin/bans')
      .set(admin.auth)
      .set('X-Forwarded-For', ip)
      .expect(200);
    const items: Array<Record<string, unknown>> = bans.body.items;
    expect(items.find((ban) => ban.subject === 'user')).toMatchObject({
      user: { id: user.id, email: user.email },
      address_hash: null,
      strike: 1,
      reason: 'rate_limit',
    });
    expect(items.find((ban) => ban.address_hash === clientAddressHash(ip))).toMatchObject({
      subject: 'address',
      user: null,
      strike: 1,
      reason: 'rate_limit',
    });
    expect(items).toHaveLength(2);

    expect(await metric(a, 'violations_total', 'kind="rate_limit"')).toBe(3);
    expect(await metric(a, 'bans_issued_total', 'subject="user"')).toBe(1);
    expect(await metric(a, 'bans_issued_total', 'subject="address"')).toBe(1);

    // 15 minutes later both are let in again, everywhere.
    clock.advance(15 * MINUTE + 1000);
    for (const t of [a, b]) {
      expect((await me(t, user, ip)).status).toBe(200);
      expect((await browse(t, ip)).status).toBe(200);
    }
  });

  it('climbs the ladder (15 min, 1 h, 24 h, 7 d, then 7 d again) and starts it over after a quiet month', async () => {
    const user = await createUser(a);
    const violations = [a, b].map((t) => t.app.get(ViolationService));
    const ladder = [15 * MINUTE, HOUR, DAY, 7 * DAY, 7 * DAY];
    for (const [step, length] of ladder.entries()) {
      // A refused input is worth 5 points: past the threshold at once.
      const start = clock.now();
      await violations[step % 2].record({ userId: user.id }, 'refused_input');
      for (const t of [b, a]) {
        await eventually(
          async () => (await me(t, user, freshAddress())).status === 403,
          ELSEWHERE_MS,
        );
        const until = untilOf((await me(t, user, freshAddress())).message);
        expect({ step, length: Math.round((until - start) / 1000) }).toEqual({
          step,
          length: length / 1000,
        });
      }
      clock.advance(length + 1000);
      expect((await me(a, user, freshAddress())).status).toBe(200);
    }

    // 31 days without a violation: the next ban is the first step again.
    clock.advance(31 * DAY);
    const start = clock.now();
    await violations[0].record({ userId: user.id }, 'refused_input');
    const until = untilOf((await me(a, user, freshAddress())).message);
    expect(Math.round((until - start) / 1000)).toBe(15 * 60);
    clock.advance(15 * MINUTE + 1000);
  });

  it('forgets points after a day without violations', async () => {
    const user = await createUser(a);
    const violations = a.app.get(ViolationService);
    const rateLimited = () => violations.record({ userId: user.id }, 'rate_limit');
    await rateLimited();
    await rateLimited();
    clock.advance(24 * HOUR + 1000);
    // Two again: 2 points, not 4.
    await rateLimited();
    await rateLimited();
    expect((await me(a, user, freshAddress())).status).toBe(200);
    await rateLimited();
    expect((await me(a, user, freshAddress())).status).toBe(403);
    clock.advance(15 * MINUTE + 1000);
  });

  it('lets an admin lift a ban: at once here, soon on the other instance, audited', async () => {
    const user = await createUser(a);
    await a.app.get(ViolationService).record({ userId: user.id }, 'refused_input');
    await eventually(async () => (await me(b, user, freshAddress())).status === 403, ELSEWHERE_MS);

    const listed = await b.http.get('/api/admin/bans?page_size=100').set(admin.auth).expect(200);
    const ban = listed.body.items.find(
      (item: { user: { id: string } | null }) => item.user?.id === user.id,
    );
    expect(ban).toMatchObject({
      subject: 'user',
      strike: 1,
      reason: 'refused_input',
      lifted_at: null,
    });

    const lifted = await a.http.delete(`/api/admin/bans/${ban.id}`).set(admin.auth).expect(200);
    expect(lifted.body).toMatchObject({ id: ban.id, lifted_at: expect.any(String) });
    expect((await me(a, user, freshAddress())).status).toBe(200);
    await eventually(async () => (await me(b, user, freshAddress())).status === 200, ELSEWHERE_MS);
    const still = await b.http.get('/api/admin/bans?page_size=100').set(admin.auth).expect(200);
    expect(still.body.items.map((item: { id: string }) => item.id)).not.toContain(ban.id);

    const audit = await a.http.get('/api/admin/audit?action=ban.lift').set(admin.auth).expect(200);
    expect(audit.body.items).toContainEqual(
      expect.objectContaining({
        actor_id: admin.id,
        target: `ban:${ban.id}`,
        before: expect.objectContaining({ lifted_at: null }),
        after: expect.objectContaining({ lifted_at: lifted.body.lifted_at }),
      }),
    );
    expect(await metric(a, 'bans_lifted_total', 'subject="user"')).toBe(1);

    // Gone already, unknown, malformed.
    await a.http.delete(`/api/admin/bans/${ban.id}`).set(admin.auth).expect(409);
    await a.http.delete(`/api/admin/bans/${randomUUID()}`).set(admin.auth).expect(404);
    await a.http.delete('/api/admin/bans/nope').set(admin.auth).expect(400);

    // The score starts again and the lifted ban is no strike: one point bans nobody, and the
    // next ban is the ladder's first step.
    await a.app.get(ViolationService).record({ userId: user.id }, 'rate_limit');
    expect((await me(a, user, freshAddress())).status).toBe(200);
    const start = clock.now();
    await a.app.get(ViolationService).record({ userId: user.id }, 'refused_input');
    const until = untilOf((await me(a, user, freshAddress())).message);
    expect(Math.round((until - start) / 1000)).toBe(15 * 60);
    clock.advance(15 * MINUTE + 1000);
  });

  it("counts an upheld report against the character's owner, a dismissed one not", async () => {
    const [upheldOwner, dismissedOwner, reporter] = await Promise.all([
      createUser(a),
      createUser(a),
      createUser(a),
    ]);
    const decide = async (owner: TestUser, status: 'reviewed' | 'dismissed') => {
      const character = await publicCharacter(a, owner);
      const report = await a.http
        .post(`/api/characters/${character.id}/report`)
        .set(reporter.auth)
        .set('X-Forwarded-For', freshAddress())
        .send({ reason: 'inappropriate' })
        .expect(201);
      await b.http
        .put(`/api/admin/reports/${report.body.id}`)
        .set(admin.auth)
        .send({ status })
        .expect(200);
    };
    await decide(upheldOwner, 'reviewed');
    await decide(dismissedOwner, 'dismissed');
    // Decided on b: b knows at once, a within its next read.
    expect(await me(b, upheldOwner, freshAddress())).toMatchObject({
      status: 403,
      message: expect.stringMatching(/^This account is banned until /),
    });
    await eventually(
      async () => (await me(a, upheldOwner, freshAddress())).status === 403,
      ELSEWHERE_MS,
    );
    expect((await me(a, dismissedOwner, freshAddress())).status).toBe(200);
    expect(await metric(b, 'violations_total', 'kind="upheld_report"')).toBe(1);
    clock.advance(15 * MINUTE + 1000);
  });

  it('logs nothing at error level', () => {
    expect([...a.errorLogs(), ...b.errorLogs()]).toEqual([]);
  });
});

describe('bans switched off by the settings', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { AUTH_BOT_DELAY_MS: '0', SETTINGS_CACHE_TTL_MS: '0' } });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('counts points but bans nobody at threshold 0, and nothing at 0 points', async () => {
    const settings = t.app.get(SettingsService);
    const violations = t.app.get(ViolationService);
    const user = await createUser(t);
    await settings.set('ban_threshold.user', 0);
    for (let i = 0; i < 10; i++) await violations.record({ userId: user.id }, 'upheld_report');
    await t.http.get('/api/auth/me').set(user.auth).set(BROWSER_HEADERS).expect(200);
    const [score] = await t.dataSource.query(
      `SELECT points FROM violation_score WHERE subject = $1`,
      [`user:${user.id}`],
    );
    expect(score.points).toBe(100);

    await settings.set('ban_threshold.user', 3);
    await settings.set('violation_points.refused_input', 0);
    const other = await createUser(t);
    for (let i = 0; i < 3; i++) await violations.record({ userId: other.id }, 'refused_input');
    await t.http.get('/api/auth/me').set(other.auth).expect(200);
  });
});
