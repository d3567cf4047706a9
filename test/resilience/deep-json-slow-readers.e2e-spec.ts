import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import type { Server as HttpServer } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { MAX_JSON_DEPTH } from '../../src/common/validation/json-depth.js';
import { guest, llmEnv, openChat, publicCharacter, stream } from '../chat/chat-support.js';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { whileHealthzPolled } from '../support/healthz.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';

// Issue #24 items 4 and 5: deep JSON, slow readers, followers of one reply.

const HOSTILE_DEPTH = 2_500;
const DEPTH_MESSAGE = `nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels (the limit)`;

/** `{"a":{"a":…1…}}` nested `depth` levels, as one string (no recursion to build it). */
const deepObject = (depth: number, key = 'a') =>
  `{"${key}":`.repeat(depth - 1) + `{"${key}":1}` + '}'.repeat(depth - 1);
const deepArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('deep JSON', () => {
  let t: TestApp;
  let user: TestUser;
  let character: { id: string };

  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_SCALE: '0' } });
    user = await createUser(t);
    character = await publicCharacter(t, user);
  });

  afterAll(async () => {
    await t?.close();
  });

  const postJson = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${t.url}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body,
    }).then(async (res) => ({
      status: res.status,
      body: (await res.json()) as Record<string, unknown>,
    }));

  it('answers 400 naming the limit on login, forgot-password and guest chat creation', async () => {
    const session = guest();
    const hostile = [
      postJson('/api/auth/login', `{"email":"a@b.test","password":${deepArray(HOSTILE_DEPTH)}}`),
      postJson('/api/auth/forgot-password', `{"email":${deepObject(HOSTILE_DEPTH)}}`),
      postJson('/api/chats', `{"character_id":${deepObject(HOSTILE_DEPTH, 'x')}}`, session),
      // Deep enough that even JSON.parse's reviver would have overflowed the stack.
      postJson('/api/chats', deepArray(200_000), session),
    ];
    const { result, answersMs } = await whileHealthzPolled(t, Promise.all(hostile));
    for (const answer of result) {
      expect(answer).toEqual({
        status: 400,
        body: {
          status_code: 400,
          error: 'Bad Request',
          message: `The request body ${DEPTH_MESSAGE}`,
          request_id: expect.any(String),
        },
      });
    }
    expect(answersMs.length).toBeGreaterThan(0);
    expect(Math.max(...answersMs)).toBeLessThan(1000);
    expect(t.errorLogs()).toEqual([]);
  });

  it('takes the limit itself and refuses one level more, also in UTF-16', async () => {
    // The body's own object is the first level: email holds MAX-1 more (then fails as a DTO).
    const within = await postJson(
      '/api/auth/forgot-password',
      `{"email":${deepArray(MAX_JSON_DEPTH - 1)}}`,
    );
    expect(within.status).toBe(400);
    expect(within.body.message).not.toContain('levels');
    const beyond = `{"email":${deepArray(MAX_JSON_DEPTH)}}`;
    expect((await postJson('/api/auth/forgot-password', beyond)).body.message).toContain(
      DEPTH_MESSAGE,
    );
    const utf16 = await fetch(`${t.url}/api/auth/forgot-password`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json; charset=utf-16le' },
      body: Buffer.from(beyond, 'utf16le'),
    });
    expect(utf16.status).toBe(400);
    expect(((await utf16.json()) as { message: string }).message).toContain(DEPTH_MESSAGE);
  });

  it('refuses a deep card file and a deep lorebook, so no export can blow up', async () => {
    const card = `{"spec":"chara_card_v2","data":{"name":"Deep","character_book":{"entries":[],"extensions":${deepObject(5_000)}}}}`;
    const file = await t.http
      .post('/api/characters/import')
      .set(user.auth)
      .attach('file', Buffer.from(card), 'card.json');
    expect(file.status).toBe(400);
    expect(file.body.message).toBe(`The character card ${DEPTH_MESSAGE}`);

    const book = `{"entries":[{"keys":["k"],"content":"c","extensions":${deepObject(4_000)}}]}`;
    const edit = await fetch(`${t.url}/api/characters/${character.id}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', ...user.auth },
      body: `{"character_book":${book}}`,
    });
    expect(edit.status).toBe(400);
    expect(((await edit.json()) as { message: string }).message).toContain(DEPTH_MESSAGE);
    expect(t.errorLogs()).toEqual([]);
  });
});

describe('slow readers and followers', () => {
  let fake: FakeLlm;
  let t: TestApp;
  let alice: TestUser;
  let character: { id: string };
  const IDLE_MS = 600;

  beforeAll(async () => {
    fake = await startFakeLlm();
    t = await createTestApp({
      env: {
        ...llmEnv(fake),
        RATE_LIMIT_SCALE: '0',
        HTTP_SEND_IDLE_TIMEOUT_MS: String(IDLE_MS),
        SSE_FOLLOWERS_PER_CHAT: '2',
        SSE_FOLLOWERS_PER_CALLER: '3',
      },
    });
    alice = await createUser(t);
    character = await publicCharacter(t, alice);
  });

  beforeEach(() => fake.reset());

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  /**
   * A raw connection sending `requests` in one go (pipelined) and reading nothing yet, and the
   * server's end of it: a client that reads nothing never sees its connection close.
   */
  async function rawClient(requests: string): Promise<{ client: Socket; server: Socket }> {
    const server = t.app.getHttpServer() as HttpServer;
    const accepted: Socket[] = [];
    const onConnection = (socket: Socket) => accepted.push(socket);
    server.on('connection', onConnection);
    const client = connect(Number(new URL(t.url).port), '127.0.0.1');
    await once(client, 'connect');
    client.pause();
    client.on('error', () => undefined);
    client.write(requests);
    let serverSide: Socket | undefined;
    while (!(serverSide = accepted.find((socket) => socket.remotePort === client.localPort))) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    server.off('connection', onConnection);
    return { client, server: serverSide };
  }

  /** Resolves with how long after `since` the server's end closed. */
  const closedAfter = async (server: Socket, since: number) => {
    await once(server, 'close');
    return performance.now() - since;
  };

  it('cuts a client that reads nothing of a large response once the idle timeout passes', async () => {
    // 64 MiB, far more than the kernel's socket buffers take in: most of it waits for the client.
    const size = 64 * 1024 * 1024;
    const name = `${randomUUID()}.png`;
    await mkdir(t.config.storage.avatarDir, { recursive: true });
    await writeFile(join(t.config.storage.avatarDir, name), pixelsOnlyPng(size));
    const started = performance.now();
    const { client, server } = await rawClient(
      `GET /api/avatars/${name} HTTP/1.1\r\nHost: t\r\n\r\n`,
    );
    const { result: lifetime, answersMs } = await whileHealthzPolled(
      t,
      closedAfter(server, started),
    );
    expect(lifetime).toBeGreaterThanOrEqual(IDLE_MS);
    expect(lifetime).toBeLessThan(IDLE_MS * 2 + 2000);
    expect(Math.max(...answersMs)).toBeLessThan(1000);
    // What reached the client before the cut is all it gets: a part of the file.
    let received = 0;
    client.on('data', (chunk: Buffer) => (received += chunk.length));
    client.resume();
    await once(client, 'close');
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(size);
  });

  it('keeps a client that reads slowly but steadily, cutting it once it stops', async () => {
    // Responses written whole (as an export is): each waits in one piece until it is taken.
    const docBytes = Buffer.byteLength((await t.http.get('/api/docs-json').expect(200)).text);
    const count = Math.ceil((12 * 1024 * 1024) / docBytes);
    const { client, server } = await rawClient(
      'GET /api/docs-json HTTP/1.1\r\nHost: t\r\n\r\n'.repeat(count),
    );
    let received = 0;
    let budget = 0;
    let closed = false;
    server.on('close', () => (closed = true));
    client.on('data', (chunk: Buffer) => {
      received += chunk.length;
      budget -= chunk.length;
      if (budget <= 0) client.pause();
    });
    // 512 KiB every IDLE_MS / 3, for three idle timeouts: less than the server has waiting.
    for (let step = 0; step < 9; step++) {
      budget = 512 * 1024;
      client.resume();
      await new Promise((resolve) => setTimeout(resolve, IDLE_MS / 3));
      expect(closed).toBe(false);
    }
    expect(received).toBeGreaterThan(2 * 1024 * 1024);
    expect(received).toBeLessThan(count * docBytes);
    // It stops reading: cut within the timeout (and a sweep's lateness).
    const stopped = performance.now();
    client.pause();
    // No lower bound: the server's last sign of progress may precede `stopped` by a read step,
    // a sweep and the kernel's window update; the steady phase above shows reading keeps it.
    const lifetime = await closedAfter(server, stopped);
    expect(lifetime).toBeLessThan(IDLE_MS * 2 + 2000);
  });

  it('answers 429 to followers beyond the per-chat and per-caller caps, and frees slots', async () => {
    fake.script({ tokens: Array.from({ length: 40 }, (_, i) => ` w${i}`), tokenIntervalMs: 50 });
    fake.script({ tokens: Array.from({ length: 40 }, (_, i) => ` v${i}`), tokenIntervalMs: 50 });
    const [first, second] = [
      await openChat(t, alice.auth, character.id),
      await openChat(t, alice.auth, character.id),
    ];
    const senders = await Promise.all(
      [first, second].map((chatId) =>
        stream(t.url, `/api/chats/${chatId}/message`, {
          headers: alice.auth,
          body: { content: 'Go' },
        }),
      ),
    );
    await Promise.all(senders.map((sender) => sender.next()));
    const follow = (chatId: string) =>
      stream(t.url, `/api/chats/${chatId}/stream`, { method: 'GET', headers: alice.auth });

    const a1 = await follow(first);
    const a2 = await follow(first);
    expect([a1.status, a2.status]).toEqual([200, 200]);
    const a3 = await follow(first);
    expect(a3.status).toBe(429);
    expect(a3.body?.message).toContain('2 streams following it (the limit)');

    const b1 = await follow(second);
    expect(b1.status).toBe(200);
    const b2 = await follow(second);
    expect(b2.status).toBe(429);
    expect(b2.body?.message).toContain('You already follow 3 reply streams');

    // A follower that leaves gives its slot back.
    a1.close();
    let again = await follow(first);
    for (let tries = 0; again.status === 429 && tries < 50; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      again = await follow(first);
    }
    expect(again.status).toBe(200);

    // Nothing is lost: the followers that stayed get the whole reply and its end.
    const rest = await Promise.all([a2.rest(), again.rest(), b1.rest()]);
    for (const events of rest) expect(events.at(-1)).toMatchObject({ type: 'done' });
    await Promise.all(senders.map((sender) => sender.rest()));
    // Replies over, their followers gone: a new reply has both slots of the chat again.
    fake.script({ tokens: ['x', 'y', 'z'], tokenIntervalMs: 50 });
    const third = await stream(t.url, `/api/chats/${first}/message`, {
      headers: alice.auth,
      body: { content: 'Again' },
    });
    await third.next();
    const [c1, c2] = [await follow(first), await follow(first)];
    expect([c1.status, c2.status]).toEqual([200, 200]);
    await Promise.all([third.rest(), c1.rest(), c2.rest()]);
    expect(t.errorLogs()).toEqual([]);
  });
});

/**
 * A PNG of `size` bytes made of pixel chunks only (one huge IDAT), so the avatar route serves
 * it as it is: a stored file that is not clean would be re-encoded or refused first.
 */
function pixelsOnlyPng(size: number): Buffer {
  const chunk = (type: string, length: number) => {
    const header = Buffer.alloc(8);
    header.writeUInt32BE(length, 0);
    header.write(type, 4, 'latin1');
    return [header, Buffer.alloc(length + 4)]; // data, then a CRC nobody checks here
  };
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const overhead = signature.length + 3 * 12 + 13;
  return Buffer.concat([
    signature,
    ...chunk('IHDR', 13),
    ...chunk('IDAT', size - overhead),
    ...chunk('IEND', 0),
  ]);
}
