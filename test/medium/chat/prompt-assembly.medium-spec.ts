import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { ChatCaller } from '../../../src/chat/chat-caller.js';
import { ChatModule } from '../../../src/chat/chat.module.js';
import { ChatService } from '../../../src/chat/chat.service.js';
import { PROMPT_DEFAULTS } from '../../../src/chat/prompt/prompt-defaults.js';
import { ReplyService } from '../../../src/chat/reply.service.js';
import {
  FICTION_ADULT_POST_HISTORY,
  FICTION_POST_HISTORY,
  POST_HISTORY_CORE,
} from '../../../src/chat/storytelling/post-history.js';
import type { ReplyEvent } from '../../../src/chat/streaming/reply-event.js';
import { SettingsService } from '../../../src/common/settings/settings.service.js';
import type { ChatMessage } from '../../../src/llm/llm.types.js';
import { startFakeLlm, type FakeLlm } from '../../support/fake-llm.js';
import { createMediumModule, type MediumModule } from '../../support/medium.js';
import { createUser, type TestUser } from '../../support/users.js';
import { failAll, llmEnv, publicCharacter } from '../../chat/chat-support.js';
import { controlClock, MINUTE } from '../../llm/llm-test-support.js';

/**
 * What the model reads for a reply, through the whole engine (ReplyService → RoundRunner →
 * ReplyContextService → LlmService) and captured at the fake upstream: the order of the
 * prompt (issue #22 item 3), a failed reply's message (item 5), fiction mode (item 4) and a
 * card's own prompts (issue #20 item 4).
 */

interface Harness {
  fake: FakeLlm;
  t: MediumModule;
  replies: ReplyService;
  chats: ChatService;
  owner: TestUser;
  alice: TestUser;
  /** Moves the LLM module's clock: models a failure cooled down come back. */
  clock: { advance(ms: number): void };
}

async function harness(env: Record<string, string> = {}): Promise<Harness> {
  const fake = await startFakeLlm();
  const t = await createMediumModule({ imports: [ChatModule], env: { ...llmEnv(fake), ...env } });
  const [owner, alice] = await Promise.all([createUser(t), createUser(t, { adult: true })]);
  return {
    fake,
    t,
    replies: t.app.get(ReplyService),
    chats: t.app.get(ChatService),
    owner,
    alice,
    clock: controlClock(t.app),
  };
}

const callerOf = (user: TestUser): ChatCaller => ({
  user: { id: user.id, email: user.email, role: 'user', tier: 'free' },
});

/** Sends a message and waits for the round's end; its events. */
async function sendRound(h: Harness, chatId: string, content: string): Promise<ReplyEvent[]> {
  const source = await h.replies.send(chatId, { content }, callerOf(h.alice));
  return new Promise((resolve) => {
    const events: ReplyEvent[] = [];
    source.subscribe(
      (event) => events.push(event),
      () => resolve(events),
    );
  });
}

/** The messages of every completion request so far, in order. */
const prompts = (fake: FakeLlm): ChatMessage[][] =>
  fake.requests
    .filter((request) => request.body?.messages)
    .map((request) => request.body!.messages as ChatMessage[]);

/** The turns of a prompt: the user's and the characters', without the system messages. */
const turns = (prompt: ChatMessage[]) => prompt.filter((message) => message.role !== 'system');

describe('the prompt a reply is written from', () => {
  let h: Harness;
  let mira: string;
  let bram: string;

  beforeAll(async () => {
    h = await harness();
    [mira, bram] = await Promise.all(
      ['Mira', 'Bram'].map(
        async (name) => (await publicCharacter(h.t, h.owner, { name, greeting: '' })).id,
      ),
    );
  });

  beforeEach(() => {
    h.fake.reset();
    // The models a failed reply cooled down (auto routing) are back.
    h.clock.advance(16 * MINUTE);
  });

  afterAll(async () => {
    await h?.t.close();
    await h?.fake.close();
  });

  const directChat = async (characterId: string) =>
    (await h.chats.create({ character_id: characterId, force_new: true }, callerOf(h.alice))).chat
      .id;
  const groupChat = async (characterIds: string[]) =>
    (await h.chats.create({ character_ids: characterIds }, callerOf(h.alice))).chat.id;

  it('reads the post-history instruction after the newest user turn', async () => {
    const chatId = await directChat(mira);
    await sendRound(h, chatId, 'Is the storm coming?');
    const [prompt] = prompts(h.fake);
    expect(prompt.map((message) => message.role)).toEqual(['system', 'user', 'system']);
    expect(prompt[1]).toEqual({ role: 'user', content: 'Is the storm coming?' });
    expect(prompt[2].content.startsWith(POST_HISTORY_CORE.en)).toBe(true);
  });

  it('group chat: each speaker reads it after its own newest turn', async () => {
    const chatId = await groupChat([mira, bram]);
    h.fake.script({ content: 'Mira lights the lamp.' }, { content: 'Bram bars the door.' });
    await sendRound(h, chatId, 'Who keeps watch?');
    const [forMira, forBram] = prompts(h.fake);
    expect(forMira.slice(1).map((message) => message.role)).toEqual(['user', 'system']);
    expect(forMira[1].content).toBe('Who keeps watch?');
    // Mira's line reaches Bram as part of the turn he answers: turns still alternate.
    expect(forBram.slice(1)).toEqual([
      { role: 'user', content: 'Who keeps watch?\n\n[Mira]: Mira lights the lamp.' },
      { role: 'system', content: expect.stringContaining(POST_HISTORY_CORE.en) },
    ]);
  });

  it('a failed reply leaves no dangling turn: the next reply answers both messages', async () => {
    const chatId = await directChat(mira);
    h.fake.script({ content: 'Mira waves.' });
    await sendRound(h, chatId, 'Hello!');
    const recover = failAll(h.fake, { fault: 'status', status: 500 });
    const failed = await sendRound(h, chatId, 'Are you there?');
    expect(failed.at(-1)).toMatchObject({ type: 'error' });
    recover();
    h.fake.reset();
    h.clock.advance(16 * MINUTE);

    await sendRound(h, chatId, 'Hello?');
    const [prompt] = prompts(h.fake);
    expect(turns(prompt)).toEqual([
      { role: 'user', content: 'Hello!' },
      { role: 'assistant', content: 'Mira waves.' },
      { role: 'user', content: 'Are you there?\n\nHello?' },
    ]);
    expect(prompt.at(-1)!.role).toBe('system');
  });

  it('a failed group round leaves nothing behind: the next prompt holds only the new message', async () => {
    const chatId = await groupChat([mira, bram]);
    const recover = failAll(h.fake, { fault: 'status', status: 500 });
    await sendRound(h, chatId, 'Anyone?');
    recover();
    h.fake.reset();
    h.clock.advance(16 * MINUTE);

    await sendRound(h, chatId, 'Hello?');
    const [forMira] = prompts(h.fake);
    expect(turns(forMira)).toEqual([{ role: 'user', content: 'Hello?' }]);
  });

  describe("a card's own prompts", () => {
    let noir: string;

    beforeAll(async () => {
      noir = (await publicCharacter(h.t, h.owner, { name: 'Vera', greeting: '' })).id;
      await h.t.dataSource.query(
        `UPDATE character SET system_prompt = $2, post_history_instructions = $3 WHERE id = $1`,
        [
          noir,
          '{{original}} Narrate {{char}} in the style of a noir novel.',
          '[Author: keep {{char}} terse.]\n{{original}}',
        ],
      );
    });

    afterAll(() => h.t.app.get(SettingsService).set('use_card_prompts', true));

    it('reach the prompt, {{original}} standing for the platform text they replace', async () => {
      await sendRound(h, await directChat(noir), 'Who are you?');
      const [prompt] = prompts(h.fake);
      const identity = PROMPT_DEFAULTS.identity.en.replaceAll('{{char}}', 'Vera');
      expect(
        prompt[0].content.startsWith(`${identity} Narrate Vera in the style of a noir novel.\n`),
      ).toBe(true);
      expect(prompt[0].content).toContain(PROMPT_DEFAULTS.content_sfw.en);
      const postHistory = prompt.at(-1)!;
      expect(postHistory.role).toBe('system');
      expect(postHistory.content).toMatch(/^\[Author: keep Vera terse\.\]\n\[Reminder: /);
      // The content rule comes after the author's words, which are read last.
      expect(postHistory.content.endsWith(PROMPT_DEFAULTS.content_sfw.en)).toBe(true);
    });

    it('are left out when an admin turns use_card_prompts off', async () => {
      await h.t.app.get(SettingsService).set('use_card_prompts', false);
      await sendRound(h, await directChat(noir), 'Who are you?');
      const [prompt] = prompts(h.fake);
      expect(prompt.map((message) => message.content).join('\n')).not.toMatch(/noir|Author:/);
      expect(prompt.at(-1)!.content.startsWith(POST_HISTORY_CORE.en)).toBe(true);
    });
  });
});

describe('the prompt in fiction mode (SITE_MODE=fiction)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await harness({ SITE_MODE: 'fiction' });
  });

  afterAll(async () => {
    await h?.t.close();
    await h?.fake.close();
  });

  it.each([
    ['sfw', false],
    ['nsfw', true],
  ] as const)(
    'a %s character: system prompt and post-history agree on the audience',
    async (rating, adult) => {
      const { id } = await publicCharacter(h.t, h.owner, { greeting: '', content_rating: rating });
      const chatId = (
        await h.chats.create({ character_id: id, force_new: true }, callerOf(h.alice))
      ).chat.id;
      h.fake.reset();
      await sendRound(h, chatId, 'Tell me a story.');
      const [prompt] = prompts(h.fake);
      const [system, postHistory] = [prompt[0].content, prompt.at(-1)!.content];
      const nsfwRule = PROMPT_DEFAULTS.content_nsfw.en.replaceAll('{{char}}', 'Mira');
      expect(system.includes(nsfwRule)).toBe(adult);
      expect(system.includes(PROMPT_DEFAULTS.content_sfw.en)).toBe(!adult);
      expect(postHistory.startsWith(FICTION_POST_HISTORY.en)).toBe(!adult);
      expect(postHistory.startsWith(FICTION_ADULT_POST_HISTORY.en)).toBe(adult);
    },
  );
});
