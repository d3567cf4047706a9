import { describe, expect, it } from '@jest/globals';
import type { ChatMessage } from '../llm.types.js';
import {
  foldLateSystemMessages,
  joinLeadingSystemMessages,
  systemIntoFirstUser,
} from './system-messages.js';

const system = (content: string): ChatMessage => ({ role: 'system', content });
const user = (content: string): ChatMessage => ({ role: 'user', content });
const assistant = (content: string): ChatMessage => ({ role: 'assistant', content });

describe('foldLateSystemMessages', () => {
  it('appends the system messages after the history to the last user turn, in order', () => {
    expect(
      foldLateSystemMessages([
        system('S'),
        assistant('Hi.'),
        user('Go.'),
        system('Dice'),
        system('Reminder'),
      ]),
    ).toEqual([system('S'), assistant('Hi.'), user('Go.\n\nDice\n\nReminder')]);
  });

  it('leaves leading system messages, and prompts without a late one or a user turn', () => {
    const plain = [system('S'), system('T'), user('Go.')];
    expect(foldLateSystemMessages(plain)).toBe(plain);
    const noUser = [system('S'), assistant('Hi.'), system('Reminder')];
    expect(foldLateSystemMessages(noUser)).toBe(noUser);
    const onlySystem = [system('S')];
    expect(foldLateSystemMessages(onlySystem)).toBe(onlySystem);
  });
});

describe('joinLeadingSystemMessages', () => {
  it('joins the system messages a prompt opens with, in order, and leaves the rest', () => {
    expect(
      joinLeadingSystemMessages([
        system('S'),
        system('Memories'),
        system('Summary'),
        assistant('Hi.'),
        user('Go.'),
        system('Reminder'),
      ]),
    ).toEqual([
      system('S\n\nMemories\n\nSummary'),
      assistant('Hi.'),
      user('Go.'),
      system('Reminder'),
    ]);
  });

  it('leaves a prompt with one leading system message as it is', () => {
    const one = [system('S'), user('Go.')];
    expect(joinLeadingSystemMessages(one)).toBe(one);
  });
});

describe('systemIntoFirstUser', () => {
  it('puts the system prompt at the head of the first user turn', () => {
    expect(systemIntoFirstUser([system('S'), user('Go.'), assistant('Ok.')])).toEqual([
      user('S\n\nGo.'),
      assistant('Ok.'),
    ]);
  });

  it('makes it a user turn of its own before a greeting, so turns alternate from a user turn', () => {
    expect(systemIntoFirstUser([system('S'), assistant('Hi.'), user('Go.')])).toEqual([
      user('S'),
      assistant('Hi.'),
      user('Go.'),
    ]);
  });
});
