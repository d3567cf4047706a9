import { describe, expect, it } from '@jest/globals';
import type OpenAI from 'openai';
import { Stream } from 'openai/streaming';
import { Readable } from 'node:stream';
import { UPSTREAM_PIECE_CHARS } from '../output/text-pieces.js';
import { boundedSseBody, boundedSseEvents, MAX_SSE_EVENT_BYTES } from './sse-body.js';

type Chunk = OpenAI.Chat.ChatCompletionChunk;

const event = (payload: object | string): string =>
  `data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`;

const chunkOf = (delta: object, finish: string | null = null, extra: object = {}): object => ({
  id: 'c1',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'm',
  choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  ...extra,
});

/** `bytes` in reads of the given size, as a socket delivers them. */
async function* reads(bytes: Buffer, size: number | (() => number)): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length;) {
    const next = typeof size === 'number' ? size : size();
    yield bytes.subarray(at, at + next);
    at += next;
  }
}

async function collect(source: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const read of boundedSseEvents(source)) out.push(read);
  return out;
}

/** What the openai SDK makes of the regrouped stream: its chunks, in order. */
async function sdkChunks(bytes: Buffer, readSize: number): Promise<Chunk[]> {
  const body = boundedSseBody(Readable.from(reads(bytes, readSize)));
  const stream = Stream.fromSSEResponse<Chunk>(new Response(body), new AbortController());
  const chunks: Chunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

/** Seeded PRNG (mulberry32), so a failing split can be reproduced. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('boundedSseEvents', () => {
  it('passes an ordinary stream through byte for byte, each read ending where an event ends', async () => {
    const events = Array.from({ length: 400 }, (_, i) => event(chunkOf({ content: ` word${i}` })));
    // The separators the SDK knows, mixed, and a comment line.
    const text = `: keepalive\n\n${events.join('')}data: x\r\rdata: y\r\n\r\n${event('[DONE]')}`;
    const random = prng(7);
    const out = await collect(reads(Buffer.from(text), () => 1 + Math.floor(random() * 40)));

    expect(Buffer.concat(out).toString()).toBe(text);
    for (const read of out) {
      expect(read.length).toBeLessThanOrEqual(16 * 1024);
      expect(/(\n\n|\r\r|\r\n\r\n)$/.test(read.toString())).toBe(true);
    }
  });

  it('hands a 3 MB delta arriving in 4 KB reads to the SDK as bounded events', async () => {
    const content = '漢'.repeat(1_000_000);
    const bytes = Buffer.from(
      event(chunkOf({ role: 'assistant', content: '' })) +
        event(chunkOf({ content }, 'length', { usage: { prompt_tokens: 1 } })) +
        event('[DONE]'),
    );
    const out = await collect(reads(bytes, 4096));
    // The SDK copies and rescans what it holds per read: every read is small and ends an event
    // (so it holds nothing over), where the 4 KB reads of one event cost it 750 rescans.
    expect(Math.max(...out.map((read) => read.length))).toBeLessThanOrEqual(64 * 1024);
    expect(out.every((read) => read.toString('latin1').endsWith('\n\n'))).toBe(true);

    const chunks = await sdkChunks(bytes, 4096);
    const texts = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '');
    expect(texts.join('')).toBe(content);
    expect(Math.max(...texts.map((text) => text.length))).toBe(UPSTREAM_PIECE_CHARS);
    expect(chunks.length).toBe(1 + Math.ceil(content.length / UPSTREAM_PIECE_CHARS));
    // The finish reason and usage come once, with the last piece; the role with the first.
    expect(chunks.filter((chunk) => chunk.choices[0].finish_reason !== null)).toEqual([
      chunks.at(-1),
    ]);
    expect(chunks.at(-1)).toMatchObject({ choices: [{ finish_reason: 'length' }], usage: {} });
    expect(chunks.filter((chunk) => chunk.usage)).toHaveLength(1);
    expect(chunks[1].choices[0].delta.role).toBeUndefined();
  });

  it('splits reasoning and content alike, in order', async () => {
    const reasoning = 'r'.repeat(40_000);
    const content = 'c'.repeat(40_000);
    const chunks = await sdkChunks(
      Buffer.from(event(chunkOf({ reasoning_content: reasoning, content }, 'stop'))),
      65_536,
    );
    const deltas = chunks.map((chunk) => chunk.choices[0].delta as Record<string, string>);
    expect(deltas.map((delta) => delta.reasoning_content ?? '').join('')).toBe(reasoning);
    expect(deltas.map((delta) => delta.content ?? '').join('')).toBe(content);
    expect(deltas.every((delta) => Object.keys(delta).length === 1)).toBe(true);
    expect(deltas.findIndex((delta) => delta.content)).toBeGreaterThan(
      deltas.findLastIndex((delta) => delta.reasoning_content),
    );
  });

  it('passes big events it cannot split as they are', async () => {
    const named = `event: error\ndata: ${JSON.stringify({ error: { message: 'e'.repeat(100_000) } })}\n\n`;
    const notJson = event(`{${'n'.repeat(100_000)}`);
    for (const text of [named, notJson]) {
      const out = await collect(reads(Buffer.from(text), 4096));
      expect(Buffer.concat(out).toString()).toBe(text);
    }
  });

  it('fails an event over MAX_SSE_EVENT_BYTES once it is that big, not at its end', async () => {
    let sent = 0;
    async function* endless(): AsyncGenerator<Buffer> {
      yield Buffer.from('data: {"choices":[{"delta":{"content":"');
      for (;;) {
        sent += 65_536;
        yield Buffer.alloc(65_536, 'x');
      }
    }
    await expect(collect(endless())).rejects.toThrow(`over ${MAX_SSE_EVENT_BYTES} bytes`);
    expect(sent).toBeLessThanOrEqual(MAX_SSE_EVENT_BYTES + 65_536);
  });

  it('ends its source when the reader cancels', async () => {
    const source = Readable.from(reads(Buffer.from(event('x').repeat(10_000)), 100));
    const body = boundedSseBody(source);
    const reader = body.getReader();
    await reader.read();
    await reader.cancel();
    expect(source.destroyed).toBe(true);
  });
});
