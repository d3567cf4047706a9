import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { guestAddressSubject } from '../../src/auth/usage/message-quota.service.js';
import { SettingsService } from '../../src/common/settings/settings.service.js';
import {
  eventually,
  failAll,
  llmEnv,
  openChat,
  publicCharacter,
  replyOf,
  send,
} from '../chat/chat-support.js';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser } from '../support/users.js';

// Issue #23 item 8: a guest's allowance was counted per X-Anon-Session only, so a client
// inventing a new session header got a fresh allowance each time, without end. It is now
// also counted per client address per UTC day (anon_daily_messages_per_address), in
// PostgreSQL, so every instance counts the same.
const ADDRESS_LIMIT = 3;
const SESSION_LIMIT = 20;

describe('guest allowance per client address', () => {
  let fake: FakeLlm;
  let t: TestApp;
  let other: TestApp;
  let character: { id: string };
  let nextAddress = 1;

  /** A documentation address (RFC 5737) no other test of this file uses. */
  const freshAddress = () => `198.51.100.${nextAddress++}`;
  /** A new guest session (a new X-Anon-Session) from `address`. */
  const guestAt = (address: string) => ({
    'X-Anon-Session': randomUUID(),
    'X-Forwarded-For': address,
  });
  /** Opens a chat as `who` on `app` and sends one message; the status and the final event. */
  const sendOnce = async (app: TestApp, who: Record<string, string>) => {
    const result = await send(app, who, await openChat(app, who, character.id));
    return { ...result, last: replyOf(result.events).last };
  };
  const countOf = async (subject: string): Promise<number> => {
    const rows = await t.dataSource.query<Array<{ used: number }>>(
      `SELECT used FROM message_quota WHERE subject = $1`,
      [subject],
    );
    return rows[0]?.used ?? 0;
  };

  beforeAll(async () => {
    fake = await startFakeLlm();
    // Addresses from X-Forwarded-For, as behind the shipped nginx; rate limits off, so only
    // the allowance refuses.
    const env = { ...llmEnv(fake), TRUST_PROXY: '1', RATE_LIMIT_SCALE: '0' };
    t = await createTestApp({ env });
    // A second instance on the same database, as behind a load balancer.
    other = await createTestApp({ env, databaseUrl: t.databaseUrl });
    character = await publicCharacter(t, await createUser(t));
  });

  beforeEach(async () => {
    fake.reset();
    for (const app of [t, other]) {
      const settings = app.app.get(SettingsService);
      await settings.set('anon_message_limit', SESSION_LIMIT);
      await settings.set('anon_daily_messages_per_address', ADDRESS_LIMIT);
    }
  });

  afterAll(async () => {
    await other?.close();
    await t?.close();
    await fake?.close();
  });

  it('gives four guest sessions from one address 3 messages in total, then a 403 saying so', async () => {
    const address = freshAddress();
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await sendOnce(t, guestAt(address)));
    expect(results.map((result) => result.status)).toEqual([200, 200, 200, 403]);
    // The session's own count would say 19 left: the address's is the tighter.
    expect(results.slice(0, 3).map((result) => result.last?.anon_messages_left)).toEqual([2, 1, 0]);
    expect(results[3].body).toEqual({
      status_code: 403,
      error: 'Forbidden',
      message:
        "This address's daily guest allowance is spent (3 messages a day from one address): " +
        'sign up to keep chatting',
      request_id: expect.any(String),
    });
    expect(await countOf(guestAddressSubject(address))).toBe(ADDRESS_LIMIT);
    // A fresh session there is told it has nothing left.
    const status = await t.http.get('/api/chats/anon-limit').set(guestAt(address)).expect(200);
    expect(status.body).toEqual({ limit: SESSION_LIMIT, remaining: 0, enabled: true });
  });

  it('lets exactly 3 through when 12 new sessions from one address race, and charges the refused sessions nothing', async () => {
    const address = freshAddress();
    const guests = Array.from({ length: 12 }, () => guestAt(address));
    const chats = await Promise.all(guests.map((who) => openChat(t, who, character.id)));
    const results = await Promise.all(
      guests.map((who, i) => send(t, who, chats[i], { content: 'Race!' })),
    );
    const statuses = results.map((result) => result.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(ADDRESS_LIMIT);
    expect(statuses.filter((status) => status === 403)).toHaveLength(12 - ADDRESS_LIMIT);
    expect(await countOf(guestAddressSubject(address))).toBe(ADDRESS_LIMIT);
    // Each refused session's own count was given back.
    const refused = guests.filter((_, i) => statuses[i] === 403);
    for (const who of refused) expect(await countOf(`anon:${who['X-Anon-Session']}`)).toBe(0);
  });

  it('gives the address its message back when the reply fails', async () => {
    const address = freshAddress();
    const restore = failAll(fake, { fault: 'status', status: 500 });
    const failed = await sendOnce(t, guestAt(address));
    restore();
    expect(failed.last).toMatchObject({ type: 'error' });
    await eventually(async () => (await countOf(guestAddressSubject(address))) === 0);
    // All three are still there.
    const after = [];
    for (let i = 0; i < 4; i++) after.push((await sendOnce(t, guestAt(address))).status);
    expect(after).toEqual([200, 200, 200, 403]);
  });

  it('leaves another address its own allowance', async () => {
    const spent = freshAddress();
    for (let i = 0; i < ADDRESS_LIMIT; i++) await sendOnce(t, guestAt(spent));
    expect((await sendOnce(t, guestAt(spent))).status).toBe(403);
    const neighbour = freshAddress();
    const result = await sendOnce(t, guestAt(neighbour));
    expect(result.status).toBe(200);
    expect(result.last).toMatchObject({ type: 'done', anon_messages_left: ADDRESS_LIMIT - 1 });
  });

  it('counts one address across two instances on one database', async () => {
    const address = freshAddress();
    const statuses = [];
    for (const app of [t, other, t, other, t]) {
      statuses.push((await sendOnce(app, guestAt(address))).status);
    }
    expect(statuses).toEqual([200, 200, 200, 403, 403]);
  });

  it('is off with anon_daily_messages_per_address 0', async () => {
    await t.app.get(SettingsService).set('anon_daily_messages_per_address', 0);
    const address = freshAddress();
    const statuses = [];
    for (let i = 0; i < ADDRESS_LIMIT + 2; i++) {
      statuses.push((await sendOnce(t, guestAt(address))).status);
    }
    expect(statuses).toEqual(Array(ADDRESS_LIMIT + 2).fill(200));
  });
});
