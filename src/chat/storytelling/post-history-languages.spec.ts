import { describe, expect, it } from '@jest/globals';
import { LANGUAGES } from '../../common/languages.js';
import type { KeyValueRepository } from '../../common/settings/key-value.repository.js';
import { PromptBuilderService, type PostHistoryInput } from '../prompt/prompt-builder.service.js';
import { PromptTemplatesService } from '../prompt/prompt-templates.service.js';
import {
  ANTI_ECHO,
  ESCALATION,
  ESCALATION_AFTER_MESSAGES,
  POST_HISTORY_CORE,
  POST_HISTORY_VARIANT_KINDS,
  POST_HISTORY_VARIANTS,
  variantIndex,
} from './post-history.js';

/**
 * post-history.spec.ts checks rotation, anti-echo and escalation in English on buildPostHistory;
 * this runs the same rules in every language through PromptBuilderService.postHistory, the
 * entry point the reply context uses.
 */
const builder = new PromptBuilderService(
  new PromptTemplatesService({
    getByPrefix: async () => new Map<string, string>(),
  } as unknown as KeyValueRepository),
);

const CHAT_ID = 'a3c1f0d2-7e64-4b8a-9f15-2d0e6c9b1a77';
const REPLY =
  'Rain hammered the hull while Mira counted the crates twice, then a third time, frowning.';
const OPENING = 'Rain hammered the hull while Mira counted the';

const postHistory = async (overrides: Partial<PostHistoryInput>): Promise<string> =>
  (await builder.postHistory({
    language: 'en',
    chatId: CHAT_ID,
    messageCount: 4,
    lastAssistantText: null,
    contentRating: 'sfw',
    isDnd: false,
    ...overrides,
  })) ?? '';

describe.each(LANGUAGES)('post-history in %s', (language) => {
  const variantsIn = (text: string) =>
    POST_HISTORY_VARIANT_KINDS.filter((kind) =>
      text.includes(POST_HISTORY_VARIANTS[kind][language]),
    );

  it('picks one variant per chat and message count, the same on every call', async () => {
    const seen = new Set<string>();
    for (let messageCount = 0; messageCount < 40; messageCount++) {
      const first = await postHistory({ language, messageCount });
      expect(await postHistory({ language, messageCount })).toBe(first);
      const kinds = variantsIn(first);
      expect(kinds).toEqual([POST_HISTORY_VARIANT_KINDS[variantIndex(CHAT_ID, messageCount)]]);
      seen.add(kinds[0]);
    }
    // Different message counts reach all five variants.
    expect([...seen].sort()).toEqual([...POST_HISTORY_VARIANT_KINDS].sort());
  });

  it('quotes the first 8 words of the previous reply in the anti-echo line', async () => {
    const text = await postHistory({ language, lastAssistantText: REPLY });
    expect(text).toContain(ANTI_ECHO[language].replace('{{opening}}', OPENING));
    expect(text).not.toContain(`${OPENING} crates`);
    expect(await postHistory({ language })).not.toContain(
      ANTI_ECHO[language].split('{{opening}}')[0],
    );
  });

  it('adds the escalation block from 12 messages on, never below', async () => {
    expect(ESCALATION_AFTER_MESSAGES).toBe(12);
    for (const messageCount of [0, 1, 11]) {
      expect(await postHistory({ language, messageCount })).not.toContain(ESCALATION[language]);
    }
    for (const messageCount of [12, 13, 100]) {
      const text = await postHistory({ language, messageCount });
      expect(text.startsWith(POST_HISTORY_CORE[language])).toBe(true);
      expect(text.endsWith(`\n${ESCALATION[language]}`)).toBe(true);
    }
  });
});
