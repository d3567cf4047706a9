import { describe, expect, it } from '@jest/globals';
import { expandMacros } from './public-text.js';

describe('expandMacros', () => {
  const values = { char: 'Mira', user: 'you' };

  it('expands {{char}} and {{user}} in any case and spacing, and the legacy <BOT>/<USER>', () => {
    expect(expandMacros('{{char}} greets {{user}}; {{ Char }} and {{USER}}', values)).toBe(
      'Mira greets you; Mira and you',
    );
    expect(expandMacros('<BOT> waves at <user>.', values)).toBe('Mira waves at you.');
  });

  it('drops every other macro with the space before it', () => {
    expect(expandMacros('Out; {{random::a::b}} do. {{original}}', values)).toBe('Out; do.');
    expect(expandMacros('{{roll:d20}}{{char}}', values)).toBe('Mira');
  });

  it('does not expand a value again (one pass), and takes "$&" in a name literally', () => {
    expect(expandMacros('{{char}}', { char: '{{user}} $&', user: 'you' })).toBe('{{user}} $&');
  });

  it('leaves text without macros alone, stray braces included', () => {
    expect(expandMacros('A {b} and {{ unclosed', values)).toBe('A {b} and {{ unclosed');
  });
});
