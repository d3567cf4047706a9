import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { DND_POST_HISTORY } from '../../src/chat/storytelling/dnd.js';
import type { FakeLlm, RecordedRequest } from '../support/fake-llm.js';
import { startFakeLlm } from '../support/fake-llm.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import {
  llmEnv,
  openChat,
  publicCharacter,
  type ReplyEvent,
  replyOf,
  send,
} from './chat-support.js';
import { rowCachesCaughtUp } from '../support/row-caches.js';

interface DiceRoll {
  notation: string;
  description: string;
  rolls: number[];
  modifier: number;
  total: number;
}

type UpstreamMessage = { role: string; content: string };

/** The final event of a reply, with the campaign fields. */
interface DoneEvent {
  type: string;
  message_id: number;
  dice_rolls?: DiceRoll[];
  encounter_state?: Record<string, unknown>;
}

const doneOf = (events: ReplyEvent[]): DoneEvent => replyOf(events).last as DoneEvent;

const GM_REPLY =
  'The goblin lunges at you, blade first. Roll to strike back! [ROLL 2d6+3 attack]\n' +
  '[STATE {"hp":{"goblin":3},"round":1}]';

describe('storytelling in chats', () => {
  let fake: FakeLlm;
  let t: TestApp;
  let owner: TestUser;
  let alice: TestUser;

  beforeAll(async () => {
    fake = await startFakeLlm();
    t = await createTestApp({ env: { ...llmEnv(fake), RATE_LIMIT_SCALE: '0' } });
    [owner, alice] = await Promise.all([createUser(t), createUser(t)]);
  });

  beforeEach(() => fake.reset());

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  const completions = (): RecordedRequest[] =>
    fake.requests.filter((request) => request.path.endsWith('/chat/completions'));

  /** The messages the upstream received for the latest reply. */
  const lastUpstreamMessages = (): UpstreamMessage[] =>
    completions().at(-1)!.body!.messages as UpstreamMessage[];

  const savedReply = async (messageId: number) =>
    (
      await t.dataSource.query<
        Array<{
          dice_rolls: DiceRoll[] | null;
          encounter_state: unknown;
          lorebook_entries: unknown;
        }>
      >(`SELECT dice_rolls, encounter_state, lorebook_entries FROM message WHERE id = $1`, [
        messageId,
      ])
    )[0];

  const apiMessages = async (chatId: string) =>
    (await t.http.get(`/api/chats/${chatId}/messages`).set(alice.auth).expect(200)).body
      .messages as Array<Record<string, unknown> & { id: number }>;

  describe('dice and encounter state', () => {
    it('rolls the dice a campaign reply asks for, saves them, and reports them on the next turn', async () => {
      // Tags are matched case-insensitively.
      const gm = await publicCharacter(t, owner, { name: 'Dungeon', tags: ['fantasy', 'DnD'] });
      const chatId = await openChat(t, alice.auth, gm.id);

      fake.script({ content: GM_REPLY });
      const first = await send(t, alice.auth, chatId, { content: 'I draw my sword.' });
      expect(first.status).toBe(200);
      const done = doneOf(first.events);
      expect(done).toMatchObject({
        type: 'done',
        encounter_state: { hp: { goblin: 3 }, round: 1 },
      });
      expect(done.dice_rolls).toHaveLength(1);
      const [roll] = done.dice_rolls!;
      expect(roll).toEqual({
        notation: '2d6+3',
        description: 'attack',
        rolls: [expect.any(Number), expect.any(Number)],
        modifier: 3,
        total: roll.rolls[0] + roll.rolls[1] + 3,
      });
      for (const die of roll.rolls) {
        expect(Number.isInteger(die)).toBe(true);
        expect(die).toBeGreaterThanOrEqual(1);
        expect(die).toBeLessThanOrEqual(6);
      }

      // Saved on the message, and shown with it.
      expect(await savedReply(done.message_id)).toMatchObject({
        dice_rolls: [roll],
        encounter_state: { hp: { goblin: 3 }, round: 1 },
      });
      expect((await apiMessages(chatId)).at(-1)).toMatchObject({
        id: done.message_id,
        role: 'assistant',
        content: GM_REPLY,
        dice_rolls: [roll],
        encounter_state: { hp: { goblin: 3 }, round: 1 },
      });

      // The next turn reports the rolls after the newest turn, right before the GM's
      // post-history instruction, which is read last.
      fake.script({ content: 'Your blade bites deep.' });
      const second = await send(t, alice.auth, chatId, { content: 'I strike!' });
      expect(replyOf(second.events).last).toMatchObject({ type: 'done' });
      expect(replyOf(second.events).last).not.toHaveProperty('dice_rolls');
      const messages = lastUpstreamMessages();
      const dice = messages.findIndex(
        (message) => message.role === 'system' && message.content.startsWith('Dice results'),
      );
      expect(dice).toBeGreaterThan(0);
      expect(messages[dice].content).toContain(
        `- attack: 2d6+3 → [${roll.rolls.join(', ')}] + 3 = ${roll.total}`,
      );
      expect(messages[dice + 1].role).toBe('system');
      expect(messages[dice + 1].content.startsWith(DND_POST_HISTORY.en)).toBe(true);
      expect(messages[dice - 1]).toEqual({ role: 'user', content: 'I strike!' });
      expect(messages).toHaveLength(dice + 2);

      // Only the turn right after the rolls gets them.
      fake.script({ content: 'The goblin flees.' });
      await send(t, alice.auth, chatId, { content: 'I give chase.' });
      expect(
        lastUpstreamMessages().some((message) => message.content.startsWith('Dice results')),
      ).toBe(false);
    });

    it('leaves the tags of other chats alone', async () => {
      const mira = await publicCharacter(t, owner, { name: 'Mira', tags: ['fantasy'] });
      const chatId = await openChat(t, alice.auth, mira.id);
      fake.script({ content: GM_REPLY });
      const first = await send(t, alice.auth, chatId, { content: 'I draw my sword.' });
      const done = doneOf(first.events);
      expect(done).toEqual({
        type: 'done',
        message_id: expect.any(Number),
        user_message_id: expect.any(Number),
      });
      expect(await savedReply(done.message_id)).toEqual({
        dice_rolls: null,
        encounter_state: null,
        lorebook_entries: null,
      });
      fake.script({ content: 'Mira laughs.' });
      await send(t, alice.auth, chatId, { content: 'And now?' });
      expect(
        lastUpstreamMessages().some((message) => message.content.startsWith('Dice results')),
      ).toBe(false);
    });

    it('ignores malformed and oversized tags, and bounds the rolls of one reply', async () => {
      const gm = await publicCharacter(t, owner, { name: 'Dungeon', tags: ['dnd'] });
      const chatId = await openChat(t, alice.auth, gm.id);
      const runaway = Array.from({ length: 15 }, () => '[ROLL 1d4 swarm]').join(' ');
      fake.script({
        content:
          '[ROLL 999d6 fireball] [ROLL 1d100000 luck] [ROLL 2d6+ broken] [ROLL abc] ' +
          '[ROLL 1d20-2 perception] [STATE {"hp": {"orc": 5}] [STATE not json] ' +
          runaway,
      });
      const res = await send(t, alice.auth, chatId, { content: 'I look around.' });
      expect(res.status).toBe(200);
      const done = doneOf(res.events);
      const rolls = done.dice_rolls!;
      expect(done.type).toBe('done');
      expect(done).not.toHaveProperty('encounter_state');
      expect(rolls).toHaveLength(10);
      expect(rolls[0]).toMatchObject({
        notation: '1d20-2',
        description: 'perception',
        modifier: -2,
      });
      expect(rolls[0].total).toBe(rolls[0].rolls[0] - 2);
      for (const roll of rolls.slice(1)) {
        expect(roll).toMatchObject({ notation: '1d4', description: 'swarm' });
        expect(roll.rolls[0]).toBeGreaterThanOrEqual(1);
        expect(roll.rolls[0]).toBeLessThanOrEqual(4);
      }
      expect(t.errorLogs()).toEqual([]);
    });

    it('keeps the last valid state of a reply, nested objects included', async () => {
      const gm = await publicCharacter(t, owner, { name: 'Dungeon', tags: ['dnd'] });
      const chatId = await openChat(t, alice.auth, gm.id);
      fake.script({
        content:
          '[STATE {"round":1}] The trap springs. ' +
          '[STATE {"round":2,"party":{"hero":{"hp":7,"conditions":["prone"]}},"note":"a } in text"}]',
      });
      const res = await send(t, alice.auth, chatId, { content: 'I step forward.' });
      const done = doneOf(res.events);
      expect(done).not.toHaveProperty('dice_rolls');
      expect(done.encounter_state).toEqual({
        round: 2,
        party: { hero: { hp: 7, conditions: ['prone'] } },
        note: 'a } in text',
      });
    });
  });

  describe('lorebook', () => {
    const book = {
      name: 'Greyhaven lore',
      scan_depth: 4,
      entries: [
        {
          id: 1,
          name: 'Lighthouse history',
          keys: ['lighthouse'],
          content: 'LORE-LIGHTHOUSE: smugglers built the lighthouse in 1802.',
          insertion_order: 10,
          position: 'before_char',
          enabled: true,
        },
        {
          id: 2,
          name: 'Dragons',
          keys: ['dragon'],
          content: 'LORE-DRAGON: a dragon sleeps under the bay.',
          insertion_order: 20,
          enabled: true,
        },
        {
          id: 3,
          comment: 'Town',
          keys: [],
          constant: true,
          content: 'LORE-TOWN: the town is called Greyhaven.',
          insertion_order: 30,
          position: 'after_char',
          enabled: true,
        },
        {
          id: 4,
          name: 'Disabled',
          keys: ['lighthouse'],
          content: 'LORE-DISABLED: never shown.',
          enabled: false,
        },
      ],
    };

    it('puts the entries the messages trigger, and the constant ones, into the prompt and records them', async () => {
      const keeper = await publicCharacter(t, owner, {
        name: 'Mira',
        greeting: 'Mira looks up from her book.',
      });
      await t.dataSource.query(`UPDATE character SET character_book = $2 WHERE id = $1`, [
        keeper.id,
        JSON.stringify(book),
      ]);
      await rowCachesCaughtUp(t);
      const chatId = await openChat(t, alice.auth, keeper.id);

      fake.script({ content: 'Mira points at the tower.' });
      const res = await send(t, alice.auth, chatId, { content: 'Who built the LIGHTHOUSE?' });
      const done = doneOf(res.events);
      const system = lastUpstreamMessages()[0];
      expect(system.role).toBe('system');
      expect(system.content).toContain(book.entries[0].content);
      expect(system.content).toContain(book.entries[2].content);
      expect(system.content).not.toContain('LORE-DRAGON');
      expect(system.content).not.toContain('LORE-DISABLED');
      // Before the character block, and after it.
      const personality = system.content.indexOf('gruff, kind');
      expect(system.content.indexOf('LORE-LIGHTHOUSE')).toBeLessThan(personality);
      expect(system.content.indexOf('LORE-TOWN')).toBeGreaterThan(personality);

      const fired = [
        { id: 1, name: 'Lighthouse history' },
        { id: 3, name: 'Town' },
      ];
      expect((await savedReply(done.message_id)).lorebook_entries).toEqual(fired);
      expect((await apiMessages(chatId)).at(-1)).toMatchObject({ lorebook_entries: fired });
      // The user's own message carries none.
      expect((await apiMessages(chatId)).at(-2)).toMatchObject({
        role: 'user',
        lorebook_entries: null,
      });

      // Beyond the scan depth (4 messages) the key no longer fires; a new key does.
      for (const content of ['Nice weather.', 'Any tea?', 'Tell me about dragons.']) {
        fake.script({ content: 'Mira nods.' });
        await send(t, alice.auth, chatId, { content });
      }
      const later = lastUpstreamMessages()[0].content;
      expect(later).toContain('LORE-DRAGON');
      expect(later).toContain('LORE-TOWN');
      expect(later).not.toContain('LORE-LIGHTHOUSE');
    });

    it('records nothing for characters without a book', async () => {
      const plain = await publicCharacter(t, owner, { name: 'Plain' });
      const chatId = await openChat(t, alice.auth, plain.id);
      fake.script({ content: 'Hello.' });
      const res = await send(t, alice.auth, chatId, { content: 'lighthouse' });
      const done = doneOf(res.events);
      expect((await savedReply(done.message_id)).lorebook_entries).toBeNull();
    });
  });
});
