import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { DND_POST_HISTORY } from '../../src/chat/storytelling/dnd.js';
import { POST_HISTORY_CORE } from '../../src/chat/storytelling/post-history.js';
import { startFakeLlm, type FakeLlm, type RecordedRequest } from '../support/fake-llm.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import {
  eventIdOf,
  failAll,
  guest,
  llmEnv,
  publicCharacter,
  stream,
  treeProblems,
  type ReplyEvent,
  type StreamResponse,
} from './chat-support.js';
import { rowCachesCaughtUp } from '../support/row-caches.js';

/** An event of a round on /api/chats/… (group chats): token/done/error per speaker, then end. */
interface RoundEvent {
  type: 'token' | 'done' | 'error' | 'end';
  character_id?: string;
  content?: string;
  message_id?: number | null;
  user_message_id?: number | null;
  stopped?: boolean;
  message?: string;
}

interface Member {
  id: string;
  name: string;
}

interface ApiMessage {
  id: number;
  role: string;
  character_id: string | null;
  content: string;
  status: string;
  lorebook_entries: unknown;
  parent_id: number | null;
  alternative_index: number;
  alternative_count: number;
  edited_at: string | null;
}

type UpstreamMessage = { role: string; content: string };

const asRound = (events: ReplyEvent[]): RoundEvent[] => events as unknown as RoundEvent[];

/** The text each character streamed, and the events in order with runs of one speaker's tokens folded. */
const summarize = (events: RoundEvent[]) => ({
  texts: events.reduce<Record<string, string>>((texts, event) => {
    if (event.type === 'token') {
      texts[event.character_id!] = (texts[event.character_id!] ?? '') + event.content;
    }
    return texts;
  }, {}),
  flow: events
    .filter(
      (event, i) =>
        event.type !== 'token' ||
        events[i - 1]?.type !== 'token' ||
        events[i - 1]?.character_id !== event.character_id,
    )
    .map((event) => `${event.type}:${event.character_id ?? ''}`),
});

/** One round's expected flow: every member's tokens then its done, in order, then end. */
const fullFlow = (members: Member[]) => [
  ...members.flatMap((member) => [`token:${member.id}`, `done:${member.id}`]),
  'end:',
];

/**
 * Issue #16: one conversation engine. Group chats are chats (`kind: 'group'`) served by the
 * same endpoints as direct chats: opening, rounds, persona, post-history, lorebooks, re-attach
 * and stop across instances, regenerate, edit-last, quota; /api/group-chats stays as a
 * deprecated alias.
 */
describe('group chats on the one conversation engine', () => {
  let fake: FakeLlm;
  let t: TestApp;
  let second: TestApp;
  let owner: TestUser;
  let alice: TestUser;
  let mira: Member;
  let bram: Member;
  let cleo: Member;

  /** A public character whose description tells its system prompt apart from the others'. */
  const character = async (
    name: string,
    fields: { greeting?: string; tags?: string[] } = {},
  ): Promise<Member> => {
    const { id } = await publicCharacter(t, owner, {
      name,
      greeting: fields.greeting ?? `${name} waves at {{user}}.`,
      tags: fields.tags,
    });
    await t.dataSource.query(`UPDATE character SET description = $2 WHERE id = $1`, [
      id,
      `${name} is the one who keeps the ${name.toLowerCase()} lamp.`,
    ]);
    await rowCachesCaughtUp(t);
    return { id, name };
  };

  const characterDto = ({ id, name }: Member) => ({
    id,
    name,
    slug: expect.any(String),
    avatar_url: '/api/avatars/x.png',
    content_rating: 'sfw',
    deleted: false,
  });

  /** Opens a group chat through POST /api/chats; the whole answer. */
  const openGroup = async (
    who: TestUser,
    members: Member[],
    extra: Record<string, unknown> = {},
    app: TestApp = t,
  ) => {
    const res = await app.http
      .post('/api/chats')
      .set(who.auth)
      .send({ character_ids: members.map((member) => member.id), ...extra });
    if (res.status !== 201)
      throw new Error(`open group: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Record<string, unknown> & { id: string };
  };

  /** Sends `content` to a chat (either kind) and reads the round to its end. */
  const sendRound = async (who: TestUser, chatId: string, content: string, app: TestApp = t) => {
    const res = await stream(app.url, `/api/chats/${chatId}/message`, {
      headers: who.auth,
      body: { content },
    });
    return { status: res.status, body: res.body, events: asRound(await res.rest()) };
  };

  /** The messages of a chat as GET /api/chats/{id}/messages shows them (one page of 100). */
  const apiMessages = async (who: TestUser, chatId: string): Promise<ApiMessage[]> =>
    (await t.http.get(`/api/chats/${chatId}/messages?limit=100`).set(who.auth).expect(200)).body
      .messages;

  const chatOf = async (who: TestUser, chatId: string, app: TestApp = t) =>
    (await app.http.get(`/api/chats/${chatId}`).set(who.auth).expect(200)).body as Record<
      string,
      unknown
    >;

  const completions = (): RecordedRequest[] =>
    fake.requests.filter((request) => request.path.endsWith('/chat/completions'));

  const messagesSent = (request: RecordedRequest): UpstreamMessage[] =>
    request.body!.messages as UpstreamMessage[];

  const systemOf = (request: RecordedRequest): string => {
    const [first] = messagesSent(request);
    expect(first.role).toBe('system');
    return first.content;
  };

  const quotaUsed = async (user: TestUser): Promise<number> => {
    const [row] = await t.dataSource.query<Array<{ used: number | null }>>(
      `SELECT sum(used)::int AS used FROM message_quota WHERE subject = $1`,
      [`user:${user.id}`],
    );
    return row.used ?? 0;
  };

  /** Reads events until `stop` holds for the last one read; returns them all. */
  const readUntil = async (
    res: StreamResponse,
    stop: (event: RoundEvent, read: RoundEvent[]) => boolean,
  ): Promise<RoundEvent[]> => {
    const read: RoundEvent[] = [];
    for (;;) {
      const event = (await res.next()) as RoundEvent | undefined;
      if (!event) throw new Error(`stream ended early: ${JSON.stringify(read)}`);
      read.push(event);
      if (stop(event, read)) return read;
    }
  };

  /** GETs the re-attach stream as a browser would, with the caller's headers. */
  const follow = (
    app: TestApp,
    who: TestUser,
    chatId: string,
    extra: Record<string, string> = {},
  ) =>
    stream(app.url, `/api/chats/${chatId}/stream`, {
      method: 'GET',
      headers: { Accept: 'text/event-stream', ...who.auth, ...extra },
    });

  beforeAll(async () => {
    fake = await startFakeLlm();
    const env = { ...llmEnv(fake), RATE_LIMIT_SCALE: '0' };
    t = await createTestApp({ env });
    second = await createTestApp({ env, databaseUrl: t.databaseUrl });
    [owner, alice] = await Promise.all([createUser(t), createUser(t)]);
    mira = await character('Mira');
    bram = await character('Bram');
    cleo = await character('Cleo');
  });

  beforeEach(() => fake.reset());

  afterAll(async () => {
    await second?.close();
    await t?.close();
    await fake?.close();
  });

  describe('opening', () => {
    it('opens a group chat from character_ids: kind group, members in order, the lead as character', async () => {
      const created = await openGroup(alice, [bram, mira, cleo], { title: 'Harbour' });
      expect(created).toMatchObject({
        id: expect.any(String),
        kind: 'group',
        title: 'Harbour',
        language: 'en',
        generating: false,
        character: characterDto(bram),
        members: [bram, mira, cleo].map(characterDto),
      });
      // The same on reading it back, and in my list.
      expect(await chatOf(alice, created.id)).toMatchObject({
        kind: 'group',
        character: characterDto(bram),
        members: [bram, mira, cleo].map(characterDto),
      });
      const list = await t.http.get('/api/chats?page_size=100').set(alice.auth).expect(200);
      expect(list.body.items.find((item: { id: string }) => item.id === created.id)).toMatchObject({
        kind: 'group',
        members: [bram, mira, cleo].map(characterDto),
      });

      // One character is a group too; and a group chat is always a new one (201).
      const solo = await openGroup(alice, [mira]);
      const again = await openGroup(alice, [mira]);
      expect(solo).toMatchObject({ kind: 'group', members: [characterDto(mira)] });
      expect(again.id).not.toBe(solo.id);
    });

    it('opens a direct chat from character_id: kind direct, the character its only member', async () => {
      const res = await t.http
        .post('/api/chats')
        .set(alice.auth)
        .send({ character_id: mira.id, force_new: true })
        .expect(201);
      expect(res.body).toMatchObject({
        kind: 'direct',
        character: characterDto(mira),
        members: [characterDto(mira)],
      });
      // Guests still open direct chats.
      const guestChat = await t.http
        .post('/api/chats')
        .set(guest())
        .send({ character_id: mira.id })
        .expect(201);
      expect(guestChat.body).toMatchObject({ kind: 'direct', members: [characterDto(mira)] });
      const list = await t.http.get('/api/chats?page_size=100').set(alice.auth).expect(200);
      expect(list.body.items.find((item: { id: string }) => item.id === res.body.id)).toMatchObject(
        { kind: 'direct', members: [characterDto(mira)] },
      );
    });

    it('refuses bad character lists with 400 naming the field, and guests with 403', async () => {
      const cases: Array<[string, Record<string, unknown>, RegExp[]]> = [
        [
          'both',
          { character_id: mira.id, character_ids: [mira.id, bram.id] },
          [/character_id\b/, /character_ids/],
        ],
        ['neither', {}, [/character_id\b/, /character_ids/]],
        ['none listed', { character_ids: [] }, [/character_ids/]],
        ['four', { character_ids: [mira.id, bram.id, cleo.id, randomUUID()] }, [/character_ids/]],
        ['twice', { character_ids: [mira.id, mira.id] }, [/character_ids/]],
        [
          'twice, in two cases',
          { character_ids: [mira.id, mira.id.toUpperCase()] },
          [/character_ids/],
        ],
        ['not a uuid', { character_ids: [mira.id, 'not-a-uuid'] }, [/character_ids/]],
        ['not an array', { character_ids: mira.id }, [/character_ids/]],
        ['long title', { character_ids: [mira.id], title: 'x'.repeat(201) }, [/title/]],
      ];
      for (const [label, body, messages] of cases) {
        const res = await t.http.post('/api/chats').set(alice.auth).send(body);
        expect({ label, status: res.status }).toEqual({ label, status: 400 });
        expect(res.body).toMatchObject({ status_code: 400, request_id: expect.any(String) });
        for (const message of messages) {
          expect({ label, message: res.body.message }).toEqual({
            label,
            message: expect.stringMatching(message),
          });
        }
      }

      const before = await t.dataSource.query<Array<{ count: number }>>(
        `SELECT count(*)::int AS count FROM chat WHERE kind = 'group'`,
      );
      const session = guest();
      const refused = await t.http
        .post('/api/chats')
        .set(session)
        .send({ character_ids: [mira.id, bram.id] });
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({
        status_code: 403,
        message: expect.stringMatching(/Group chats need an account/),
      });
      const after = await t.dataSource.query<Array<{ count: number }>>(
        `SELECT count(*)::int AS count FROM chat WHERE kind = 'group'`,
      );
      expect(after).toEqual(before);
      expect(completions()).toHaveLength(0);
    });

    it("opens with the first member's greeting, {{user}} being the persona; none without one", async () => {
      const user = await createUser(t);
      await t.http
        .post('/api/personas')
        .set(user.auth)
        .send({ name: 'Nadia', description: 'A salvage diver.', is_default: true })
        .expect(201);
      const quiet = await character('Quiet', { greeting: '' });

      const greeted = await openGroup(user, [bram, quiet, mira]);
      expect(greeted).toMatchObject({ persona_name: 'Nadia', message_count: 1 });
      const [greeting, ...rest] = await apiMessages(user, greeted.id);
      expect(rest).toEqual([]);
      expect(greeting).toMatchObject({
        role: 'assistant',
        character_id: bram.id,
        content: 'Bram waves at Nadia.',
        status: 'complete',
      });

      // The first member has no greeting: nothing, even though the others have one.
      const silent = await openGroup(user, [quiet, mira]);
      expect(silent).toMatchObject({ message_count: 0 });
      expect(await apiMessages(user, silent.id)).toEqual([]);
      expect(completions()).toHaveLength(0);
    });
  });

  describe('rounds', () => {
    it('lets every member answer in turn through POST /api/chats/{id}/message', async () => {
      const group = await openGroup(alice, [mira, bram, cleo]);
      fake.script(
        { content: 'Mira lights the lamp.' },
        { content: 'Bram shakes his head.' },
        { content: 'Cleo laughs at them both.' },
      );
      const round = await sendRound(alice, group.id, 'Hello, all of you');
      expect(round.status).toBe(200);
      const { texts, flow } = summarize(round.events);
      expect(flow).toEqual(fullFlow([mira, bram, cleo]));
      expect(texts).toEqual({
        [mira.id]: 'Mira lights the lamp.',
        [bram.id]: 'Bram shakes his head.',
        [cleo.id]: 'Cleo laughs at them both.',
      });
      const end = round.events.at(-1)!;
      expect(end).toEqual({ type: 'end', user_message_id: expect.any(Number) });
      const dones = round.events.filter((event) => event.type === 'done');
      expect(dones).toEqual(
        [mira, bram, cleo].map((member) => ({
          type: 'done',
          character_id: member.id,
          message_id: expect.any(Number),
          user_message_id: end.user_message_id,
        })),
      );
      // Every event is numbered, and the numbers never go back (re-attach resumes from them).
      const ids = round.events.map((event) => eventIdOf(event as unknown as ReplyEvent));
      expect(ids.every((id) => id !== undefined && /^\d+$/.test(id))).toBe(true);
      const numbers = ids.map(Number);
      expect(numbers).toEqual([...numbers].sort((a, b) => a - b));

      const messages = await apiMessages(alice, group.id);
      expect(
        messages.map(({ id, role, character_id, content, status }) => ({
          id,
          role,
          character_id,
          content,
          status,
        })),
      ).toEqual([
        {
          id: expect.any(Number),
          role: 'assistant',
          character_id: mira.id,
          content: 'Mira waves at User.',
          status: 'complete',
        },
        {
          id: end.user_message_id,
          role: 'user',
          character_id: null,
          content: 'Hello, all of you',
          status: 'complete',
        },
        ...(
          [
            [mira, 'Mira lights the lamp.'],
            [bram, 'Bram shakes his head.'],
            [cleo, 'Cleo laughs at them both.'],
          ] as Array<[Member, string]>
        ).map(([member, content], i) => ({
          id: dones[i].message_id,
          role: 'assistant',
          character_id: member.id,
          content,
          status: 'complete',
        })),
      ]);
      expect(await chatOf(alice, group.id)).toMatchObject({ message_count: 5, generating: false });

      // Each member's request: its own system prompt, at most 600 tokens.
      const requests = completions();
      expect(requests).toHaveLength(3);
      [mira, bram, cleo].forEach((member, i) => {
        const system = systemOf(requests[i]);
        expect(system).toContain(`${member.name} is the one who keeps`);
        for (const other of [mira, bram, cleo].filter((m) => m !== member)) {
          expect(system).not.toContain(`${other.name} is the one who keeps`);
        }
      });
      // Cleo answers the others' lines and the user's message as one turn (turns alternate),
      // then reads her post-history instruction.
      expect(messagesSent(requests[2]).slice(-2)).toEqual([
        {
          role: 'user',
          content:
            '[Mira]: Mira waves at User.\n\nHello, all of you\n\n' +
            '[Mira]: Mira lights the lamp.\n\n[Bram]: Bram shakes his head.',
        },
        { role: 'system', content: expect.stringContaining(POST_HISTORY_CORE.en) },
      ]);
      expect(t.errorLogs()).toEqual([]);
    });

    it("names the user's persona in every member's prompt, with the speaker's own post-history", async () => {
      const user = await createUser(t);
      await t.http
        .post('/api/personas')
        .set(user.auth)
        .send({ name: 'Nadia', description: 'A salvage diver from the south.', is_default: true })
        .expect(201);
      // A campaign member: its post-history is the game master's, the other's the roleplay one.
      const gm = await character('Dungeon', { tags: ['dnd'] });
      const group = await openGroup(user, [mira, gm]);
      expect(group).toMatchObject({
        persona_name: 'Nadia',
        persona_description: 'A salvage diver from the south.',
      });

      fake.script({ content: 'Mira nods.' }, { content: 'The dungeon rumbles.' });
      const round = await sendRound(user, group.id, 'We go down together.');
      expect(summarize(round.events).flow).toEqual(fullFlow([mira, gm]));

      const [miraRequest, gmRequest] = completions();
      // The campaign's game master knows Nadia as the hero, the player character.
      for (const [request, plays] of [
        [miraRequest, 'The user plays Nadia.'],
        [gmRequest, 'The user plays Nadia, the player character: the hero of this campaign.'],
      ] as const) {
        const system = systemOf(request);
        expect(system).toContain(plays);
        expect(system).toContain('A salvage diver from the south.');
      }
      const postHistoryOf = (request: RecordedRequest) => {
        const messages = messagesSent(request);
        // As in direct chats: right after the turn answered, read last.
        const instruction = messages.at(-1)!;
        expect(instruction.role).toBe('system');
        return { instruction: instruction.content, messages };
      };
      const forMira = postHistoryOf(miraRequest);
      expect(forMira.instruction.startsWith(POST_HISTORY_CORE.en)).toBe(true);
      expect(forMira.messages.at(-2)).toEqual({ role: 'user', content: 'We go down together.' });
      expect(forMira.messages.some((m) => m.content.startsWith(DND_POST_HISTORY.en))).toBe(false);

      const forGm = postHistoryOf(gmRequest);
      expect(forGm.instruction.startsWith(DND_POST_HISTORY.en)).toBe(true);
      expect(forGm.messages.at(-2)).toEqual({
        role: 'user',
        content: '[Mira]: Mira waves at Nadia.\n\nWe go down together.\n\n[Mira]: Mira nods.',
      });
      expect(forGm.messages.some((m) => m.content.startsWith(POST_HISTORY_CORE.en))).toBe(false);
    });

    it("rolls a campaign member's dice, keeps its encounter state, and gives it (only it) the results next round", async () => {
      const gm = await character('Dungeon', { tags: ['dnd'] });
      const group = await openGroup(alice, [mira, gm]);
      const GM_REPLY =
        'A goblin lunges from the dark. [ROLL 2d6+3 attack]\n[STATE {"hp":{"goblin":3},"round":1}]';
      // A tag in a member's reply that is no campaign is only text.
      const MIRA_REPLY = 'Mira raises the lamp. [ROLL 1d6 luck]';
      fake.script({ content: MIRA_REPLY }, { content: GM_REPLY });
      const first = await sendRound(alice, group.id, 'We go down together.');
      expect(summarize(first.events).flow).toEqual(fullFlow([mira, gm]));

      type GameDone = RoundEvent & {
        dice_rolls?: Array<{ notation: string; rolls: number[]; modifier: number; total: number }>;
        encounter_state?: unknown;
      };
      const [miraDone, gmDone] = first.events.filter(
        (event) => event.type === 'done',
      ) as GameDone[];
      expect(miraDone.character_id).toBe(mira.id);
      expect(miraDone).not.toHaveProperty('dice_rolls');
      expect(miraDone).not.toHaveProperty('encounter_state');
      expect(gmDone).toMatchObject({
        character_id: gm.id,
        encounter_state: { hp: { goblin: 3 }, round: 1 },
        dice_rolls: [{ notation: '2d6+3', description: 'attack', modifier: 3 }],
      });
      const [roll] = gmDone.dice_rolls!;
      expect(roll.rolls).toHaveLength(2);
      expect(roll.total).toBe(roll.rolls[0] + roll.rolls[1] + 3);

      // Saved with each reply, and shown with it.
      type GameMessage = ApiMessage & { dice_rolls: unknown; encounter_state: unknown };
      const saved = (await apiMessages(alice, group.id)).slice(-2) as GameMessage[];
      expect(saved).toEqual([
        expect.objectContaining({
          character_id: mira.id,
          content: MIRA_REPLY,
          dice_rolls: null,
          encounter_state: null,
        }),
        expect.objectContaining({
          character_id: gm.id,
          content: GM_REPLY,
          dice_rolls: [roll],
          encounter_state: { hp: { goblin: 3 }, round: 1 },
        }),
      ]);

      // Next round: the game master narrates its rolls; Mira speaks first and is not told them.
      fake.reset();
      fake.script({ content: 'Mira gasps.' }, { content: 'Your blade bites deep.' });
      const second = await sendRound(alice, group.id, 'I strike!');
      expect(summarize(second.events).flow).toEqual(fullFlow([mira, gm]));
      const [miraRequest, gmRequest] = completions();
      const diceOf = (request: RecordedRequest) =>
        messagesSent(request).filter(
          (message) => message.role === 'system' && message.content.startsWith('Dice results'),
        );
      expect(diceOf(miraRequest)).toEqual([]);
      const gmMessages = messagesSent(gmRequest);
      const [dice] = diceOf(gmRequest);
      expect(dice.content).toContain(
        `- attack: 2d6+3 → [${roll.rolls.join(', ')}] + 3 = ${roll.total}`,
      );
      // After the newest turn, before the game master's post-history, which is read last.
      expect(gmMessages.at(-2)).toEqual(dice);
      expect(gmMessages.at(-1)!.content.startsWith(DND_POST_HISTORY.en)).toBe(true);
      expect(gmMessages.at(-3)).toMatchObject({ role: 'user' });
      expect(gmMessages.at(-3)!.content).toMatch(/I strike!\n\n\[Mira\]: Mira gasps\.$/);
      // The round after that has no new rolls: nothing is reported again.
      fake.reset();
      fake.script({ content: 'Mira cheers.' }, { content: 'The goblin falls.' });
      await sendRound(alice, group.id, 'Again!');
      expect(completions().flatMap(diceOf)).toEqual([]);
    });

    it("puts the entries of every member's lorebook into each speaker's prompt and records them", async () => {
      const withBook = async (name: string, entry: Record<string, unknown>) => {
        const member = await character(name);
        await t.dataSource.query(`UPDATE character SET character_book = $2 WHERE id = $1`, [
          member.id,
          JSON.stringify({
            name: `${name}'s lore`,
            scan_depth: 4,
            entries: [
              { enabled: true, insertion_order: 10, ...entry },
              {
                id: Number(entry.id) + 100,
                name: `${name} kraken`,
                keys: ['kraken'],
                content: `LORE-KRAKEN-${name}: never triggered here.`,
                enabled: true,
              },
            ],
          }),
        ]);
        await rowCachesCaughtUp(t);
        return member;
      };
      const keeper = await withBook('Keeper', {
        id: 1,
        name: 'Lighthouse history',
        keys: ['lighthouse'],
        content: 'LORE-LIGHTHOUSE: smugglers built the lighthouse in 1802.',
      });
      const sailor = await withBook('Sailor', {
        id: 2,
        name: 'Dragons',
        keys: ['dragon'],
        content: 'LORE-DRAGON: a dragon sleeps under the bay.',
      });
      const group = await openGroup(alice, [keeper, sailor]);

      fake.script({ content: 'Keeper points north.' }, { content: 'Sailor spits.' });
      const round = await sendRound(alice, group.id, 'Is the dragon near the lighthouse?');
      expect(summarize(round.events).flow).toEqual(fullFlow([keeper, sailor]));

      const requests = completions();
      expect(requests).toHaveLength(2);
      for (const request of requests) {
        const system = systemOf(request);
        expect(system).toContain('LORE-LIGHTHOUSE: smugglers built the lighthouse in 1802.');
        expect(system).toContain('LORE-DRAGON: a dragon sleeps under the bay.');
        expect(system).not.toContain('LORE-KRAKEN');
      }

      const fired = [
        { id: 1, name: 'Lighthouse history' },
        { id: 2, name: 'Dragons' },
      ];
      const messages = await apiMessages(alice, group.id);
      const replies = messages.filter((message) => message.role === 'assistant').slice(-2);
      expect(replies.map((message) => message.character_id)).toEqual([keeper.id, sailor.id]);
      for (const reply of replies) {
        expect(reply.lorebook_entries).toEqual(expect.arrayContaining(fired));
        expect(reply.lorebook_entries).toHaveLength(2);
      }
      expect(messages.find((message) => message.role === 'user')).toMatchObject({
        lorebook_entries: null,
      });
    });
  });

  describe('re-attaching and stopping across instances', () => {
    it('replays and follows a round written on another instance, and resumes after Last-Event-ID', async () => {
      const group = await openGroup(alice, [mira, bram, cleo]);
      const long = Array.from({ length: 20 }, (_, i) => ` b${i}`);
      fake.script(
        { tokens: [' m0', ' m1', ' m2'], tokenIntervalMs: 20 },
        { tokens: long, tokenIntervalMs: 60 },
        { tokens: [' c0', ' c1'] },
      );
      const sender = await stream(t.url, `/api/chats/${group.id}/message`, {
        headers: alice.auth,
        body: { content: 'Tell it slowly' },
      });
      expect(sender.status).toBe(200);
      // Mira has finished and Bram has begun when the others arrive.
      const seen = await readUntil(
        sender,
        (_event, read) =>
          read.filter((e) => e.type === 'token' && e.character_id === bram.id).length === 2,
      );
      expect(summarize(seen).flow).toEqual([
        `token:${mira.id}`,
        `done:${mira.id}`,
        `token:${bram.id}`,
      ]);
      const lastId = eventIdOf(seen.at(-1) as unknown as ReplyEvent)!;
      expect(lastId).toMatch(/^\d+$/);

      expect(await chatOf(alice, group.id, second)).toMatchObject({ generating: true });
      const [whole, resumed] = await Promise.all([
        follow(second, alice, group.id),
        follow(second, alice, group.id, { 'Last-Event-ID': lastId }),
      ]);
      expect([whole.status, resumed.status]).toEqual([200, 200]);
      const [followed, rest, senderRest] = await Promise.all([
        whole.rest(),
        resumed.rest(),
        sender.rest(),
      ]);
      const sent = [...seen, ...asRound(senderRest)];
      const saved = await apiMessages(alice, group.id);
      const replies = saved.slice(-3);
      expect(replies.map((message) => [message.character_id, message.content])).toEqual([
        [mira.id, ' m0 m1 m2'],
        [bram.id, long.join('')],
        [cleo.id, ' c0 c1'],
      ]);

      // From the start: the whole round, as the sender got it.
      const fromStart = summarize(asRound(followed));
      expect(fromStart.flow).toEqual(fullFlow([mira, bram, cleo]));
      expect(fromStart.texts).toEqual({
        [mira.id]: ' m0 m1 m2',
        [bram.id]: long.join(''),
        [cleo.id]: ' c0 c1',
      });
      expect(asRound(followed).filter((event) => event.type === 'done')).toEqual(
        sent.filter((event) => event.type === 'done'),
      );
      expect(asRound(followed).at(-1)).toEqual(sent.at(-1));
      expect(sent.at(-1)).toEqual({ type: 'end', user_message_id: expect.any(Number) });

      // After Last-Event-ID: only what came after, no token twice.
      const after = summarize(asRound(rest));
      expect(after.flow).toEqual([
        `token:${bram.id}`,
        `done:${bram.id}`,
        `token:${cleo.id}`,
        `done:${cleo.id}`,
        'end:',
      ]);
      expect(summarize(seen).texts[bram.id] + after.texts[bram.id]).toBe(long.join(''));
      expect(rest.every((event) => Number(eventIdOf(event)) > Number(lastId))).toBe(true);

      await second.http.get(`/api/chats/${group.id}/stream`).set(alice.auth).expect(204);
      expect([...t.errorLogs(), ...second.errorLogs()]).toEqual([]);
    });

    it('stops a round from another instance: the speaker keeps its words as stopped, later members stay silent', async () => {
      const group = await openGroup(alice, [mira, bram, cleo]);
      fake.script(
        { content: 'Mira answers quickly.' },
        { tokens: Array.from({ length: 50 }, (_, i) => ` w${i}`), tokenIntervalMs: 40 },
      );
      const before = await quotaUsed(alice);
      const sender = await stream(t.url, `/api/chats/${group.id}/message`, {
        headers: alice.auth,
        body: { content: 'Tell us everything' },
      });
      const seen = await readUntil(
        sender,
        (event) => event.type === 'token' && event.character_id === bram.id,
      );
      const follower = await follow(second, alice, group.id);
      expect(follower.status).toBe(200);
      const firstFollowed = (await follower.next()) as RoundEvent;
      expect(firstFollowed).toMatchObject({ type: 'token', character_id: mira.id });

      const stopped = await second.http
        .post(`/api/chats/${group.id}/stop`)
        .set(alice.auth)
        .expect(200);
      expect(stopped.body).toEqual({ stopped: true, message_id: expect.any(Number) });
      await fake.waitForAborted(1);

      const sent = [...seen, ...asRound(await sender.rest())];
      const followed = [firstFollowed, ...asRound(await follower.rest())];
      for (const events of [sent, followed]) {
        expect(summarize(events).flow).toEqual([
          `token:${mira.id}`,
          `done:${mira.id}`,
          `token:${bram.id}`,
          `done:${bram.id}`,
          'end:',
        ]);
        expect(events.find((e) => e.type === 'done' && e.character_id === bram.id)).toMatchObject({
          message_id: stopped.body.message_id,
          stopped: true,
        });
        expect(events.at(-1)).toEqual({ type: 'end', user_message_id: expect.any(Number) });
      }
      const spoken = summarize(sent).texts[bram.id];
      expect(spoken.length).toBeLessThan(50 * 4);
      // Cleo never spoke: no request for her.
      expect(completions()).toHaveLength(2);

      const messages = await apiMessages(alice, group.id);
      expect(
        messages.slice(-3).map(({ role, character_id, content, status }) => ({
          role,
          character_id,
          content,
          status,
        })),
      ).toEqual([
        { role: 'user', character_id: null, content: 'Tell us everything', status: 'complete' },
        {
          role: 'assistant',
          character_id: mira.id,
          content: 'Mira answers quickly.',
          status: 'complete',
        },
        { role: 'assistant', character_id: bram.id, content: spoken, status: 'stopped' },
      ]);
      expect(messages.at(-1)!.id).toBe(stopped.body.message_id);
      for (const app of [t, second]) {
        expect(await chatOf(alice, group.id, app)).toMatchObject({ generating: false });
      }
      // A stopped round is a round: one message of quota.
      expect(await quotaUsed(alice)).toBe(before + 1);
      const again = await t.http.post(`/api/chats/${group.id}/stop`).set(alice.auth).expect(200);
      expect(again.body).toEqual({ stopped: false, message_id: null });
      expect([...t.errorLogs(), ...second.errorLogs()]).toEqual([]);
    });
  });

  describe('regenerate and edit-last', () => {
    it('regenerates every reply after the last user message with a new round', async () => {
      const group = await openGroup(alice, [mira, bram]);
      fake.script({ content: 'Mira, first take.' }, { content: 'Bram, first take.' });
      const first = await sendRound(alice, group.id, 'What now?');
      const userMessageId = first.events.at(-1)!.user_message_id;
      const before = await apiMessages(alice, group.id);
      const oldIds = before.slice(-2).map((message) => message.id);
      expect(before.slice(-2).map((message) => message.content)).toEqual([
        'Mira, first take.',
        'Bram, first take.',
      ]);

      fake.reset();
      fake.script({ content: 'Mira, second take.' }, { content: 'Bram, second take.' });
      const res = await stream(t.url, `/api/chats/${group.id}/regenerate`, {
        headers: alice.auth,
        body: {},
      });
      expect(res.status).toBe(200);
      const events = asRound(await res.rest());
      expect(summarize(events).flow).toEqual(fullFlow([mira, bram]));
      expect(events.at(-1)).toEqual({ type: 'end', user_message_id: userMessageId });

      const after = await apiMessages(alice, group.id);
      expect(after.map(({ role, character_id, content }) => [role, character_id, content])).toEqual(
        [
          ['assistant', mira.id, 'Mira waves at User.'],
          ['user', null, 'What now?'],
          ['assistant', mira.id, 'Mira, second take.'],
          ['assistant', bram.id, 'Bram, second take.'],
        ],
      );
      expect(after[1].id).toBe(userMessageId);
      const newIds = after.slice(-2).map((message) => message.id);
      expect(newIds).toEqual(
        events.filter((event) => event.type === 'done').map((event) => event.message_id),
      );
      for (const id of oldIds) expect(newIds).not.toContain(id);
      // Neither member saw the replaced replies.
      for (const request of completions()) {
        expect(JSON.stringify(request.body!.messages)).not.toContain('first take');
      }
      expect(await chatOf(alice, group.id)).toMatchObject({ message_count: 4, generating: false });
    });

    it('edits the last user message and lets a new round answer it', async () => {
      const group = await openGroup(alice, [mira, bram]);
      fake.script({ content: 'Mira is puzzled.' }, { content: 'Bram is puzzled.' });
      const first = await sendRound(alice, group.id, 'Helo evryone');
      const userMessageId = first.events.at(-1)!.user_message_id;

      fake.reset();
      fake.script({ content: 'Mira smiles.' }, { content: 'Bram smiles.' });
      const res = await stream(t.url, `/api/chats/${group.id}/messages/last`, {
        method: 'PUT',
        headers: alice.auth,
        body: { content: 'Hello everyone' },
      });
      expect(res.status).toBe(200);
      const events = asRound(await res.rest());
      expect(summarize(events).flow).toEqual(fullFlow([mira, bram]));
      const end = events.at(-1)!;
      expect(end).toEqual({ type: 'end', user_message_id: expect.any(Number) });

      const after = await apiMessages(alice, group.id);
      expect(after.map(({ role, character_id, content }) => [role, character_id, content])).toEqual(
        [
          ['assistant', mira.id, 'Mira waves at User.'],
          ['user', null, 'Hello everyone'],
          ['assistant', mira.id, 'Mira smiles.'],
          ['assistant', bram.id, 'Bram smiles.'],
        ],
      );
      expect(after[1].id).toBe(end.user_message_id);
      expect([userMessageId, after[1].id]).toEqual([expect.any(Number), expect.any(Number)]);
      const [miraRequest] = completions();
      expect(messagesSent(miraRequest).at(-2)).toEqual({ role: 'user', content: 'Hello everyone' });
      expect(JSON.stringify(miraRequest.body!.messages)).not.toContain('Helo evryone');
      expect(JSON.stringify(miraRequest.body!.messages)).not.toContain('puzzled');
      expect(await chatOf(alice, group.id)).toMatchObject({ message_count: 4, generating: false });
    });
  });

  describe('story control (issue #17)', () => {
    const contents = (messages: ApiMessage[]) => messages.map((message) => message.content);

    const select = (chatId: string, messageId: number, index: number) =>
      t.http
        .post(`/api/chats/${chatId}/messages/${messageId}/select`)
        .set(alice.auth)
        .send({ index });

    /** Regenerates the last round and reads it to its end; its flow (fullFlow when whole). */
    const regenerateRound = async (chatId: string): Promise<string[]> => {
      const res = await stream(t.url, `/api/chats/${chatId}/regenerate`, {
        headers: alice.auth,
        body: {},
      });
      expect(res.status).toBe(200);
      return summarize(asRound(await res.rest())).flow;
    };

    /** Everything each prompt of the last rounds sent upstream said, one string per request. */
    const promptsSent = () => completions().map((request) => JSON.stringify(messagesSent(request)));

    it('swipes back to an earlier round: its replies come back whole, and the next round follows them', async () => {
      const group = await openGroup(alice, [mira, bram]);
      fake.script({ content: 'Mira, first take.' }, { content: 'Bram, first take.' });
      await sendRound(alice, group.id, 'What now?');
      fake.script({ content: 'Mira, second take.' }, { content: 'Bram, second take.' });
      expect(await regenerateRound(group.id)).toEqual(fullFlow([mira, bram]));
      fake.script({ content: 'Mira, third take.' }, { content: 'Bram, third take.' });
      expect(await regenerateRound(group.id)).toEqual(fullFlow([mira, bram]));

      const story = await apiMessages(alice, group.id);
      expect(contents(story)).toEqual([
        'Mira waves at User.',
        'What now?',
        'Mira, third take.',
        'Bram, third take.',
      ]);
      // Each round hangs off the user's message by its first reply; the rest follow it.
      expect(story[2]).toMatchObject({
        parent_id: story[1].id,
        alternative_index: 2,
        alternative_count: 3,
      });
      expect(story[3]).toMatchObject({
        parent_id: story[2].id,
        alternative_index: 0,
        alternative_count: 1,
      });

      const first = await select(group.id, story[2].id, 0).expect(200);
      expect(contents(first.body.messages)).toEqual([
        'Mira waves at User.',
        'What now?',
        'Mira, first take.',
        'Bram, first take.',
      ]);
      expect(first.body.messages[2]).toMatchObject({ alternative_index: 0, alternative_count: 3 });
      expect(await chatOf(alice, group.id)).toMatchObject({ message_count: 4 });

      fake.reset();
      fake.script({ content: 'Mira goes on.' }, { content: 'Bram goes on.' });
      const next = await sendRound(alice, group.id, 'And then?');
      expect(summarize(next.events).flow).toEqual(fullFlow([mira, bram]));
      const prompts = promptsSent();
      expect(prompts).toHaveLength(2);
      for (const prompt of prompts) {
        expect(prompt).toContain('Mira, first take.');
        expect(prompt).toContain('Bram, first take.');
        for (const other of ['second take', 'third take']) expect(prompt).not.toContain(other);
      }
      // Bram answers after Mira's new line.
      expect(prompts[1]).toContain('Mira goes on.');
      expect(contents(await apiMessages(alice, group.id)).slice(2)).toEqual([
        'Mira, first take.',
        'Bram, first take.',
        'And then?',
        'Mira goes on.',
        'Bram goes on.',
      ]);

      // The third round is still there, as it was.
      const third = await select(group.id, story[2].id, 2).expect(200);
      expect(contents(third.body.messages).slice(2)).toEqual([
        'Mira, third take.',
        'Bram, third take.',
      ]);
      expect(await chatOf(alice, group.id)).toMatchObject({ message_count: 4 });
      expect(await treeProblems(t, group.id)).toEqual([]);
    });

    it("edits one member's reply and deletes another's: the next round's prompts follow", async () => {
      const group = await openGroup(alice, [mira, bram, cleo]);
      fake.script(
        { content: 'The lamp is out.' },
        { content: 'The boat is gone.' },
        { content: 'The tide is low.' },
      );
      await sendRound(alice, group.id, 'Report, everyone.');
      const [opening, question, miraReply, bramReply, cleoReply] = await apiMessages(
        alice,
        group.id,
      );

      const edited = await t.http
        .put(`/api/chats/${group.id}/messages/${bramReply.id}`)
        .set(alice.auth)
        .send({ content: 'The boat is moored.' })
        .expect(200);
      expect(edited.body).toMatchObject({
        id: bramReply.id,
        character_id: bram.id,
        content: 'The boat is moored.',
        edited_at: expect.any(String),
      });
      const deleted = await t.http
        .delete(`/api/chats/${group.id}/messages/${miraReply.id}`)
        .set(alice.auth)
        .expect(200);
      expect(
        (deleted.body.messages as ApiMessage[]).map(({ id, parent_id, content }) => ({
          id,
          parent_id,
          content,
        })),
      ).toEqual([
        { id: opening.id, parent_id: null, content: 'Mira waves at User.' },
        { id: question.id, parent_id: opening.id, content: 'Report, everyone.' },
        { id: bramReply.id, parent_id: question.id, content: 'The boat is moored.' },
        { id: cleoReply.id, parent_id: bramReply.id, content: 'The tide is low.' },
      ]);
      expect(await chatOf(alice, group.id)).toMatchObject({ message_count: 4 });

      fake.reset();
      fake.script(
        { content: 'Mira: good.' },
        { content: 'Bram: good.' },
        { content: 'Cleo: good.' },
      );
      const next = await sendRound(alice, group.id, 'Good work.');
      expect(summarize(next.events).flow).toEqual(fullFlow([mira, bram, cleo]));
      const prompts = promptsSent();
      expect(prompts).toHaveLength(3);
      for (const prompt of prompts) {
        expect(prompt).toContain('The boat is moored.');
        expect(prompt).toContain('The tide is low.');
        for (const gone of ['The boat is gone.', 'The lamp is out.']) {
          expect(prompt).not.toContain(gone);
        }
      }
      expect(await treeProblems(t, group.id)).toEqual([]);
    });

    it('rewinds to an earlier round, then resends a message of it as a new branch a new round answers', async () => {
      const group = await openGroup(alice, [mira, bram]);
      fake.script({ content: 'Mira: to the north.' }, { content: 'Bram: to the west.' });
      await sendRound(alice, group.id, 'Where is the ship?');
      fake.script({ content: 'Mira: at dawn.' }, { content: 'Bram: at dusk.' });
      await sendRound(alice, group.id, 'When does it sail?');
      const story = await apiMessages(alice, group.id);
      expect(story).toHaveLength(7);

      const rewound = await t.http
        .post(`/api/chats/${group.id}/rewind`)
        .set(alice.auth)
        .send({ message_id: story[3].id })
        .expect(200);
      expect(contents(rewound.body.messages)).toEqual(contents(story.slice(0, 4)));
      expect(await chatOf(alice, group.id)).toMatchObject({ message_count: 4 });
      const [{ count }] = await t.dataSource.query<Array<{ count: number }>>(
        `SELECT count(*)::int AS count FROM message WHERE chat_id = $1`,
        [group.id],
      );
      expect(count).toBe(4);

      fake.reset();
      fake.script({ content: 'Mira: it sank.' }, { content: 'Bram: it never was.' });
      const res = await stream(t.url, `/api/chats/${group.id}/messages/${story[1].id}/resend`, {
        headers: alice.auth,
        body: { content: 'Where is the boat?' },
      });
      expect(res.status).toBe(200);
      const events = asRound(await res.rest());
      expect(summarize(events)).toEqual({
        texts: { [mira.id]: 'Mira: it sank.', [bram.id]: 'Bram: it never was.' },
        flow: fullFlow([mira, bram]),
      });
      const after = await apiMessages(alice, group.id);
      expect(contents(after)).toEqual([
        'Mira waves at User.',
        'Where is the boat?',
        'Mira: it sank.',
        'Bram: it never was.',
      ]);
      expect(after[1]).toMatchObject({
        parent_id: story[0].id,
        alternative_index: 1,
        alternative_count: 2,
      });
      expect(events.at(-1)).toEqual({ type: 'end', user_message_id: after[1].id });
      expect(await chatOf(alice, group.id)).toMatchObject({ message_count: 4, generating: false });
      const prompts = promptsSent();
      expect(prompts).toHaveLength(2);
      for (const prompt of prompts) {
        expect(prompt).toContain('Where is the boat?');
        for (const gone of ['Where is the ship?', 'to the north', 'to the west', 'When does it']) {
          expect(prompt).not.toContain(gone);
        }
      }
      expect(prompts[1]).toContain('Mira: it sank.');

      // The first branch is kept, as far as it was rewound.
      const old = await select(group.id, after[1].id, 0).expect(200);
      expect(contents(old.body.messages)).toEqual(contents(story.slice(0, 4)));
      expect(await treeProblems(t, group.id)).toEqual([]);
    });
  });

  describe('quota', () => {
    it('charges one message per round, and gives it back when every member fails', async () => {
      const group = await openGroup(alice, [mira, bram, cleo]);
      const before = await quotaUsed(alice);
      const round = await sendRound(alice, group.id, 'One round');
      expect(summarize(round.events).flow).toEqual(fullFlow([mira, bram, cleo]));
      expect(await quotaUsed(alice)).toBe(before + 1);
      const kept = await apiMessages(alice, group.id);

      fake.reset();
      const restore = failAll(fake, { fault: 'status', status: 500 });
      const failed = await sendRound(alice, group.id, 'Anyone there?');
      restore();
      expect(failed.status).toBe(200);
      expect(failed.events).toEqual([
        { type: 'error', character_id: mira.id, message: expect.any(String) },
        { type: 'end', user_message_id: null },
      ]);
      // Sanitized for a regular user.
      expect(failed.events[0].message).not.toMatch(/openai|groq|500/i);
      expect(await quotaUsed(alice)).toBe(before + 1);
      // The unanswered message is dropped.
      expect(await apiMessages(alice, group.id)).toEqual(kept);
      expect(await chatOf(alice, group.id)).toMatchObject({
        message_count: kept.length,
        generating: false,
      });
      expect(t.errorLogs()).toEqual([]);
    });
  });

  describe('the deprecated /api/group-chats aliases', () => {
    const groupChatKeys = [
      'created_at',
      'generating',
      'id',
      'language',
      'members',
      'message_count',
      'title',
      'updated_at',
    ];
    const groupMessageKeys = [
      'character_id',
      'completion_tokens',
      'content',
      'created_at',
      'id',
      'model_used',
      'prompt_tokens',
      'role',
      'status',
    ];

    it('still answers with the old shapes, over the same chats', async () => {
      const user = await createUser(t);
      const made = await t.http
        .post('/api/group-chats')
        .set(user.auth)
        .send({ character_ids: [mira.id, bram.id], title: 'Old way' })
        .expect(201);
      expect(Object.keys(made.body).sort()).toEqual(groupChatKeys);
      expect(made.body).toMatchObject({
        title: 'Old way',
        language: 'en',
        generating: false,
        members: [mira, bram].map(characterDto),
      });
      // It is a chat of kind group.
      expect(await chatOf(user, made.body.id)).toMatchObject({
        kind: 'group',
        members: [mira, bram].map(characterDto),
      });

      const viaChats = await openGroup(user, [cleo, mira]);
      const direct = await t.http
        .post('/api/chats')
        .set(user.auth)
        .send({ character_id: mira.id })
        .expect(201);
      const list = await t.http.get('/api/group-chats').set(user.auth).expect(200);
      const listed = list.body.items.map((item: { id: string }) => item.id);
      expect(listed).toEqual(expect.arrayContaining([made.body.id, viaChats.id]));
      expect(listed).not.toContain(direct.body.id);
      expect(listed).toHaveLength(2);
      for (const item of list.body.items) expect(Object.keys(item).sort()).toEqual(groupChatKeys);
      expect(list.body.items.find((item: { id: string }) => item.id === viaChats.id)).toMatchObject(
        { members: [cleo, mira].map(characterDto) },
      );

      // A round through the alias, on a chat opened through /api/chats.
      fake.script({ content: 'Cleo hums.' }, { content: 'Mira listens.' });
      const res = await stream(t.url, `/api/group-chats/${viaChats.id}/message`, {
        headers: user.auth,
        body: { content: 'Sing for me' },
      });
      expect(res.status).toBe(200);
      const events = asRound(await res.rest());
      const { texts, flow } = summarize(events);
      expect(flow).toEqual(fullFlow([cleo, mira]));
      expect(texts).toEqual({ [cleo.id]: 'Cleo hums.', [mira.id]: 'Mira listens.' });
      expect(events.at(-1)).toEqual({ type: 'end', user_message_id: expect.any(Number) });

      const detail = await t.http.get(`/api/group-chats/${viaChats.id}`).set(user.auth).expect(200);
      expect(Object.keys(detail.body).sort()).toEqual(
        [...groupChatKeys, 'has_more_messages', 'messages'].sort(),
      );
      expect(detail.body).toMatchObject({ generating: false, has_more_messages: false });
      for (const message of detail.body.messages) {
        expect(Object.keys(message).sort()).toEqual(groupMessageKeys);
      }
      expect(
        detail.body.messages
          .slice(-3)
          .map((m: ApiMessage) => [m.role, m.character_id, m.content, m.status]),
      ).toEqual([
        ['user', null, 'Sing for me', 'complete'],
        ['assistant', cleo.id, 'Cleo hums.', 'complete'],
        ['assistant', mira.id, 'Mira listens.', 'complete'],
      ]);
      const page = await t.http
        .get(`/api/group-chats/${viaChats.id}/messages?limit=2`)
        .set(user.auth)
        .expect(200);
      expect(Object.keys(page.body).sort()).toEqual(['has_more', 'messages']);
      expect(page.body).toMatchObject({ has_more: true });
      expect(page.body.messages.map((m: ApiMessage) => m.content)).toEqual([
        'Cleo hums.',
        'Mira listens.',
      ]);
      // The same messages, seen through /api/chats.
      expect((await apiMessages(user, viaChats.id)).slice(-2).map((m) => m.id)).toEqual(
        page.body.messages.map((m: ApiMessage) => m.id),
      );

      // Stop through the alias (old shape) a round started on /api/chats.
      fake.reset();
      fake.script({ tokens: Array.from({ length: 50 }, (_, i) => ` s${i}`), tokenIntervalMs: 30 });
      const running = await stream(t.url, `/api/chats/${made.body.id}/message`, {
        headers: user.auth,
        body: { content: 'Go on' },
      });
      expect(await running.next()).toMatchObject({ type: 'token', character_id: mira.id });
      const stopped = await t.http
        .post(`/api/group-chats/${made.body.id}/stop`)
        .set(user.auth)
        .expect(200);
      expect(stopped.body).toEqual({ stopped: true });
      const rest = asRound(await running.rest());
      expect(rest.at(-1)).toEqual({ type: 'end', user_message_id: expect.any(Number) });
      expect(completions()).toHaveLength(1);
      const nothing = await t.http
        .post(`/api/group-chats/${made.body.id}/stop`)
        .set(user.auth)
        .expect(200);
      expect(nothing.body).toEqual({ stopped: false });

      // Delete through the alias: gone from both.
      await t.http.delete(`/api/group-chats/${viaChats.id}`).set(user.auth).expect(204);
      await t.http.get(`/api/chats/${viaChats.id}`).set(user.auth).expect(404);
      await t.http.get(`/api/group-chats/${viaChats.id}`).set(user.auth).expect(404);
      expect(t.errorLogs()).toEqual([]);
    });

    it('marks every /api/group-chats operation deprecated in OpenAPI, and no /api/chats one', async () => {
      const { body } = await t.http.get('/api/docs-json').expect(200);
      const operations = (prefix: string) =>
        Object.entries(body.paths as Record<string, Record<string, { deprecated?: boolean }>>)
          .filter(([path]) => path.startsWith(prefix))
          .flatMap(([path, methods]) =>
            Object.entries(methods).map(([method, operation]) => ({
              operation: `${method.toUpperCase()} ${path}`,
              deprecated: operation.deprecated === true,
            })),
          );
      const aliases = operations('/api/group-chats');
      expect(aliases.map((entry) => entry.operation).sort()).toEqual([
        'DELETE /api/group-chats/{id}',
        'GET /api/group-chats',
        'GET /api/group-chats/{id}',
        'GET /api/group-chats/{id}/messages',
        'POST /api/group-chats',
        'POST /api/group-chats/{id}/message',
        'POST /api/group-chats/{id}/stop',
      ]);
      for (const entry of aliases) expect(entry).toEqual({ ...entry, deprecated: true });
      for (const entry of operations('/api/chats')) {
        expect(entry).toEqual({ ...entry, deprecated: false });
      }
    });
  });
});
