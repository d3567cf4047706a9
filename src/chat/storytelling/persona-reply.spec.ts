import { describe, expect, it } from '@jest/globals';
import { LANGUAGES } from '../../common/languages.js';
import { buildPersonaReplyPrompt } from './persona-reply.js';

describe('buildPersonaReplyPrompt', () => {
  it("asks for the user persona's next message only, naming the character", () => {
    const prompt = buildPersonaReplyPrompt(
      { name: 'Alex', description: 'A runaway mechanic with oily hands.' },
      { name: 'Mira' },
      'en',
    );
    expect(prompt).toMatch(
      /^You ghostwrite the next message of the user's character in a roleplay chat with Mira\./,
    );
    expect(prompt).toContain("never Mira's words, actions or thoughts");
    expect(prompt.endsWith("The user's character: Alex\nA runaway mechanic with oily hands.")).toBe(
      true,
    );
  });

  it('works without a persona, and without a description', () => {
    const bare = buildPersonaReplyPrompt({ name: null, description: null }, { name: 'Mira' }, 'en');
    expect(bare).not.toContain("The user's character:");
    const named = buildPersonaReplyPrompt(
      { name: 'Alex', description: ' ' },
      { name: 'Mira' },
      'en',
    );
    expect(named.endsWith("The user's character: Alex")).toBe(true);
  });

  it('inserts names literally and speaks every language', () => {
    const prompts = LANGUAGES.map((lang) =>
      buildPersonaReplyPrompt({ name: '$&', description: null }, { name: '$1 Mira' }, lang),
    );
    expect(new Set(prompts).size).toBe(LANGUAGES.length);
    for (const prompt of prompts) {
      expect(prompt).toContain('$1 Mira');
      expect(prompt).toMatch(/: \$&$/);
      expect(prompt).not.toContain('{{');
    }
  });
});
