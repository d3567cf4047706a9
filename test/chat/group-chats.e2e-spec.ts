import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { startFakeLlm, type FakeLlm, type RecordedRequest } from '../support/fake-llm.js';
import { documentedPaths } from '../support/openapi.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import {
  eventually,
  failAll,
  llmEnv,
  maxTokensOf,
  publicCharacter,
  stream,
} from './chat-support.js';
import { rowCachesCaughtUp } from '../support/row-caches.js';

/** The server-sent events of a group round. */
interface GroupEvent {
  type: 'token' | 'done' | 'error' | 'end';
  character_id?: string;
  content?: string;
  message_id?: number;
  message?: string;
  user_message_id?: number | null;
  stopped?: boolean;
}

interface Member {
  id: string;
  name: string;
}

describe('group chats', () => {
  let fake: FakeLlm;
  let t: TestApp;
  let owner: TestUser;
  let alice: TestUser;
  let bob: TestUser;
  let mira: Member;
  let bram: Member;
  let cleo: Member;

  /** A public character whose description tells its system prompt apart from the others'. */
  const character = async (name: string): Promise<Member> => {
    // No greeting: a group chat opens with its first member's (group-engine.e2e-spec.ts), and
    // these scenes start from the user's first message.
    const { id } = await publicCharacter(t, owner, { name, greeting: '' });
    await t.dataSource.query(`UPDATE character SET description = $2 WHERE id = $1`, [
      id,
      `${name} is the one who keeps the ${name.toLowerCase()} lamp.`,
    ]);
    await rowCachesCaughtUp(t);
    return { id, name };
  };

  const createGroup = async (who: TestUser, ids: string[], extra: object = {}) => {
    const res = await t.http
      .post('/api/group-chats')
      .set(who.auth)
      .send({ character_ids: ids, ...extra });
    if (res.status !== 201) throw new Error(`create: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { id: string; members: Member[] } & Record<string, unknown>;
  };

  const sendMessage = async (who: TestUser, id: string, content: string) => {
    const res = await stream(t.url, `/api/group-chats/${id}/message`, {
      headers: who.auth,
      body: { content },
    });
    return {
      status: res.status,
      body: res.body,
      events: (await res.rest()) as unknown as GroupEvent[],
    };
  };

  /** The text each character streamed, and the non-token events, in order. */
  const summarize = (events: GroupEvent[]) => ({
    texts: events.reduce<Record<string, string>>((texts, event) => {
      if (event.type === 'token') {
        texts[event.character_id!] = (texts[event.character_id!] ?? '') + event.content;
      }
      return texts;
    }, {}),
    flow: events
      .filter((event, i) => event.type !== 'token' || events[i - 1]?.type !== 'token')
      .map((event) => `${event.type}:${event.character_id ?? ''}`),
  });

  const completions = (): RecordedRequest[] =>
    fake.requests.filter((request) => request.path.endsWith('/chat/completions'));

  const systemOf = (request: RecordedRequest): string => {
    const [first] = request.body!.messages!;
    expect(first.role).toBe('system');
    return String(first.content);
  };

  const conversationOf = (request: RecordedRequest) =>
    request.body!.messages!.filter((message) => message.role !== 'system');

  const savedMessages = (id: string) =>
    t.dataSource.query<Array<{ role: string; character_id: string | null; content: string }>>(
      `SELECT role, character_id, content FROM message WHERE chat_id = $1 ORDER BY id`,
      [id],
    );

  const quotaUsed = async (user: TestUser): Promise<number> => {
    const [row] = await t.dataSource.query<Array<{ used: number | null }>>(
      `SELECT sum(used)::int AS used FROM message_quota WHERE subject = $1`,
      [`user:${user.id}`],
    );
    return row.used ?? 0;
  };

  beforeAll(async () => {
    fake = await startFakeLlm();
    t = await createTestApp({ env: { ...llmEnv(fake), RATE_LIMIT_SCALE: '0' } });
    [owner, alice, bob] = await Promise.all([createUser(t), createUser(t), createUser(t)]);
    mira = await character('Mira');
    bram = await character('Bram');
    cleo = await character('Cleo');
  });

  beforeEach(() => fake.reset());

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('lets three characters answer in turn in one stream, each with its own prompt', async () => {
    const group = await createGroup(alice, [mira.id, bram.id, cleo.id], { title: 'Harbour' });
    expect(group).toMatchObject({
      id: expect.any(String),
      title: 'Harbour',
      language: 'en',
      message_count: 0,
      generating: false,
    });
    expect(group.members).toEqual(
      [mira, bram, cleo].map(({ id, name }) => ({
        id,
        name,
        slug: expect.any(String),
        avatar_url: '/api/avatars/x.png',
        content_rating: 'sfw',
        deleted: false,
      })),
    );

    fake.script(
      { content: 'Mira lights the lamp.' },
      { content: 'Bram shakes his head.' },
      { content: 'Cleo laughs at them both.' },
    );
    const first = await sendMessage(alice, group.id, 'Hello, all of you');
    expect(first.status).toBe(200);
    const { texts, flow } = summarize(first.events);
    expect(flow).toEqual([
      `token:${mira.id}`,
      `done:${mira.id}`,
      `token:${bram.id}`,
      `done:${bram.id}`,
      `token:${cleo.id}`,
      `done:${cleo.id}`,
      'end:',
    ]);
    expect(texts).toEqual({
      [mira.id]: 'Mira lights the lamp.',
      [bram.id]: 'Bram shakes his head.',
      [cleo.id]: 'Cleo laughs at them both.',
    });
    const end = first.events[first.events.length - 1];
    expect(end).toEqual({ type: 'end', user_message_id: expect.any(Number) });

    expect(await savedMessages(group.id)).toEqual([
      { role: 'user', character_id: null, content: 'Hello, all of you' },
      { role: 'assistant', character_id: mira.id, content: 'Mira lights the lamp.' },
      { role: 'assistant', character_id: bram.id, content: 'Bram shakes his head.' },
      { role: 'assistant', character_id: cleo.id, content: 'Cleo laughs at them both.' },
    ]);

    // Each upstream request: that character's system prompt naming the others present, the
    // others' lines as user messages prefixed with their name, 600 tokens at most.
    const requests = completions();
    expect(requests).toHaveLength(3);
    [mira, bram, cleo].forEach((member, i) => {
      const system = systemOf(requests[i]);
      expect(system).toContain(`${member.name} is the one who keeps`);
      for (const other of [mira, bram, cleo].filter((m) => m !== member)) {
        expect(system).not.toContain(`${other.name} is the one who keeps`);
        expect(system).toContain(other.name);
      }
      expect(maxTokensOf(requests[i])).toBe(600);
    });
    expect(conversationOf(requests[0])).toEqual([{ role: 'user', content: 'Hello, all of you' }]);
    // The others' lines join the user's message in one turn: turns alternate.
    expect(conversationOf(requests[1])).toEqual([
      { role: 'user', content: 'Hello, all of you\n\n[Mira]: Mira lights the lamp.' },
    ]);
    expect(conversationOf(requests[2])).toEqual([
      {
        role: 'user',
        content:
          'Hello, all of you\n\n[Mira]: Mira lights the lamp.\n\n[Bram]: Bram shakes his head.',
      },
    ]);

    // Next round: a character's own earlier line is its assistant turn.
    fake.reset();
    const second = await sendMessage(alice, group.id, 'Who is on watch tonight?');
    expect(summarize(second.events).flow).toHaveLength(7);
    expect(conversationOf(completions()[1])).toEqual([
      { role: 'user', content: 'Hello, all of you\n\n[Mira]: Mira lights the lamp.' },
      { role: 'assistant', content: 'Bram shakes his head.' },
      {
        role: 'user',
        content:
          '[Cleo]: Cleo laughs at them both.\n\nWho is on watch tonight?\n\n' +
          '[Mira]: Hello from the fake model.',
      },
    ]);

    const detail = await t.http.get(`/api/group-chats/${group.id}`).set(alice.auth).expect(200);
    expect(detail.body).toMatchObject({ message_count: 8, generating: false });
    expect(detail.body.has_more_messages).toBe(false);
    expect(
      detail.body.messages.map((m: { role: string; character_id: string | null }) => [
        m.role,
        m.character_id,
      ]),
    ).toEqual([
      ['user', null],
      ['assistant', mira.id],
      ['assistant', bram.id],
      ['assistant', cleo.id],
      ['user', null],
      ['assistant', mira.id],
      ['assistant', bram.id],
      ['assistant', cleo.id],
    ]);
    expect(detail.body.messages[1]).toMatchObject({
      id: first.events.find((event) => event.type === 'done')!.message_id,
      content: 'Mira lights the lamp.',
      status: 'complete',
      model_used: expect.stringMatching(/^openai\//),
      completion_tokens: expect.any(Number),
    });
    const page = await t.http
      .get(`/api/group-chats/${group.id}/messages?limit=3`)
      .set(alice.auth)
      .expect(200);
    expect(page.body.has_more).toBe(true);
    expect(page.body.messages.map((m: { content: string }) => m.content)).toEqual([
      'Hello from the fake model.',
      'Hello from the fake model.',
      'Hello from the fake model.',
    ]);
    // One message of the daily limit per round, however many characters answered.
    expect(await quotaUsed(alice)).toBe(2);
    expect(t.errorLogs()).toEqual([]);
  });

  it('rejects bad character lists with clear messages', async () => {
    const draft = await publicCharacter(t, owner, { name: 'Secret' });
    await t.dataSource.query(`UPDATE character SET is_public = false WHERE id = $1`, [draft.id]);
    await rowCachesCaughtUp(t);
    const cases: Array<[unknown, number, RegExp]> = [
      [[], 400, /character_ids must list at least one character/],
      [[mira.id, bram.id, cleo.id, randomUUID()], 400, /character_ids must list at most 3/],
      [[mira.id, mira.id], 400, /character_ids must not list the same character twice/],
      [
        [mira.id, mira.id.toUpperCase()],
        400,
        /character_ids must not list the same character twice/,
      ],
      [[mira.id, 'not-a-uuid'], 400, /each value in character_ids must be a UUID/],
      ['abc', 400, /character_ids must be an array/],
      [undefined, 400, /character_ids/],
      [[randomUUID()], 404, /Character .+ not found/],
      [[mira.id, draft.id], 404, new RegExp(`Character ${draft.id} not found`)],
    ];
    for (const [ids, status, message] of cases) {
      const res = await t.http
        .post('/api/group-chats')
        .set(alice.auth)
        .send({ character_ids: ids });
      expect({ ids, status: res.status }).toEqual({ ids, status });
      expect(res.body).toMatchObject({
        status_code: status,
        message,
        request_id: expect.any(String),
      });
    }
    // The owner of the private character may bring it along.
    await createGroup(owner, [draft.id, mira.id]);

    const extra = await t.http
      .post('/api/group-chats')
      .set(alice.auth)
      .send({ character_ids: [mira.id], max_members: 9 });
    expect(extra.status).toBe(400);
    expect(extra.body.message).toMatch(/max_members should not exist/);
    const language = await t.http
      .post('/api/group-chats')
      .set(alice.auth)
      .send({ character_ids: [mira.id], language: 'xx' });
    expect(language.status).toBe(400);

    const group = await createGroup(alice, [mira.id]);
    const empty = await sendMessage(alice, group.id, '   ');
    expect(empty.status).toBe(400);
    expect(empty.body!.message).toMatch(/content/);
    expect(completions()).toHaveLength(0);
  });

  it("keeps group chats private: another user's is a 404, no token a 401", async () => {
    const group = await createGroup(alice, [mira.id, bram.id]);
    const path = `/api/group-chats/${group.id}`;
    await t.http.get(path).set(bob.auth).expect(404);
    await t.http.get(`${path}/messages`).set(bob.auth).expect(404);
    await t.http.delete(path).set(bob.auth).expect(404);
    const theirs = await sendMessage(bob, group.id, 'Hi');
    expect(theirs.status).toBe(404);
    expect(theirs.body!.message).toBe('Group chat not found');
    const unknown = await t.http.get(`/api/group-chats/${randomUUID()}`).set(alice.auth);
    expect(unknown.status).toBe(404);
    await t.http.get('/api/group-chats/not-a-uuid').set(alice.auth).expect(400);

    for (const request of [
      t.http.get('/api/group-chats'),
      t.http.post('/api/group-chats').send({ character_ids: [mira.id] }),
      t.http.get(path),
      t.http.get(`${path}/messages`),
      t.http.delete(path),
      t.http.post(`${path}/message`).send({ content: 'Hi' }),
    ]) {
      const res = await request;
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ status_code: 401, error: expect.any(String) });
    }

    const list = await t.http.get('/api/group-chats').set(bob.auth).expect(200);
    expect(list.body.items.map((item: { id: string }) => item.id)).not.toContain(group.id);
    expect(completions()).toHaveLength(0);
  });

  it('lists my group chats, latest activity first, a page at a time', async () => {
    const carol = await createUser(t);
    const older = await createGroup(carol, [mira.id]);
    const newer = await createGroup(carol, [bram.id, cleo.id]);
    await sendMessage(carol, older.id, 'Back again');
    const list = await t.http.get('/api/group-chats?page_size=1').set(carol.auth).expect(200);
    expect(list.body).toMatchObject({ page: 1, page_size: 1, has_more: true });
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).toMatchObject({
      id: older.id,
      message_count: 2,
      members: [{ id: mira.id, name: 'Mira' }],
    });
    const next = await t.http.get('/api/group-chats?page=2&page_size=1').set(carol.auth);
    expect(next.body).toMatchObject({ has_more: false, items: [{ id: newer.id }] });
    expect(next.body.items[0].members.map((m: Member) => m.name)).toEqual(['Bram', 'Cleo']);
  });

  it('deletes a group chat with its messages', async () => {
    const group = await createGroup(alice, [mira.id, cleo.id]);
    await sendMessage(alice, group.id, 'Goodbye');
    expect(await savedMessages(group.id)).toHaveLength(3);
    await t.http.delete(`/api/group-chats/${group.id}`).set(alice.auth).expect(204);
    await t.http.get(`/api/group-chats/${group.id}`).set(alice.auth).expect(404);
    await t.http.delete(`/api/group-chats/${group.id}`).set(alice.auth).expect(404);
    expect(await savedMessages(group.id)).toEqual([]);
  });

  it('reports a provider failure as an error event and saves nothing of the failed reply', async () => {
    const group = await createGroup(alice, [mira.id, bram.id, cleo.id]);
    const before = await quotaUsed(alice);

    // Nothing answers: the round leaves no trace and the message does not count.
    const restore = failAll(fake, { fault: 'status', status: 500 });
    const failed = await sendMessage(alice, group.id, 'Anyone there?');
    restore();
    expect(failed.status).toBe(200);
    expect(failed.events).toEqual([
      { type: 'error', character_id: mira.id, message: expect.any(String) },
      { type: 'end', user_message_id: null },
    ]);
    // Sanitized: no provider details for a regular user.
    expect(failed.events[0].message).not.toMatch(/openai|groq|500/i);
    expect(await savedMessages(group.id)).toEqual([]);
    expect(await quotaUsed(alice)).toBe(before);

    // The second character breaks off mid-reply: the first one's reply stays, the broken
    // one is not saved, and the third does not speak.
    fake.reset();
    fake.script({ content: 'Mira answers.' }, { fault: 'drop', afterTokens: 2 });
    const broken = await sendMessage(alice, group.id, 'Anyone there now?');
    expect(summarize(broken.events).flow).toEqual([
      `token:${mira.id}`,
      `done:${mira.id}`,
      `token:${bram.id}`,
      `error:${bram.id}`,
      'end:',
    ]);
    expect(broken.events[broken.events.length - 1].user_message_id).toEqual(expect.any(Number));
    expect(await savedMessages(group.id)).toEqual([
      { role: 'user', character_id: null, content: 'Anyone there now?' },
      { role: 'assistant', character_id: mira.id, content: 'Mira answers.' },
    ]);
    const detail = await t.http.get(`/api/group-chats/${group.id}`).set(alice.auth).expect(200);
    expect(detail.body).toMatchObject({ message_count: 2, generating: false });
    expect(await quotaUsed(alice)).toBe(before + 1);
    expect(t.errorLogs()).toEqual([]);
  });

  it('runs one round at a time per group chat (409), and finishes a round whose client left', async () => {
    const group = await createGroup(alice, [mira.id, bram.id, cleo.id]);
    const tokens = (who: string) => Array.from({ length: 8 }, (_, i) => ` ${who}${i}`);
    fake.script(
      { tokens: tokens('m'), tokenIntervalMs: 30 },
      { tokens: tokens('b'), tokenIntervalMs: 30 },
      { tokens: tokens('c'), tokenIntervalMs: 30 },
    );
    const before = await quotaUsed(alice);
    const first = await stream(t.url, `/api/group-chats/${group.id}/message`, {
      headers: alice.auth,
      body: { content: 'Tell me everything' },
    });
    expect(await first.next()).toEqual({ type: 'token', character_id: mira.id, content: ' m0' });

    const busy = await sendMessage(alice, group.id, 'And me?');
    expect(busy.status).toBe(409);
    expect(busy.body!.message).toMatch(/still answering/);
    const generating = await t.http.get(`/api/group-chats/${group.id}`).set(alice.auth);
    expect(generating.body.generating).toBe(true);

    // The client goes away: every character still answers and is saved.
    first.close();
    await eventually(async () => (await savedMessages(group.id)).length === 4, 10_000);
    expect((await savedMessages(group.id)).map((m) => m.content)).toEqual([
      'Tell me everything',
      tokens('m').join(''),
      tokens('b').join(''),
      tokens('c').join(''),
    ]);
    expect(fake.abortedCount).toBe(0);
    await eventually(async () => {
      const res = await t.http.get(`/api/group-chats/${group.id}`).set(alice.auth);
      return res.body.generating === false;
    });
    // The refused message did not count; the next one goes through.
    expect(await quotaUsed(alice)).toBe(before + 1);
    expect((await sendMessage(alice, group.id, 'Thanks')).status).toBe(200);
  });

  /**
   * Alice's two-character group chat with a long round just begun on `t`, and the instance
   * to act through: `t` itself, or a second one on the same database (close it after).
   */
  const longRound = async (remote: boolean, content: string) => {
    const other = remote
      ? await createTestApp({
          env: { ...llmEnv(fake), RATE_LIMIT_SCALE: '0' },
          databaseUrl: t.databaseUrl,
        })
      : t;
    const group = await createGroup(alice, [mira.id, bram.id]);
    fake.script({ tokens: Array.from({ length: 50 }, (_, i) => ` w${i}`), tokenIntervalMs: 30 });
    const res = await stream(t.url, `/api/group-chats/${group.id}/message`, {
      headers: alice.auth,
      body: { content },
    });
    const first = (await res.next()) as unknown as GroupEvent;
    expect(first).toMatchObject({ type: 'token', character_id: mira.id });
    return { other, group, res, first, close: () => (remote ? other.close() : undefined) };
  };

  it.each([
    ['on the instance writing it', false],
    ['through another instance', true],
  ])(
    'stops the round when its group chat is deleted %s, and gives the message back',
    async (_how, remote) => {
      const before = await quotaUsed(alice);
      const { other, group, res, close } = await longRound(remote, 'Say something long');
      try {
        await other.http.delete(`/api/group-chats/${group.id}`).set(alice.auth).expect(204);
        await fake.waitForAborted(1);
        const rest = (await res.rest()) as unknown as GroupEvent[];
        expect(rest[rest.length - 1]).toEqual({ type: 'end', user_message_id: null });
        expect(rest.some((event) => event.type === 'error' || event.type === 'done')).toBe(false);
        expect(completions()).toHaveLength(1);
        expect(await savedMessages(group.id)).toEqual([]);
        expect(await quotaUsed(alice)).toBe(before);
        expect([...t.errorLogs(), ...other.errorLogs()]).toEqual([]);
      } finally {
        await close();
      }
    },
  );

  it.each([
    ['on the instance writing it', false],
    ['through another instance', true],
  ])(
    'stops a round %s: the speaker keeps its words, the others stay silent',
    async (_how, remote) => {
      const { other, group, res, first, close } = await longRound(remote, 'Tell us everything');
      try {
        const stopped = await other.http
          .post(`/api/group-chats/${group.id}/stop`)
          .set(alice.auth)
          .expect(200);
        expect(stopped.body).toEqual({ stopped: true });
        await fake.waitForAborted(1);
        const events = [first, ...((await res.rest()) as unknown as GroupEvent[])];
        const { texts, flow } = summarize(events);
        expect(flow).toEqual([`token:${mira.id}`, `done:${mira.id}`, 'end:']);
        expect(events.find((event) => event.type === 'done')).toMatchObject({ stopped: true });
        expect(events.at(-1)).toEqual({ type: 'end', user_message_id: expect.any(Number) });
        expect(completions()).toHaveLength(1);
        const saved = await savedMessages(group.id);
        expect(saved.map((message) => message.role)).toEqual(['user', 'assistant']);
        expect(saved[1]).toMatchObject({ character_id: mira.id, content: texts[mira.id] });
        expect(texts[mira.id].length).toBeLessThan(50 * 4);
        // Nothing left to stop.
        const again = await t.http.post(`/api/group-chats/${group.id}/stop`).set(alice.auth);
        expect(again.body).toEqual({ stopped: false });
        expect([...t.errorLogs(), ...other.errorLogs()]).toEqual([]);
      } finally {
        await close();
      }
    },
  );

  it("refuses to stop someone else's group chat, as if it did not exist", async () => {
    const group = await createGroup(alice, [mira.id]);
    const res = await t.http.post(`/api/group-chats/${group.id}/stop`).set(bob.auth).expect(404);
    expect(res.body.message).toBe('Group chat not found');
  });

  it('lets only the characters the user may still see answer', async () => {
    const dora = await character('Dora');
    const group = await createGroup(alice, [mira.id, dora.id]);
    const solo = await createGroup(alice, [dora.id]);
    await t.dataSource.query(`UPDATE character SET is_public = false WHERE id = $1`, [dora.id]);
    await rowCachesCaughtUp(t);
    const round = await sendMessage(alice, group.id, 'Where is Dora?');
    expect(summarize(round.events).flow).toEqual([`token:${mira.id}`, `done:${mira.id}`, 'end:']);
    expect(systemOf(completions()[0])).not.toContain('Dora');

    const before = await quotaUsed(alice);
    const nobody = await sendMessage(alice, solo.id, 'Hello?');
    expect(nobody.status).toBe(409);
    expect(nobody.body!.message).toMatch(/None of the characters of this group chat/);
    expect(await quotaUsed(alice)).toBe(before);
    // Still listed, with the member it had.
    const detail = await t.http.get(`/api/group-chats/${solo.id}`).set(alice.auth).expect(200);
    expect(detail.body.members.map((m: Member) => m.id)).toEqual([dora.id]);
  });

  it('documents every group chat endpoint in OpenAPI', async () => {
    const { body } = await t.http.get('/api/docs-json').expect(200);
    expect(documentedPaths(body, '/api/group-chats', 'group-chats')).toEqual([
      '/api/group-chats',
      '/api/group-chats/{id}',
      '/api/group-chats/{id}/message',
      '/api/group-chats/{id}/messages',
      '/api/group-chats/{id}/stop',
    ]);
    const send = body.paths['/api/group-chats/{id}/message'].post;
    expect(Object.keys(send.responses['200'].content)).toEqual(['text/event-stream']);
    expect(Object.keys(send.responses).sort()).toEqual([
      '200',
      '400',
      '401',
      '404',
      '409',
      '422',
      '429',
    ]);
    const stop = body.paths['/api/group-chats/{id}/stop'].post;
    expect(stop.responses['200'].content['application/json'].schema.$ref).toMatch(
      /GroupStopResponseDto$/,
    );
  });
});
