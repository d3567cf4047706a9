import { describe, expect, it } from '@jest/globals';
import { formatMemoryBlock, formatRecalled } from './memory-prompt.js';

describe('formatMemoryBlock', () => {
  const memory = { facts: ['Alex fears the sea.'], notes: ['Keep it gentle.'] };

  it("names the character who remembers, then the player's notes", () => {
    expect(formatMemoryBlock({ ...memory, characterName: 'Mira' }, 'en')).toBe(
      'Mira remembers about the user and their story together:\n- Alex fears the sea.\n\n' +
        "The player's notes on this story (always keep them in mind):\n- Keep it gentle.",
    );
  });

  it('has the Game Master remember in a campaign, never the campaign as a person', () => {
    for (const lang of ['en', 'ru', 'es', 'fr', 'de', 'pt', 'it'] as const) {
      const block = formatMemoryBlock(
        { ...memory, characterName: 'The Lantern Coast', campaign: true },
        lang,
      )!;
      expect(block).not.toContain('The Lantern Coast');
      expect(block).toContain('- Alex fears the sea.');
    }
    expect(
      formatMemoryBlock({ ...memory, characterName: 'The Lantern Coast', campaign: true }, 'en'),
    ).toMatch(/^The Game Master remembers about the player and their campaign:/);
  });

  it('is null with nothing to remember', () => {
    expect(formatMemoryBlock({ facts: [], notes: [], characterName: 'Mira' }, 'en')).toBeNull();
    expect(formatRecalled([], 'en')).toBeNull();
  });
});
