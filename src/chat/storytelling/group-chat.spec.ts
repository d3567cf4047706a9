import { describe, expect, it } from '@jest/globals';
import { formatOtherCharacterMessage, GROUP_MAX_MEMBERS } from './group-chat.js';

describe('formatOtherCharacterMessage', () => {
  it("sends another character's line as a user message prefixed with the name", () => {
    expect(formatOtherCharacterMessage('Orin', '— Hold the door!')).toEqual({
      role: 'user',
      content: '[Orin]: — Hold the door!',
    });
  });

  it('keeps the prefix unambiguous for names with brackets', () => {
    expect(formatOtherCharacterMessage(' [Sela] the ]Grey[ ', 'Hi').content).toBe(
      '[Sela the Grey]: Hi',
    );
  });

  it('allows three members per group', () => {
    expect(GROUP_MAX_MEMBERS).toBe(3);
  });
});
