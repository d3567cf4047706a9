import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CharacterEntity } from '../../../src/characters/entities/character.entity.js';
import type { ChatWithMembers } from '../../../src/chat/chat-rows.js';
import { ChatModule } from '../../../src/chat/chat.module.js';
import { ReplyContextService } from '../../../src/chat/reply-context.service.js';
import { LOREBOOK_DEFAULTS } from '../../../src/chat/storytelling/lorebook.js';
import { createMediumModule, type MediumModule } from '../../support/medium.js';

const MIRA_ID = '8a1d2c3e-0000-4000-8000-0000000000a1';
const BRAM_ID = '8a1d2c3e-0000-4000-8000-0000000000b2';

/** Lorebook content of about `tokens` tokens (four characters a token, as the budget counts). */
const lore = (label: string, tokens: number) => `${label} `.padEnd(tokens * 4, '~');

const entry = (id: number, name: string, tokens: number) => ({
  id,
  name,
  keys: ['storm'],
  content: lore(`LORE-${id}`, tokens),
  enabled: true,
  insertion_order: id,
});

const member = (id: string, name: string, entries: unknown[], version = 0) =>
  Object.assign(new CharacterEntity(), {
    id,
    name,
    description: `${name} keeps the lighthouse.`,
    personality: 'Gruff, kind.',
    appearance: '',
    speechPattern: '',
    scenario: '',
    exampleDialogues: '',
    tags: [],
    structuredTags: [],
    responseLength: 'medium',
    contentRating: 'sfw',
    translations: {},
    characterBook: { name: `${name}'s lore`, scan_depth: 4, entries },
    systemPrompt: '',
    postHistoryInstructions: '',
    // With the id, the key its compiled book is cached under: another book, another version.
    updatedAt: new Date(version),
  });

const group: ChatWithMembers = {
  id: '5f0c6a8e-2d7b-4c11-9a59-0c1f7f3b2a11',
  userId: '00000000-0000-4000-8000-000000000000',
  characterId: MIRA_ID,
  kind: 'group',
  memberIds: [MIRA_ID, BRAM_ID],
  mutedIds: [],
  leafId: null,
  settings: {},
  personaName: 'Alex',
  personaDescription: null,
  anonSessionId: null,
  title: null,
  language: 'en',
  summary: null,
  summarizedThroughId: null,
  messageCount: 1,
  createdAt: new Date(0),
  updatedAt: new Date(0),
};

/**
 * Issue #16: a group chat's prompt carries the lorebooks of all its members under one budget
 * (what one book may use), the speaker's book first: the entries of one member's book leave
 * the others less room, and what does not fit is left out of the prompt and of the reply's
 * record. Built by the real ReplyContextService (prompt templates and settings from the
 * database).
 */
describe('group lorebooks under one budget (ReplyContextService)', () => {
  let t: MediumModule;
  let context: ReplyContextService;

  // Mira's one entry takes most of the budget; Bram's two would fit on their own.
  const mira = member(MIRA_ID, 'Mira', [entry(1, 'Lamp room', 1400)]);
  const bram = member(BRAM_ID, 'Bram', [entry(2, 'Wreck', 1000), entry(3, 'Knots', 200)]);
  const names = new Map([
    [MIRA_ID, 'Mira'],
    [BRAM_ID, 'Bram'],
  ]);

  const build = (speaker: CharacterEntity) =>
    context.build({
      chat: group,
      character: speaker,
      members: [mira, bram],
      names,
      history: [{ id: 1, role: 'user', characterId: null, content: 'A storm is coming.' }],
      messageCount: 1,
      userIsAdult: false,
    });

  beforeAll(async () => {
    t = await createMediumModule({ imports: [ChatModule] });
    context = t.app.get(ReplyContextService);
  });

  afterAll(async () => {
    await t?.close();
  });

  it("lets the speaker's entries cut into the other member's", async () => {
    // 1400 + 1000 + 200 is past the one budget; 1400 + 200 and 1000 + 200 are within it.
    expect(1400 + 1000 + 200).toBeGreaterThan(LOREBOOK_DEFAULTS.maxTokenBudget);

    const forMira = await build(mira);
    expect(forMira.lorebook).toEqual([
      { id: 1, name: 'Lamp room' },
      { id: 3, name: 'Knots' },
    ]);
    const miraSystem = forMira.messages[0].content;
    expect(miraSystem).toContain('LORE-1 ');
    expect(miraSystem).toContain('LORE-3 ');
    expect(miraSystem).not.toContain('LORE-2 ');

    // Bram speaking: his book goes first, and now Mira's entry is the one left out.
    const forBram = await build(bram);
    expect(forBram.lorebook).toEqual([
      { id: 2, name: 'Wreck' },
      { id: 3, name: 'Knots' },
    ]);
    const bramSystem = forBram.messages[0].content;
    expect(bramSystem).toContain('LORE-2 ');
    expect(bramSystem).toContain('LORE-3 ');
    expect(bramSystem).not.toContain('LORE-1 ');
  });

  it('gives the members after a book that spent the whole budget nothing', async () => {
    const hoarder = member(
      MIRA_ID,
      'Mira',
      [entry(4, 'Charts', LOREBOOK_DEFAULTS.maxTokenBudget)],
      1,
    );
    const built = await context.build({
      chat: group,
      character: hoarder,
      members: [hoarder, bram],
      names,
      history: [{ id: 1, role: 'user', characterId: null, content: 'A storm is coming.' }],
      messageCount: 1,
      userIsAdult: false,
    });
    expect(built.lorebook).toEqual([{ id: 4, name: 'Charts' }]);
    expect(built.messages[0].content).not.toMatch(/LORE-[23] /);
  });
});
