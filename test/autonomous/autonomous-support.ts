import { randomUUID } from 'node:crypto';
import type { FakeLlm, FakeReply, RecordedRequest } from '../support/fake-llm.js';
import type { TestApp } from '../support/test-app.js';
import type { TestUser } from '../support/users.js';

export const ADMIN_EMAIL = 'ops@example.test';

/** The app's environment for autonomous tests: OpenAI only, pointed at the fake upstream. */
export const llmEnv = (fake: FakeLlm, extra: Record<string, string> = {}) => ({
  OPENAI_API_KEY: 'openai-key',
  OPENAI_BASE_URL: fake.baseURL,
  AUTONOMOUS_PROVIDER_ORDER: 'openai',
  ADMIN_EMAILS: ADMIN_EMAIL,
  ...extra,
});

const LANGS = ['ru', 'en', 'es', 'fr', 'de', 'pt', 'it'] as const;

export const systemPrompt = (request: RecordedRequest): string =>
  String(request.body?.messages?.[0]?.content ?? '');

export const lastMessage = (request: RecordedRequest): string => {
  const messages = request.body?.messages ?? [];
  return String(messages[messages.length - 1]?.content ?? '');
};

export const isGenerator = (request: RecordedRequest) =>
  systemPrompt(request).includes('You invent one original character');
export const isHighlights = (request: RecordedRequest) =>
  systemPrompt(request).includes('editorial highlights');
export const isRelation = (request: RecordedRequest) =>
  systemPrompt(request).includes('You connect two characters');
export const isHealthCheck = (request: RecordedRequest) =>
  systemPrompt(request) === 'Reply with OK.';

export const validHighlights = (name = 'the character') =>
  Object.fromEntries(
    LANGS.map((lang) => [
      lang,
      [
        `${lang}: a smuggler who bargains with secrets (${name})`,
        `${lang}: loyal until the debt is paid`,
      ],
    ]),
  );

export const validRelation = (type = 'rival') => ({
  type,
  label_for_a: Object.fromEntries(LANGS.map((lang) => [lang, `Rival (${lang})`])),
  label_for_b: Object.fromEntries(LANGS.map((lang) => [lang, `Old rival (${lang})`])),
});

/** A generated character the generator accepts; override fields to break it. */
export const validGenerated = (overrides: Record<string, unknown> = {}) => ({
  concept: 'A customs inspector who smuggles forbidden books for a living.',
  name: `Vera Lask ${randomUUID().slice(0, 6)}`,
  age: 34,
  description:
    'Vera inspects every crate that enters the harbour. She also decides which ones never arrive.',
  personality: {
    traits: [
      'counts exits when she enters a room',
      'answers questions with questions',
      'keeps promises to the letter, never to the spirit',
      'feeds the harbour cats at dawn',
      'hums when she lies',
      'tips too much',
      'remembers every face and forgets names on purpose',
      'cleans her glasses when angry',
    ],
    contradictions: ['a rule-keeper who breaks the biggest rule daily'],
    flaws: ['cannot ask for help'],
    goals: ['buy her brother out of prison'],
    fears: ['open water at night'],
    never: ['never betrays a courier'],
  },
  scenario: 'Night shift at the harbour office; your crate is the last one on her list.',
  greeting: {
    action: 'Vera pries the lid off your crate with a rusty bar.',
    sensory_detail: 'The smell of tar and wet paper fills the office.',
    dialogue: '"Books. Interesting choice of cargo."',
    hook: 'She slides the stamp towards you, not quite letting go of it.',
  },
  example_dialogues: [
    { mood: 'suspicious', exchange: '{{user}}: Is there a problem?\n{{char}}: "You tell me."' },
    { mood: 'amused', exchange: '{{user}}: I can explain.\n{{char}}: "Please do. Slowly."' },
  ],
  appearance:
    'Grey uniform two sizes too big, sleeves rolled to show ink-stained wrists; a chipped ' +
    'tooth she never fixed; smells of bergamot tea and harbour salt; her boots squeak on the ' +
    'office floor, so everyone always hears her coming.',
  speech_pattern:
    'Dry and short, with harbour slang: "Stamp or swim." and "Paper lies, cargo does not."',
  tags: ['smuggler', 'harbour', 'mystery'],
  structured_tags: ['mystery'],
  response_length: 'medium',
  avatar_prompt: 'a woman in a grey customs uniform, harbour lights behind her',
  ...overrides,
});

export const json = (value: unknown): FakeReply => ({ content: JSON.stringify(value) });

export async function insertCharacter(
  t: TestApp,
  ownerId: string,
  fields: {
    name?: string;
    isPublic?: boolean;
    tags?: string[];
    structuredTags?: string[];
    highlights?: unknown[];
    realChatCount?: number;
    baseChatCount?: Record<string, number>;
    baseLikeCount?: Record<string, number>;
    avatarUrl?: string | null;
    deleted?: boolean;
  } = {},
): Promise<string> {
  const id = randomUUID();
  const isPublic = fields.isPublic ?? true;
  await t.dataSource.query(
    `INSERT INTO character (id, slug, owner_id, name, description, tags, structured_tags,
       is_public, avatar_url, highlights, real_chat_count, base_chat_count, base_like_count,
       deleted_at)
     VALUES ($1, $2, $3, $4, 'A test character.', $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [
      id,
      `c-${id.slice(0, 13)}`,
      ownerId,
      fields.name ?? `Character ${id.slice(0, 6)}`,
      fields.tags ?? [],
      fields.structuredTags ?? [],
      isPublic,
      fields.avatarUrl !== undefined ? fields.avatarUrl : isPublic ? '/api/avatars/test.png' : null,
      JSON.stringify(fields.highlights ?? []),
      fields.realChatCount ?? 0,
      JSON.stringify(fields.baseChatCount ?? {}),
      JSON.stringify(fields.baseLikeCount ?? {}),
      fields.deleted ? new Date() : null,
    ],
  );
  return id;
}

export async function runTask(t: TestApp, admin: TestUser, name: string) {
  const res = await t.http.post(`/api/admin/tasks/${name}/run`).set(admin.auth);
  if (res.status !== 200) throw new Error(`run ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as {
    status: 'ok' | 'failed';
    result: Record<string, unknown> | null;
    error: string | null;
    task: Record<string, unknown>;
  };
}

export async function taskState(
  t: TestApp,
  name: string,
): Promise<Record<string, unknown> | undefined> {
  const [row] = await t.dataSource.query(`SELECT value FROM prompt_template WHERE key = $1`, [
    `scheduler.${name}`,
  ]);
  return row ? (JSON.parse(row.value) as Record<string, unknown>) : undefined;
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('waitFor: timed out');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
