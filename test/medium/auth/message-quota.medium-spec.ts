import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { AuthModule } from '../../../src/auth/auth.module.js';
import { MessageQuotaService } from '../../../src/auth/usage/message-quota.service.js';
import { SettingsService } from '../../../src/common/settings/settings.service.js';
import { createMediumModule, type MediumModule } from '../../support/medium.js';

describe('message quota', () => {
  let t: MediumModule;
  let quota: MessageQuotaService;
  let settings: SettingsService;

  beforeAll(async () => {
    t = await createMediumModule({ imports: [AuthModule] });
    quota = t.app.get(MessageQuotaService);
    settings = t.app.get(SettingsService);
  });

  afterAll(async () => {
    await t?.close();
  });

  const user = (tier: 'free' | 'premium' = 'free') => ({
    id: randomUUID(),
    email: 'x@example.test',
    role: 'user' as const,
    tier,
  });

  const settle = <T>(promises: Array<Promise<T>>) => Promise.allSettled(promises);

  it('lets exactly the daily limit through when 20 sends race at the edge', async () => {
    await settings.set('daily_message_limit', 5);
    const subject = { user: user() };
    const results = await settle(Array.from({ length: 20 }, () => quota.consume(subject)));
    const granted = results.filter((result) => result.status === 'fulfilled');
    expect(granted).toHaveLength(5);
    const refused = results.find((result) => result.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason.getStatus()).toBe(429);
    expect(
      granted
        .map((result) => (result as PromiseFulfilledResult<{ remaining: number }>).value.remaining)
        .sort(),
    ).toEqual([0, 1, 2, 3, 4]);
  });

  it('gives a refunded message back', async () => {
    await settings.set('daily_message_limit', 1);
    const subject = { user: user() };
    const ticket = await quota.consume(subject);
    await expect(quota.consume(subject)).rejects.toMatchObject({ status: 429 });
    await quota.refund(ticket);
    await expect(quota.consume(subject)).resolves.toMatchObject({ remaining: 0 });
  });

  it('does not limit premium users', async () => {
    await settings.set('daily_message_limit', 1);
    const subject = { user: user('premium') };
    for (let i = 0; i < 3; i++)
      await expect(quota.consume(subject)).resolves.toMatchObject({ remaining: null });
  });

  it('counts a guest session in total, refuses with 403, and reports its status', async () => {
    await settings.set('anon_message_limit', 3);
    const session = randomUUID();
    const results = await settle(
      Array.from({ length: 10 }, () => quota.consume({ guestSession: session })),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(3);
    await expect(quota.consume({ guestSession: session })).rejects.toMatchObject({ status: 403 });
    expect(await quota.guestStatus(session)).toEqual({ limit: 3, remaining: 0, enabled: true });
    expect(await quota.guestStatus(randomUUID())).toEqual({
      limit: 3,
      remaining: 3,
      enabled: true,
    });

    await settings.set('anon_message_limit', 0);
    await expect(quota.consume({ guestSession: randomUUID() })).rejects.toMatchObject({
      status: 403,
    });
    expect(await quota.guestStatus(session)).toEqual({ limit: 0, remaining: 0, enabled: false });
    await settings.set('anon_message_limit', 20);
  });
});
