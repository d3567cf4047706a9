import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CharacterEntity } from '../../../src/characters/entities/character.entity.js';
import type { ChatWithMembers } from '../../../src/chat/chat-rows.js';
import type { ContextMessage } from '../../../src/chat/message.repository.js';
import { ChatModule } from '../../../src/chat/chat.module.js';
import { ReplyContextService, type ContextInput } from '../../../src/chat/reply-context.service.js';
import { LLM_PROVIDER_NAMES, type LlmProviderName } from '../../../src/config/configuration.js';
import { LlmService } from '../../../src/llm/llm.service.js';
import type { ChatMessage } from '../../../src/llm/llm.types.js';
import { startFakeLlm, type FakeLlm } from '../../support/fake-llm.js';
import { createMediumModule, type MediumModule } from '../../support/medium.js';
import { drain, providerEnv } from '../../llm/llm-test-support.js';

/**
 * Golden files of the prompt order each provider is sent (issue #22 item 3): the reply
 * context of a direct chat, a campaign turn with dice results and a group chat's second
 * speaker, built by the real ReplyContextService, sent through LlmService and captured at the
 * fake upstream. The post-history instruction and the dice results come after the newest
 * turn; for models that read system messages only at the top they are in that turn. The
 * system prompt itself is in the prompt goldens (../../../src/chat/prompt/golden/) and shows
 * here as a placeholder. Regenerate after an intended change and review the diff:
 *
 *   UPDATE_GOLDEN=1 NODE_OPTIONS=--experimental-vm-modules npx jest test/medium/chat/prompt-order.medium-spec.ts
 */
const GOLDEN_DIR = join(process.cwd(), 'src', 'chat', 'prompt', 'golden', 'order');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const CHAT_ID = '5f0c6a8e-2d7b-4c11-9a59-0c1f7f3b2a10';
const MIRA_ID = '8a1d2c3e-0000-4000-8000-000000000001';
const BRAM_ID = '8a1d2c3e-0000-4000-8000-000000000002';

/** A provider and, for OpenRouter's Gemma, the model that shapes its prompt differently. */
const TARGETS: ReadonlyArray<{ file: string; provider: LlmProviderName; model?: string }> = [
  ...LLM_PROVIDER_NAMES.map((provider) => ({ file: provider, provider })),
  { file: 'openrouter-gemma', provider: 'openrouter', model: 'google/gemma-3-27b-it:free' },
];

const character = (id: string, name: string, tags: string[] = []) =>
  Object.assign(new CharacterEntity(), {
    id,
    name,
    description: `${name} keeps the lighthouse.`,
    personality: 'Gruff, kind.',
    appearance: '',
    speechPattern: '',
    scenario: '',
    exampleDialogues: '',
    tags,
    structuredTags: [],
    responseLength: 'medium',
    contentRating: 'sfw',
    translations: {},
    characterBook: null,
    systemPrompt: '',
    postHistoryInstructions: '',
  });

const chat = (kind: 'direct' | 'group', memberIds: string[]): ChatWithMembers => ({
  id: CHAT_ID,
  userId: '00000000-0000-4000-8000-000000000000',
  characterId: memberIds[0],
  kind,
  memberIds,
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
  messageCount: 4,
  createdAt: new Date(0),
  updatedAt: new Date(0),
});

const line = (
  id: number,
  role: 'user' | 'assistant',
  content: string,
  characterId: string | null = null,
  diceRolls?: unknown,
): ContextMessage => ({ id, role, characterId, content, diceRolls });

function cases(): Array<{ title: string; input: ContextInput }> {
  const mira = character(MIRA_ID, 'Mira');
  const bram = character(BRAM_ID, 'Bram');
  const gm = character(MIRA_ID, 'Mira', ['dnd']);
  const names = new Map([
    [MIRA_ID, 'Mira'],
    [BRAM_ID, 'Bram'],
  ]);
  return [
    {
      title: 'direct chat',
      input: {
        chat: chat('direct', [MIRA_ID]),
        character: mira,
        members: [mira],
        names,
        history: [
          line(1, 'assistant', 'Mira looks up from the lamp.', MIRA_ID),
          line(2, 'user', 'Is the storm coming?'),
          line(3, 'assistant', 'Mira nods at the black horizon.', MIRA_ID),
          line(4, 'user', 'Then we bar the door.'),
        ],
        messageCount: 4,
        userIsAdult: false,
      },
    },
    {
      // Most stable first (provider prompt caches): system prompt, memories and notes, summary,
      // recalled passages, history, post-history.
      title: 'direct chat with memories, a summary and recall',
      input: {
        chat: {
          ...chat('direct', [MIRA_ID]),
          summary: 'Alex came to the lighthouse after the wreck of the Gull.',
          pinnedNotes: [{ id: 7, text: 'Alex cannot swim.' }],
        },
        character: mira,
        members: [mira],
        names,
        history: [
          line(41, 'assistant', 'Mira looks up from the lamp.', MIRA_ID),
          line(42, 'user', 'Do you remember my sister?'),
        ],
        facts: [{ id: 3, text: 'Alex’s sister Yara keeps bees.' }],
        recalled: [
          { messageId: 5, role: 'user', characterId: null, content: 'My sister Yara keeps bees.' },
        ],
        messageCount: 42,
        userIsAdult: false,
      },
    },
    {
      title: 'campaign turn after a roll',
      input: {
        chat: chat('direct', [MIRA_ID]),
        character: gm,
        members: [gm],
        names,
        history: [
          line(1, 'assistant', 'The door creaks. [ROLL 1d20+3 Stealth]', MIRA_ID, [
            { notation: '1d20+3', rolls: [14], modifier: 3, total: 17, description: 'Stealth' },
          ]),
          line(2, 'user', 'I slip inside.'),
        ],
        messageCount: 2,
        userIsAdult: false,
      },
    },
    {
      title: 'group chat, the second speaker',
      input: {
        chat: chat('group', [MIRA_ID, BRAM_ID]),
        character: bram,
        members: [mira, bram],
        names,
        history: [
          line(1, 'user', 'Who keeps watch tonight?'),
          line(2, 'assistant', 'Bram raises a hand.', BRAM_ID),
          line(3, 'user', 'Then Mira sleeps.'),
          line(4, 'assistant', 'Mira shrugs and climbs the stairs.', MIRA_ID),
        ],
        messageCount: 4,
        userIsAdult: false,
      },
    },
  ];
}

/** The messages as sent, each under its role, the system prompt as a placeholder. */
function render(title: string, sent: ChatMessage[], system: string): string {
  return [
    `======== ${title} ========`,
    ...sent.map(
      (message) =>
        `---- ${message.role} ----\n${message.content.replaceAll(system, '<system prompt>')}`,
    ),
  ].join('\n');
}

function matchGolden(file: string, actual: string): void {
  const path = join(GOLDEN_DIR, file);
  if (UPDATE) {
    if (process.env.CI) throw new Error('UPDATE_GOLDEN is not allowed in CI');
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(path, actual);
  }
  if (!existsSync(path)) {
    throw new Error(`Missing golden ${path}: run with UPDATE_GOLDEN=1 once and commit it`);
  }
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

describe('prompt order per provider (golden)', () => {
  let fake: FakeLlm;
  let t: MediumModule;
  let context: ReplyContextService;
  let llm: LlmService;

  beforeAll(async () => {
    fake = await startFakeLlm();
    t = await createMediumModule({
      imports: [ChatModule],
      env: providerEnv(fake.baseURL, LLM_PROVIDER_NAMES),
    });
    context = t.app.get(ReplyContextService);
    llm = t.app.get(LlmService);
  });

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it.each(TARGETS)('$file', async ({ file, provider, model }) => {
    const sections: string[] = [];
    for (const { title, input } of cases()) {
      const { messages } = await context.build(input);
      fake.reset();
      await drain(llm.stream({ provider, messages, config: { model } }));
      const sent = fake.requests.find((request) => request.path.endsWith('/chat/completions'))!
        .body!.messages as ChatMessage[];
      sections.push(render(title, sent, messages[0].content));

      // Whatever the shape, the newest turn is the last one and what is read last ends it.
      const postHistory = messages.at(-1)!;
      expect(postHistory.role).toBe('system');
      expect(sent.at(-1)!.content.endsWith(postHistory.content)).toBe(true);
      const lastUser = sent.findLastIndex((message) => message.role === 'user');
      expect(sent.slice(lastUser).every((message) => message.role !== 'assistant')).toBe(true);
    }
    matchGolden(
      `${file}.txt`,
      [
        `# Prompt order sent to ${provider}${model ? ` (model ${model})` : ''}.`,
        '# Regenerate with UPDATE_GOLDEN=1 (see prompt-order.medium-spec.ts) and review the diff.',
        '',
        sections.join('\n\n'),
        '',
      ].join('\n'),
    );
  });
});
