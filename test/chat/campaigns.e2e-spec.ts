import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { defaultAvatarPng } from '../../src/characters/lib/png-card.js';
import { DND_POST_HISTORY } from '../../src/chat/storytelling/dnd.js';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { llmEnv, openChat, publicCharacter, replyOf, send } from './chat-support.js';
import { rowCachesCaughtUp } from '../support/row-caches.js';

// Issue #20 item 10: a character with the structured tag 'dnd' is a campaign everywhere.

const GM_REPLY =
  'The harbour bell falls silent as you climb. Something moves on the cliff path. ' +
  '[ROLL 1d20+2 perception]\n[STATE {"location":"cliff path","hero_hp":12}]';

describe('campaigns from the catalogue', () => {
  let fake: FakeLlm;
  let t: TestApp;
  let owner: TestUser;
  let player: TestUser;
  /** Tagged only with the structured tag, made through the API as a creator would. */
  let structured: { id: string; slug: string };
  /** Tagged only with the free tag. */
  let free: { id: string; slug: string };
  let plain: { id: string; slug: string };

  beforeAll(async () => {
    fake = await startFakeLlm();
    t = await createTestApp({ env: { ...llmEnv(fake), RATE_LIMIT_SCALE: '0' } });
    [owner, player] = await Promise.all([createUser(t), createUser(t)]);
    const created = await t.http
      .post('/api/characters')
      .set(owner.auth)
      .send({
        name: 'The Lantern Coast',
        description:
          'A tabletop campaign for one hero: the lighthouses of a fishing coast go dark one by one and ships vanish in the fog.',
        personality: 'A fair and vivid game master.',
        greeting: 'Fog rolls in as you reach Saltmere.',
        tags: 'fantasy, sea',
        structured_tags: 'dnd,fantasy',
      })
      .expect(201);
    structured = created.body;
    await t.http
      .post(`/api/characters/${structured.id}/avatar`)
      .set(owner.auth)
      .attach('file', defaultAvatarPng(), 'a.png')
      .expect(200);
    await t.http
      .put(`/api/characters/${structured.id}`)
      .set(owner.auth)
      .send({ is_public: true })
      .expect(200);
    free = await publicCharacter(t, owner, { name: 'Goblin Caves', tags: ['dnd'] });
    plain = await publicCharacter(t, owner, { name: 'Mira', tags: ['fantasy'] });
    // Long enough descriptions for the public pages' quality gate.
    await t.dataSource.query(
      `UPDATE character SET description = repeat('Torches gutter in the goblin caves. ', 4)
       WHERE id = ANY($1)`,
      [[free.id, plain.id]],
    );
    await rowCachesCaughtUp(t);
  });

  beforeEach(() => fake.reset());

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('lists both kinds under either catalogue filter and on the campaigns page', async () => {
    for (const filter of ['structured_tag=dnd', 'tag=dnd', 'tag=DnD']) {
      const res = await t.http.get(`/api/characters?${filter}&sort=new`).expect(200);
      const ids = res.body.items.map((c: { id: string }) => c.id).sort();
      expect({ filter, ids }).toEqual({ filter, ids: [structured.id, free.id].sort() });
    }
    // Another filter beside it still narrows.
    const both = await t.http
      .get('/api/characters?tag=dnd&structured_tag=fantasy&sort=new')
      .expect(200);
    expect(both.body.items.map((c: { id: string }) => c.id)).toEqual([structured.id]);

    const page = await t.http.get('/api/seo/campaigns').expect(200);
    expect(page.text).toContain('The Lantern Coast');
    expect(page.text).toContain('Goblin Caves');
    expect(page.text).not.toContain('>Mira<');
  });

  it('chats as a campaign: game master prompt, dice and state, with the campaign title in it', async () => {
    const chatId = await openChat(t, player.auth, structured.id);
    const chat = await t.http.get(`/api/chats/${chatId}`).set(player.auth).expect(200);
    expect(chat.body.campaign_id).toBeNull();

    fake.script({ content: GM_REPLY });
    const first = await send(t, player.auth, chatId, { content: 'I climb to the lighthouse.' });
    expect(first.status).toBe(200);
    const messages = fake.requests.at(-1)!.body!.messages as Array<{
      role: string;
      content: string;
    }>;
    expect(messages[0].content).toMatch(
      /^You are the Game Master of a tabletop role-playing campaign: The Lantern Coast\. /,
    );
    expect(messages.some((message) => message.content.includes(DND_POST_HISTORY.en))).toBe(true);
    const done = replyOf(first.events).last as unknown as {
      dice_rolls: Array<{ notation: string; total: number }>;
      encounter_state: unknown;
    };
    expect(done.dice_rolls).toEqual([
      expect.objectContaining({ notation: '1d20+2', description: 'perception' }),
    ]);
    expect(done.encounter_state).toEqual({ location: 'cliff path', hero_hp: 12 });

    // The next turn hands the game master the result.
    fake.script({ content: 'You spot a figure with a lantern.' });
    await send(t, player.auth, chatId, { content: 'What do I see?' });
    const next = fake.requests.at(-1)!.body!.messages as Array<{ content: string }>;
    expect(next.some((m) => m.content.includes('perception: 1d20+2'))).toBe(true);
  });

  it('is not a campaign without the tag', async () => {
    const chatId = await openChat(t, player.auth, plain.id);
    fake.script({ content: GM_REPLY });
    const res = await send(t, player.auth, chatId, { content: 'Hello' });
    const messages = fake.requests.at(-1)!.body!.messages as Array<{ content: string }>;
    expect(messages[0].content).not.toContain('Game Master');
    expect(replyOf(res.events).last).not.toHaveProperty('dice_rolls');
  });
});
