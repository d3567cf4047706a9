import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AuthModule } from '../../../src/auth/auth.module.js';
import { TokenUsageTally } from '../../../src/auth/token-usage-tally.service.js';
import { UsersRepository, type TokenUsage } from '../../../src/auth/users.repository.js';
import { UsersService } from '../../../src/auth/users.service.js';
import { createMediumModule, type MediumModule } from '../../support/medium.js';
import { createUser } from '../../support/users.js';

/** The token counters against the real database: resets, atomicity, and the batching. */
describe('token usage counters', () => {
  let t: MediumModule;
  let repository: UsersRepository;

  beforeAll(async () => {
    // An hour: nothing is written until the test flushes (or the app shuts down).
    t = await createMediumModule({ imports: [AuthModule], env: { TOKEN_USAGE_FLUSH_MS: '60000' } });
    repository = t.app.get(UsersRepository);
  });

  afterAll(async () => {
    await t?.close();
  });

  const add = async (userId: string, tokens: number): Promise<TokenUsage | undefined> =>
    (await repository.addTokensUsed([{ userId, tokens }])).get(userId);

  const counters = async (userId: string) =>
    (
      await t.dataSource.query<Array<{ today: number; month: number }>>(
        `SELECT tokens_used_today AS today, tokens_used_month AS month FROM app_user WHERE id = $1`,
        [userId],
      )
    )[0];

  /** Pretends the counters were last touched `days` days ago (UTC). */
  const lastUsed = (userId: string, days: number) =>
    t.dataSource.query(
      `UPDATE app_user SET tokens_reset_date = (now() AT TIME ZONE 'UTC')::date - $2::int
       WHERE id = $1`,
      [userId, days],
    );

  it('adds up within a day', async () => {
    const user = await createUser(t);
    expect(await add(user.id, 100)).toEqual({ today: 100, month: 100 });
    expect(await add(user.id, 50)).toEqual({ today: 150, month: 150 });
    const [row] = await t.dataSource.query(
      `SELECT tokens_reset_date = (now() AT TIME ZONE 'UTC')::date AS today FROM app_user WHERE id = $1`,
      [user.id],
    );
    expect(row.today).toBe(true);
  });

  it('starts the day again after UTC midnight, and the month on the 1st', async () => {
    const user = await createUser(t);
    await add(user.id, 100);
    await lastUsed(user.id, 1);
    const [{ first_of_month: firstOfMonth }] = await t.dataSource.query(
      `SELECT extract(day FROM now() AT TIME ZONE 'UTC') = 1 AS first_of_month`,
    );
    // Yesterday was in the same month unless today is the 1st.
    expect(await add(user.id, 10)).toEqual({ today: 10, month: firstOfMonth ? 10 : 110 });

    await lastUsed(user.id, 40);
    expect(await add(user.id, 7)).toEqual({ today: 7, month: 7 });
  });

  it('loses no update under concurrency, across batches naming the same users', async () => {
    const [a, b] = [await createUser(t), await createUser(t)];
    await Promise.all(
      Array.from({ length: 25 }, (_, n) =>
        repository.addTokensUsed(
          n % 2 === 0
            ? [
                { userId: a.id, tokens: 4 },
                { userId: b.id, tokens: 1 },
              ]
            : [
                { userId: b.id, tokens: 1 },
                { userId: a.id, tokens: 4 },
                { userId: a.id, tokens: 0 },
              ],
        ),
      ),
    );
    expect(await counters(a.id)).toEqual({ today: 100, month: 100 });
    expect(await counters(b.id)).toEqual({ today: 25, month: 25 });
  });

  it('skips a user that does not exist', async () => {
    const user = await createUser(t);
    const missing = '00000000-0000-4000-8000-000000000000';
    const after = await repository.addTokensUsed([
      { userId: missing, tokens: 5 },
      { userId: user.id, tokens: 5 },
    ]);
    expect([...after.keys()]).toEqual([user.id]);
  });

  it('holds what replies count and writes it for every user in one statement', async () => {
    const users = t.app.get(UsersService);
    const [a, b] = [await createUser(t), await createUser(t)];
    users.countTokens(a.id, 30);
    users.countTokens(b.id, 5);
    users.countTokens(a.id, 12);
    users.countTokens(a.id, 0);
    expect(await counters(a.id)).toEqual({ today: 0, month: 0 });
    await t.app.get(TokenUsageTally).flush();
    expect(await counters(a.id)).toEqual({ today: 42, month: 42 });
    expect(await counters(b.id)).toEqual({ today: 5, month: 5 });
  });

  it('writes what it holds when the app shuts down, and later counts at once', async () => {
    const tally = t.app.get(TokenUsageTally);
    const user = await createUser(t);
    tally.count(user.id, 9);
    await tally.beforeApplicationShutdown();
    expect(await counters(user.id)).toEqual({ today: 9, month: 9 });
    tally.count(user.id, 1);
    // After shutdown began every count is its own statement, already on its way.
    for (let tries = 0; (await counters(user.id)).today !== 10; tries++) {
      if (tries > 100) throw new Error('the late count was never written');
      await new Promise((resolve) => setImmediate(resolve));
    }
  });
});
