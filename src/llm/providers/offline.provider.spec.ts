import { describe, expect, it } from '@jest/globals';
import { collectStream } from '../llm-stream.js';
import type { LlmStreamEvent } from '../llm.types.js';
import { TokenEstimator } from '../usage/token-estimator.js';
import { composeOfflineReply, OfflineProvider } from './offline.provider.js';

const chat = (system: string, user: string) => [
  { role: 'system' as const, content: system },
  { role: 'user' as const, content: user },
];

describe('composeOfflineReply', () => {
  it.each([
    ['You are Luna Vale, a sarcastic librarian.', 'Luna Vale'],
    ['Roleplay as a shy knight named Aldric. Stay in character.', 'Aldric'],
    ['Character: Mira\nPersonality: warm', 'Mira'],
    ['Ты — Алиса, хозяйка таверны.', 'Алиса'],
  ])('names the character of %j', (system, name) => {
    expect(composeOfflineReply(chat(system, 'Hello'))).toContain(name);
  });

  it('quotes the last user message and is deterministic', () => {
    const messages = chat('You are Luna.', 'Do you remember the night at the harbour?');
    const reply = composeOfflineReply(messages);
    expect(reply).toContain('Do you remember the night at the harbour');
    expect(composeOfflineReply(messages)).toBe(reply);
  });

  it('answers in Russian to a Russian message and greets when nothing was said', () => {
    expect(composeOfflineReply(chat('You are Luna.', 'Привет, как ты?'))).toMatch(/[а-я]{3}/);
    expect(composeOfflineReply([{ role: 'system', content: 'You are Luna.' }])).toMatch(/^Luna /);
  });
});

describe('OfflineProvider', () => {
  it('streams word tokens, then usage counted by the tokenizer under the model "offline"', async () => {
    const provider = new OfflineProvider(0, new TokenEstimator());
    const events: LlmStreamEvent[] = [];
    for await (const event of provider.generateStream(chat('You are Luna.', 'Hi there'))) {
      events.push(event);
    }
    const deltas = events.filter((event) => event.type === 'delta');
    expect(deltas.length).toBeGreaterThan(5);
    expect(events.at(-1)).toMatchObject({
      type: 'usage',
      provider: 'offline',
      model: 'offline',
      estimated: true,
      promptTokens: expect.any(Number),
      completionTokens: expect.any(Number),
    });
    const result = await provider.generate(chat('You are Luna.', 'Hi there'), { maxTokens: 3 });
    expect(result.content.trim().split(/\s+/)).toHaveLength(3);
  });

  it('stops when the signal aborts', async () => {
    const provider = new OfflineProvider(5, new TokenEstimator());
    const controller = new AbortController();
    const received: string[] = [];
    await expect(
      (async () => {
        for await (const event of provider.generateStream(
          chat('You are Luna.', 'Hi'),
          {},
          controller.signal,
        )) {
          if (event.type === 'delta' && received.push(event.text) === 2) controller.abort();
        }
      })(),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(received).toHaveLength(2);
  });

  it('is usable through collectStream', async () => {
    const provider = new OfflineProvider(0, new TokenEstimator());
    const result = await collectStream(provider.generateStream(chat('You are Luna.', 'Hi')));
    expect(result.model).toBe('offline');
    expect(result.content).toContain('Luna');
  });
});
