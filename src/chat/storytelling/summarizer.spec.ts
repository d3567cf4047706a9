import { describe, expect, it } from '@jest/globals';
import { LANGUAGES } from '../../common/languages.js';
import {
  buildSummaryPrompt,
  foldableCount,
  needsSummary,
  SUMMARY_KEEP_RECENT,
  SUMMARY_PROVIDER_ORDER,
  SUMMARY_TRIGGER_MESSAGES,
} from './summarizer.js';

describe('summary thresholds', () => {
  it('summarizes once a chat passes 25 messages', () => {
    expect(SUMMARY_TRIGGER_MESSAGES).toBe(25);
    expect(needsSummary(0)).toBe(false);
    expect(needsSummary(25)).toBe(false);
    expect(needsSummary(26)).toBe(true);
  });

  it('keeps the 15 most recent messages and folds in the older ones', () => {
    expect(SUMMARY_KEEP_RECENT).toBe(15);
    expect(foldableCount(26)).toBe(11);
    expect(foldableCount(100)).toBe(85);
    expect(foldableCount(25)).toBe(0);
    expect(foldableCount(0)).toBe(0);
  });

  it('asks the cheap providers in the spec order', () => {
    expect(SUMMARY_PROVIDER_ORDER).toEqual(['groq', 'cerebras', 'openrouter']);
  });
});

describe('buildSummaryPrompt', () => {
  const messages = [
    { speaker: 'Alex', content: 'Let us hide in the old mill.' },
    { speaker: 'Mira', content: 'She bars the door.\n[ROLL 1d20+2 Stealth]' },
  ];

  it('merges the previous summary with the transcript, without game tags', () => {
    const [system, user] = buildSummaryPrompt('They escaped the city.', messages, 'en');
    expect(system.role).toBe('system');
    expect(user).toEqual({
      role: 'user',
      content:
        'Previous summary:\nThey escaped the city.\n\nNew messages:\nAlex: Let us hide in the old mill.\n\nMira: She bars the door.',
    });
  });

  it('tracks the location and ends with where the characters are', () => {
    const [system] = buildSummaryPrompt(null, messages, 'en');
    expect(system.content).toContain('every change of location');
    expect(system.content).toMatch(
      /End with one sentence that states exactly where the characters are now/,
    );
  });

  it('says so when there is no previous summary', () => {
    expect(buildSummaryPrompt(null, messages, 'de')[1].content).toMatch(
      /^Bisherige Zusammenfassung:\n\(noch keine\)\n/,
    );
    expect(buildSummaryPrompt('  ', messages, 'en')[1].content).toContain('(none yet)');
  });

  it('writes the instructions in the chat language', () => {
    const systems = LANGUAGES.map((lang) => buildSummaryPrompt(null, messages, lang)[0].content);
    expect(new Set(systems).size).toBe(LANGUAGES.length);
    expect(systems[LANGUAGES.indexOf('ru')]).toContain('на русском языке');
  });
});
