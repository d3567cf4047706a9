import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { StreamTicketService } from '../../src/chat/streaming/stream-tickets.js';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import {
  guest,
  llmEnv,
  messagesOf,
  openChat,
  publicCharacter,
  eventIdOf,
  type ReplyEvent,
  stream,
} from './chat-support.js';

/** One server-sent event with its `id:` line. */
interface Numbered {
  id?: string;
  event: ReplyEvent;
}

interface SseReader {
  status: number;
  body?: { message: string };
  next(): Promise<Numbered | undefined>;
  rest(): Promise<Numbered[]>;
  close(): void;
}

/** GETs `path` as a browser's EventSource would (no headers but `extra`), keeping event ids. */
async function eventSource(
  baseUrl: string,
  path: string,
  extra: Record<string, string> = {},
): Promise<SseReader> {
  const res = await stream(baseUrl, path, {
    method: 'GET',
    headers: { Accept: 'text/event-stream', ...extra },
  });
  const numbered = (event: ReplyEvent): Numbered => ({ id: eventIdOf(event), event });
  return {
    status: res.status,
    body: res.body,
    next: async () => {
      const event = await res.next();
      return event && numbered(event);
    },
    rest: async () => (await res.rest()).map(numbered),
    close: res.close,
  };
}

const textOf = (events: Numbered[]) =>
  events.map(({ event }) => (event.type === 'token' ? event.content : '')).join('');

/**
 * Issue #23 item 7: a browser's EventSource cannot send Authorization or X-Anon-Session, so it
 * could not re-attach to a reply in flight; and a reconnect replayed the whole reply so far.
 */
describe('re-attaching with EventSource: stream tickets and Last-Event-ID', () => {
  let fake: FakeLlm;
  let t: TestApp;
  let second: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  let character: { id: string };

  beforeAll(async () => {
    fake = await startFakeLlm();
    const env = { ...llmEnv(fake), RATE_LIMIT_SCALE: '0' };
    t = await createTestApp({ env });
    second = await createTestApp({ env, databaseUrl: t.databaseUrl });
    const owner = await createUser(t);
    [alice, bob] = await Promise.all([createUser(t), createUser(t)]);
    character = await publicCharacter(t, owner);
  });

  beforeEach(() => fake.reset());

  afterAll(async () => {
    await second?.close();
    await t?.close();
    await fake?.close();
  });

  const TOKENS = Array.from({ length: 12 }, (_, i) => ` w${i}`);

  /** A chat of `who` whose slow reply (12 tokens, 50 ms apart) has written its first 3 tokens. */
  async function replyInFlight(who: Record<string, string>) {
    const chatId = await openChat(t, who, character.id);
    fake.script({ tokens: TOKENS, tokenIntervalMs: 50 });
    const first = await stream(t.url, `/api/chats/${chatId}/message`, {
      headers: who,
      body: { content: 'Tell me' },
    });
    for (let i = 0; i < 3; i++) await first.next();
    return { chatId, first };
  }

  const savedReply = async (chatId: string) => (await messagesOf(t, chatId)).at(-1)!.content;

  const ticketFor = async (chatId: string, who: Record<string, string>) => {
    const res = await t.http.post(`/api/chats/${chatId}/stream-ticket`).set(who).expect(201);
    return res.body as { ticket: string; expires_at: string };
  };

  it("a user's ticket re-attaches without headers and gets the rest of the reply and done", async () => {
    const { chatId, first } = await replyInFlight(alice.auth);
    const issued = Date.now();
    const { ticket, expires_at } = await ticketFor(chatId, alice.auth);
    const expires = Date.parse(expires_at);
    expect(expires).toBeGreaterThan(issued + 55_000);
    expect(expires).toBeLessThanOrEqual(issued + 61_000);

    const follower = await eventSource(t.url, `/api/chats/${chatId}/stream?ticket=${ticket}`);
    expect(follower.status).toBe(200);
    const events = await follower.rest();
    await first.rest();
    expect(events.at(-1)!.event).toMatchObject({ type: 'done' });
    // No Last-Event-ID: the whole reply so far, then the rest, as before.
    expect(textOf(events)).toBe(await savedReply(chatId));
    expect(textOf(events)).toBe(TOKENS.join(''));
  });

  it("a guest's ticket re-attaches the same, and also from another instance", async () => {
    const session = guest();
    const { chatId, first } = await replyInFlight(session);
    const { ticket } = await ticketFor(chatId, session);
    const [here, there] = await Promise.all([
      eventSource(t.url, `/api/chats/${chatId}/stream?ticket=${ticket}`),
      eventSource(second.url, `/api/chats/${chatId}/stream?ticket=${ticket}`),
    ]);
    expect([here.status, there.status]).toEqual([200, 200]);
    const [mine, theirs] = await Promise.all([here.rest(), there.rest()]);
    await first.rest();
    const saved = await savedReply(chatId);
    expect(textOf(mine)).toBe(saved);
    expect(textOf(theirs)).toBe(saved);
    expect(theirs.at(-1)!.event).toMatchObject({ type: 'done' });
    // The ticket holds the session's hash only: the URL never carries the guest's credential.
    expect(ticket).not.toContain(session['X-Anon-Session']);
    const payload = Buffer.from(ticket.split('.')[1], 'base64url').toString();
    expect(payload).not.toContain(session['X-Anon-Session']);
  });

  it('refuses tickets for another chat, expired, forged or of another kind', async () => {
    const { chatId, first } = await replyInFlight(alice.auth);
    const otherChat = await openChat(t, alice.auth, character.id);
    const refused = async (ticket: string, status: number, message: RegExp) => {
      const res = await eventSource(
        t.url,
        `/api/chats/${chatId}/stream?ticket=${encodeURIComponent(ticket)}`,
      );
      expect({ status: res.status, message: res.body?.message }).toEqual({
        status,
        message: expect.stringMatching(message),
      });
    };

    await refused((await ticketFor(otherChat, alice.auth)).ticket, 403, /for another chat/);
    const tickets = t.app.get(StreamTicketService);
    const aliceUser = { id: alice.id, email: alice.email, role: 'user', tier: 'free' } as const;
    const stale = await tickets.issue(chatId, { user: aliceUser }, new Date(Date.now() - 61_000));
    await refused(stale.ticket, 401, /expired/);
    // A login token is never a ticket: never a long-lived credential in a URL.
    await refused(alice.token, 401, /^Invalid stream ticket$/);
    const valid = (await ticketFor(chatId, alice.auth)).ticket;
    const [head, body, signature] = valid.split('.');
    const forgedBody = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(body, 'base64url').toString()),
        sub: `user:${bob.id}`,
      }),
    ).toString('base64url');
    await refused(`${head}.${forgedBody}.${signature}`, 401, /^Invalid stream ticket$/);
    await refused(`${head}.${body}.${signature.slice(0, -4)}AAAA`, 401, /^Invalid stream ticket$/);
    await refused(randomUUID(), 401, /^Invalid stream ticket$/);
    // Nor is a ticket a session.
    await t.http
      .get('/api/auth/me')
      .set({ Authorization: `Bearer ${valid}` })
      .expect(401);
    // Someone else gets no ticket for the chat (hidden as any other chat of someone else's).
    await t.http.post(`/api/chats/${chatId}/stream-ticket`).set(bob.auth).expect(404);
    await t.http.post(`/api/chats/${chatId}/stream-ticket`).set(guest()).expect(404);
    // A ticket far longer than any real one is refused before it is read.
    const huge = await eventSource(t.url, `/api/chats/${chatId}/stream?ticket=${'a'.repeat(5000)}`);
    expect(huge.status).toBe(400);
    // And without a ticket, headers are still needed as before.
    const bare = await eventSource(t.url, `/api/chats/${chatId}/stream`);
    expect(bare.status).toBe(400);
    await first.rest();
  });

  it('resumes after Last-Event-ID without repeating a token, wherever the follower lands', async () => {
    const { chatId, first } = await replyInFlight(alice.auth);
    // The first connection (with its ticket) reads a few events, then drops.
    const { ticket } = await ticketFor(chatId, alice.auth);
    const early = await eventSource(t.url, `/api/chats/${chatId}/stream?ticket=${ticket}`);
    const got: Numbered[] = [];
    while (got.length < 3) got.push((await early.next())!);
    early.close();
    const lastId = got.at(-1)!.id!;
    expect(Number(lastId)).toBe(textOf(got).length);

    // EventSource reconnects with the same URL and Last-Event-ID, on either instance.
    const [again, elsewhere, manual] = await Promise.all([
      eventSource(t.url, `/api/chats/${chatId}/stream?ticket=${ticket}`, {
        'Last-Event-ID': lastId,
      }),
      eventSource(second.url, `/api/chats/${chatId}/stream?ticket=${ticket}`, {
        'Last-Event-ID': lastId,
      }),
      eventSource(t.url, `/api/chats/${chatId}/stream?last_event_id=${lastId}`, alice.auth),
    ]);
    const results = await Promise.all([again.rest(), elsewhere.rest(), manual.rest()]);
    await first.rest();
    const saved = await savedReply(chatId);
    for (const rest of results) {
      expect(textOf(got) + textOf(rest)).toBe(saved);
      expect(rest.at(-1)!.event).toMatchObject({ type: 'done' });
      // Ids only grow from where the client was.
      const ids = rest.map((e) => Number(e.id));
      expect(ids.every((id) => id > Number(lastId))).toBe(true);
      expect(ids.at(-1)).toBe(saved.length);
    }
  });

  it('numbers the events of the send stream too, so a dropped send can resume', async () => {
    const chatId = await openChat(t, alice.auth, character.id);
    fake.script({ tokens: ['Storm', ' is', ' close.'] });
    const res = await fetch(`${t.url}/api/chats/${chatId}/message`, {
      method: 'POST',
      headers: { ...alice.auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ content: 'Storm?' }),
    });
    const blocks = (await res.text()).split('\n\n').filter(Boolean);
    const ids = blocks.map((block) => /^id: (\d+)\ndata: /.exec(block)?.[1]);
    expect(ids.at(-1)).toBe(String('Storm is close.'.length));
    expect(ids.every((id) => id !== undefined)).toBe(true);
  });

  it('refuses a Last-Event-ID this API never gave with a 400 naming it', async () => {
    const { chatId, first } = await replyInFlight(alice.auth);
    for (const bad of ['-1', 'abc', '9'.repeat(40)]) {
      const res = await eventSource(t.url, `/api/chats/${chatId}/stream`, {
        ...alice.auth,
        'Last-Event-ID': bad,
      });
      expect(res.status).toBe(400);
      expect(res.body!.message).toMatch(/Last-Event-ID must be/);
    }
    await first.rest();
  });
});
