import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AuthModule } from '../../../src/auth/auth.module.js';
import { UsersService } from '../../../src/auth/users.service.js';
import { createMediumModule, type MediumModule } from '../../support/medium.js';
import { createUser } from '../../support/users.js';

/** UsersService.addTokensUsed against the real database: resets and atomicity. */
describe('token usage counters', () => {
  let t: MediumModule;
  let users: UsersService;

  beforeAll(async () => {
    t = await createMediumModule({ imports: [AuthModule] });
    users = t.app.get(UsersService);
  });

  afterAll(async () => {
    await t?.close();
  });

  /** Pretends the counters were last touched `days` days ago (UTC). */
  const lastUsed = (userId: string, days: number) =>
    t.dataSource.query(
      `UPDATE app_user SET tokens_reset_date = (now() AT TIME ZONE 'UTC')::date - $2::int
       WHERE id = $1`,
      [userId, days],
    );

  it('adds up within a day', async () => {
    const user = await createUser(t);
    expect(await users.addTokensUsed(user.id, 100)).toEqual({ today: 100, month: 100 });
    expect(await users.addTokensUsed(user.id, 50)).toEqual({ today: 150, month: 150 });
    const [row] = await t.dataSource.query(
      `SELECT tokens_reset_date = (now() AT TIME ZONE 'UTC')::date AS today FROM app_user WHERE id = $1`,
      [user.id],
    );
    expect(row.today).toBe(true);
  });

  it('starts the day again after UTC midnight, and the month on the 1st', async () => {
    const user = await createUser(t);
    await users.addTokensUsed(user.id, 100);
    await lastUsed(user.id, 1);
    const [{ first_of_month: firstOfMonth }] = await t.dataSource.query(
      `SELECT extract(day FROM now() AT TIME ZONE 'UTC') = 1 AS first_of_month`,
    );
    // Yesterday was in the same month unless today is the 1st.
    expect(await users.addTokensUsed(user.id, 10)).toEqual({
      today: 10,
      month: firstOfMonth ? 10 : 110,
    });

    await lastUsed(user.id, 40);
    expect(await users.addTokensUsed(user.id, 7)).toEqual({ today: 7, month: 7 });
  });

  it('loses no update under concurrency', async () => {
    const user = await createUser(t);
    await Promise.all(Array.from({ length: 25 }, () => users.addTokensUsed(user.id, 4)));
    expect(await users.addTokensUsed(user.id, 0)).toEqual({ today: 100, month: 100 });
  });

  it('returns null for a user that does not exist', async () => {
    expect(await users.addTokensUsed('00000000-0000-4000-8000-000000000000', 5)).toBeNull();
  });
});
