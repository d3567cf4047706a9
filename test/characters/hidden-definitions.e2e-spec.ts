import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { defaultAvatarPng } from '../../src/characters/lib/png-card.js';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { guest, llmEnv, openChat, send } from '../chat/chat-support.js';

// Issue #20 item 8: a creator publishes a character with its definition hidden.

/** Every definition field holds a marker no other text has, so a leak shows anywhere. */
const DEFINITION = {
  personality: 'HIDDEN-PERSONALITY: patient, keeps a ledger of every storm.',
  scenario: 'HIDDEN-SCENARIO: the lamp room of a lighthouse, a gale outside.',
  example_dialogues: '<START>\n{{user}}: Hello?\n{{char}}: HIDDEN-EXAMPLE "Mind the glass."',
  appearance: 'HIDDEN-APPEARANCE: oilskin coat, salt in the beard.',
  speech_pattern: 'HIDDEN-SPEECH: slow and salty.',
  system_prompt: 'HIDDEN-SYSTEM: {{original}}',
  post_history_instructions: 'HIDDEN-POST: stay brief.',
  character_book: {
    entries: [
      {
        keys: ['lantern'],
        content: 'HIDDEN-LORE: the lantern was lit by a drowned keeper.',
        extensions: {},
      },
    ],
    extensions: {},
  },
};
const PUBLIC = {
  name: 'Keeper Ansel',
  description:
    'A lighthouse keeper who bottles storms in jars and sells them to sailors who miss the sea.',
  greeting: 'Ansel sets down a jar of thunder. "Mind the glass, {{user}}."',
  tags: 'sea, storms',
  structured_tags: 'drama',
};
const MARKER = /HIDDEN-/;

describe('hidden definitions', () => {
  let fake: FakeLlm;
  let t: TestApp;
  let creator: TestUser;
  let other: TestUser;
  let admin: TestUser;
  let id: string;
  let slug: string;

  beforeAll(async () => {
    fake = await startFakeLlm();
    t = await createTestApp({ env: { ...llmEnv(fake), RATE_LIMIT_SCALE: '0' } });
    [creator, other, admin] = await Promise.all([
      createUser(t),
      createUser(t),
      createUser(t, { role: 'admin' }),
    ]);
    const created = await t.http
      .post('/api/characters')
      .set(creator.auth)
      .send({ ...PUBLIC, ...DEFINITION, definition_hidden: true })
      .expect(201);
    ({ id, slug } = created.body as { id: string; slug: string });
    await t.http
      .post(`/api/characters/${id}/avatar`)
      .set(creator.auth)
      .attach('file', defaultAvatarPng(), 'a.png')
      .expect(200);
    await t.http
      .put(`/api/characters/${id}`)
      .set(creator.auth)
      .send({ is_public: true })
      .expect(200);
  });

  beforeEach(() => fake.reset());

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  const others = () =>
    [
      ['another user', other.auth],
      ['a guest', guest()],
      ['no one signed in', {}],
    ] as const;

  it('shows others the name, description, greeting, tags and avatar, and nothing of the definition', async () => {
    for (const [who, headers] of others()) {
      const res = await t.http.get(`/api/characters/${id}`).set(headers).expect(200);
      expect({ who, ...res.body }).toMatchObject({
        who,
        name: PUBLIC.name,
        description: PUBLIC.description,
        greeting: PUBLIC.greeting,
        tags: 'sea, storms',
        structured_tags: 'drama',
        avatar_url: expect.stringMatching(/^\/api\/avatars\//),
        definition_hidden: true,
        personality: '',
        scenario: '',
        example_dialogues: '',
        appearance: '',
        speech_pattern: '',
        system_prompt: '',
        post_history_instructions: '',
      });
      expect(res.body).not.toHaveProperty('character_book');
      expect(JSON.stringify(res.body)).not.toMatch(MARKER);

      const listed = await t.http.get('/api/characters?sort=new&page_size=50').set(headers);
      expect(listed.status).toBe(200);
      const item = listed.body.items.find((c: { id: string }) => c.id === id);
      expect({ who, found: Boolean(item) }).toEqual({ who, found: true });
      expect(JSON.stringify(listed.body)).not.toMatch(MARKER);
    }
  });

  it('shows its creator and admins the whole definition', async () => {
    for (const user of [creator, admin]) {
      const res = await t.http.get(`/api/characters/${id}`).set(user.auth).expect(200);
      expect(res.body).toMatchObject({
        ...DEFINITION,
        character_book: { entries: [expect.objectContaining({ keys: ['lantern'] })] },
        definition_hidden: true,
      });
    }
  });

  it('refuses export and fork to others with a 403 that says why, and allows them to the creator and admins', async () => {
    for (const [who, headers] of others()) {
      const exported = await t.http.get(`/api/characters/${id}/export?format=json`).set(headers);
      expect({ who, status: exported.status, message: exported.body.message }).toEqual({
        who,
        status: 403,
        message:
          "This character's creator has hidden its definition: only they can export or fork it",
      });
      for (const format of ['png', 'charx']) {
        const file = await t.http.get(`/api/characters/${id}/export?format=${format}`).set(headers);
        expect({ who, format, status: file.status }).toEqual({ who, format, status: 403 });
      }
    }
    const forked = await t.http.post(`/api/characters/${id}/fork`).set(other.auth);
    expect(forked.status).toBe(403);
    expect(forked.body.message).toMatch(/hidden its definition/);
    const [{ forks }] = await t.dataSource.query<Array<{ forks: number }>>(
      `SELECT count(*)::int AS forks FROM character WHERE forked_from_id = $1`,
      [id],
    );
    expect(forks).toBe(0);

    for (const user of [creator, admin]) {
      const card = await t.http
        .get(`/api/characters/${id}/export?format=json&spec=v3`)
        .set(user.auth)
        .expect(200);
      const data = JSON.parse(String(card.text ?? card.body)).data;
      expect(data).toMatchObject({
        personality: DEFINITION.personality,
        scenario: DEFINITION.scenario,
        system_prompt: DEFINITION.system_prompt,
        character_book: { entries: [expect.objectContaining({ keys: ['lantern'] })] },
      });
    }
    const own = await t.http.post(`/api/characters/${id}/fork`).set(creator.auth).expect(201);
    expect(own.body).toMatchObject({ personality: DEFINITION.personality, is_public: false });
  });

  it('chats with the whole definition, for others too', async () => {
    for (const headers of [other.auth, guest()]) {
      fake.reset();
      const chatId = await openChat(t, headers, id);
      const sent = await send(t, headers, chatId, { content: 'What about the lantern?' });
      expect(sent.status).toBe(200);
      const system = String(
        (fake.requests.at(-1)!.body!.messages as Array<{ content: string }>)[0].content,
      );
      for (const marker of [
        'HIDDEN-PERSONALITY',
        'HIDDEN-SCENARIO',
        'HIDDEN-EXAMPLE',
        'HIDDEN-APPEARANCE',
        'HIDDEN-SPEECH',
        'HIDDEN-LORE',
      ]) {
        expect(system).toContain(marker);
      }
      // The chat itself shows the character as the catalogue does: no definition.
      const chat = await t.http.get(`/api/chats/${chatId}`).set(headers).expect(200);
      expect(JSON.stringify(chat.body)).not.toMatch(MARKER);
    }
  });

  it('keeps the definition out of its public page', async () => {
    const page = await t.http.get(`/api/seo/c/${slug}`).expect(200);
    expect(page.text).toContain('A lighthouse keeper who bottles storms');
    expect(page.text).toContain('Mind the glass');
    expect(page.text).not.toMatch(MARKER);
  });

  it('shows everything again once its creator stops hiding it', async () => {
    const other2 = await createUser(t);
    const shown = await t.http
      .post('/api/characters')
      .set(creator.auth)
      .send({
        ...PUBLIC,
        name: 'Open Ansel',
        personality: 'HIDDEN-PERSONALITY',
        definition_hidden: true,
      })
      .expect(201);
    const draftId = shown.body.id as string;
    await t.http
      .post(`/api/characters/${draftId}/avatar`)
      .set(creator.auth)
      .attach('file', defaultAvatarPng(), 'a.png')
      .expect(200);
    await t.http
      .put(`/api/characters/${draftId}`)
      .set(creator.auth)
      .send({ is_public: true })
      .expect(200);
    const hidden = await t.http.get(`/api/characters/${draftId}`).set(other2.auth).expect(200);
    expect(hidden.body.personality).toBe('');
    // Only its owner may change it.
    await t.http
      .put(`/api/characters/${draftId}`)
      .set(other2.auth)
      .send({ definition_hidden: false })
      .expect(403);
    await t.http
      .put(`/api/characters/${draftId}`)
      .set(creator.auth)
      .send({ definition_hidden: false })
      .expect(200);
    const open = await t.http.get(`/api/characters/${draftId}`).set(other2.auth).expect(200);
    expect(open.body).toMatchObject({
      personality: 'HIDDEN-PERSONALITY',
      definition_hidden: false,
    });
    await t.http.get(`/api/characters/${draftId}/export`).set(other2.auth).expect(200);
  });
});
