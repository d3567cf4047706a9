import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';

import { fakeEmbedding, startFakeLlm } from './support/fake-llm.js';
import type { FakeLlm } from './support/fake-llm.js';

describe('fake LLM upstream (through the openai SDK)', () => {
  let fake: FakeLlm;
  let client: OpenAI;

  beforeAll(async () => {
    fake = await startFakeLlm();
    client = new OpenAI({ baseURL: fake.baseURL, apiKey: 'test', maxRetries: 0 });
  });

  afterEach(() => fake.reset());

  afterAll(() => fake.close());

  const messages = [{ role: 'user' as const, content: 'Say hello to me' }];

  it('streams the default reply token by token, with a usage chunk when asked', async () => {
    const stream = await client.chat.completions.create({
      model: 'fake-model',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
    const contents = chunks.flatMap((c) => c.choices.map((choice) => choice.delta.content ?? ''));
    expect(contents.filter(Boolean)).toEqual(['Hello', ' from', ' the', ' fake', ' model', '.']);
    expect(chunks.at(-2)?.choices[0].finish_reason).toBe('stop');
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toEqual({ prompt_tokens: 4, completion_tokens: 6, total_tokens: 10 });
    expect(
      chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === 'fake-model'),
    ).toBe(true);
  });

  it('omits the usage chunk without stream_options.include_usage', async () => {
    const stream = await client.chat.completions.create({ model: 'm', messages, stream: true });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(chunks.at(-1)?.choices[0].finish_reason).toBe('stop');
    expect(chunks.some((c) => c.usage)).toBe(false);
  });

  it('answers a non-streamed completion with full content, usage and the echoed model', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-echo', messages });

    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('gpt-echo');
    expect(completion.choices[0].message).toMatchObject({
      role: 'assistant',
      content: 'Hello from the fake model.',
    });
    expect(completion.choices[0].finish_reason).toBe('stop');
    expect(completion.usage).toEqual({ prompt_tokens: 4, completion_tokens: 6, total_tokens: 10 });
  });

  it('consumes scripted replies in order, then falls back to the default', async () => {
    fake.script(
      { content: 'First reply here' },
      { tokens: ['Sec', 'ond'], model: 'override', usage: { prompt_tokens: 99 } },
    );
    const ask = () => client.chat.completions.create({ model: 'fake-model', messages });

    const first = await ask();
    expect(first.choices[0].message.content).toBe('First reply here');
    expect(first.usage?.completion_tokens).toBe(3);
    const second = await ask();
    expect(second.choices[0].message.content).toBe('Second');
    expect(second.model).toBe('override');
    expect(second.usage).toEqual({ prompt_tokens: 99, completion_tokens: 2, total_tokens: 6 });
    expect((await ask()).choices[0].message.content).toBe('Hello from the fake model.');
  });

  it('splits scripted content into word tokens with spaces attached', async () => {
    fake.script({ content: 'One two  three' });
    const stream = await client.chat.completions.create({ model: 'm', messages, stream: true });
    const tokens: string[] = [];
    for await (const chunk of stream) {
      const content = chunk.choices[0]?.delta.content;
      if (content) tokens.push(content);
    }

    expect(tokens).toEqual(['One', ' two', '  three']);
  });

  it.each([429, 402, 500])('surfaces a scripted %i as OpenAI.APIError', async (status) => {
    fake.script({ fault: 'status', status });
    const error = await client.chat.completions
      .create({ model: 'fake-model', messages })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(status);
    expect((error as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({
      message: expect.any(String),
      type: expect.any(String),
    });
  });

  it('lets a request matcher answer by model name, ahead of the script', async () => {
    fake.onRequest((req) =>
      req.body?.model === 'bad-model' ? { fault: 'status', status: 500 } : undefined,
    );
    fake.script({ content: 'scripted' });

    await expect(
      client.chat.completions.create({ model: 'bad-model', messages }),
    ).rejects.toMatchObject({ status: 500 });
    const ok = await client.chat.completions.create({ model: 'good-model', messages });
    expect(ok.choices[0].message.content).toBe('scripted');
  });

  it('drops the connection mid-stream so SDK iteration throws after n tokens', async () => {
    fake.script({ fault: 'drop', afterTokens: 2 });
    const stream = await client.chat.completions.create({ model: 'm', messages, stream: true });
    const tokens: string[] = [];

    await expect(
      (async () => {
        for await (const chunk of stream) {
          const content = chunk.choices[0]?.delta.content;
          if (content) tokens.push(content);
        }
      })(),
    ).rejects.toThrow();
    expect(tokens).toEqual(['Hello', ' from']);
    expect(fake.abortedCount).toBe(0);
  });

  it('stalls until the SDK timeout fires', async () => {
    fake.script({ fault: 'stall' });
    const started = Date.now();

    // Outside Jest this is an APIConnectionTimeoutError; under Jest's VM realm the SDK's
    // castToError drops the AbortError name, so only the base class is reliable here.
    await expect(
      client.chat.completions.create({ model: 'm', messages }, { timeout: 200 }),
    ).rejects.toBeInstanceOf(OpenAI.APIConnectionError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    await fake.waitForAborted(1);
  });

  it('counts a client abort via AbortController as an aborted upstream request', async () => {
    fake.script({ tokens: Array.from({ length: 50 }, (_, i) => ` t${i}`), tokenIntervalMs: 20 });
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'm', messages, stream: true },
      { signal: controller.signal },
    );

    let received = 0;
    // The SDK ends the iteration quietly (no throw) when its request is aborted.
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content && ++received === 3) controller.abort();
    }

    expect(received).toBe(3);
    await fake.waitForAborted(1);
    expect(fake.abortedCount).toBe(1);
  });

  it('paces tokens with firstTokenDelayMs and tokenIntervalMs', async () => {
    fake.script({ tokens: ['a', 'b', 'c'], firstTokenDelayMs: 100, tokenIntervalMs: 50 });
    const started = Date.now();
    const stream = await client.chat.completions.create({ model: 'm', messages, stream: true });
    const arrivals: number[] = [];
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) arrivals.push(Date.now() - started);
    }

    expect(arrivals).toHaveLength(3);
    expect(arrivals[0]).toBeGreaterThanOrEqual(90);
    expect(arrivals[2] - arrivals[0]).toBeGreaterThanOrEqual(90);
  });

  it('injects reproducible random faults', async () => {
    fake.setRandomFaults({ rate: 1, kinds: ['status500'], seed: 42 });
    await expect(client.chat.completions.create({ model: 'm', messages })).rejects.toMatchObject({
      status: 500,
    });
    fake.setRandomFaults({ rate: 0, kinds: ['status500'] });
    await expect(client.chat.completions.create({ model: 'm', messages })).resolves.toBeDefined();
  });

  it('lists models, configurable and as a bare array like Together AI', async () => {
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toEqual([
      'fake-model',
      'fake-model-mini',
      'fake-model-large',
    ]);
    expect(page.data[0]).toMatchObject({ object: 'model', owned_by: 'fake-llm' });

    fake.setModels(
      [
        { id: 'chat-1', type: 'chat' },
        { id: 'img-1', type: 'image' },
      ],
      {
        bareArray: true,
      },
    );
    const response = await fetch(`${fake.url}/models`);
    expect(await response.json()).toEqual([
      expect.objectContaining({ id: 'chat-1', object: 'model', type: 'chat' }),
      expect.objectContaining({ id: 'img-1', object: 'model', type: 'image' }),
    ]);
  });

  it('accepts chat completions without the /v1 prefix and 404s unknown routes', async () => {
    const unprefixed = new OpenAI({ baseURL: fake.url, apiKey: 'test', maxRetries: 0 });
    const completion = await unprefixed.chat.completions.create({ model: 'm', messages });
    expect(completion.choices[0].message.content).toBe('Hello from the fake model.');

    const response = await fetch(`${fake.baseURL}/audio/speech`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('records every request with the body the SDK sent', async () => {
    fake.script({ fault: 'status', status: 429 });
    await client.chat.completions.create({ model: 'fake-model', messages }).catch(() => undefined);
    await client.chat.completions.create({ model: 'other', messages, temperature: 0.5 });

    const requests = await fake.waitForRequests(2);
    expect(requests).toHaveLength(2);
    expect(requests[0]).toMatchObject({
      method: 'POST',
      path: '/v1/chat/completions',
      body: { model: 'fake-model', messages },
    });
    expect(requests[0].headers.authorization).toBe('Bearer test');
    expect(requests[1].body).toMatchObject({ model: 'other', temperature: 0.5 });
    expect(requests[1].time).toBeGreaterThanOrEqual(requests[0].time);
  });

  it('generates a default reply of tokenCount tokens', async () => {
    const sized = await startFakeLlm({ tokenCount: 3 });
    try {
      const sdk = new OpenAI({ baseURL: sized.baseURL, apiKey: 'test', maxRetries: 0 });
      const completion = await sdk.chat.completions.create({ model: 'm', messages });
      expect(completion.choices[0].message.content).toBe(' tok1 tok2 tok3');
    } finally {
      await sized.close();
    }
  });

  it('embeds deterministically, as floats or base64, scripted per input, or faults', async () => {
    const floats = await client.embeddings.create({
      model: 'fake-embedding',
      input: ['a lantern', 'a boat'],
      encoding_format: 'float',
    });
    expect(floats.data.map((item) => item.embedding)).toEqual([
      fakeEmbedding('a lantern'),
      fakeEmbedding('a boat'),
    ]);
    expect(fakeEmbedding('a lantern')).toHaveLength(8);
    expect(fakeEmbedding('a lantern')).not.toEqual(fakeEmbedding('a boat'));
    // The SDK's default asks for base64 and decodes it.
    const decoded = await client.embeddings.create({ model: 'm', input: 'a lantern' });
    expect(decoded.data[0].embedding.map((value) => value.toFixed(4))).toEqual(
      fakeEmbedding('a lantern').map((value) => value.toFixed(4)),
    );

    fake.onEmbedding((inputs) =>
      inputs.includes('fail') ? { fault: 'status', status: 500 } : undefined,
    );
    fake.onEmbedding(() => ({ vector: (input) => [input.length, 0] }));
    const scripted = await client.embeddings.create({
      model: 'm',
      input: ['abc', 'de'],
      encoding_format: 'float',
    });
    expect(scripted.data.map((item) => item.embedding)).toEqual([
      [3, 0],
      [2, 0],
    ]);
    await expect(client.embeddings.create({ model: 'm', input: ['fail'] })).rejects.toMatchObject({
      status: 500,
    });
    expect(fake.requests.map((request) => request.path)).toEqual(Array(4).fill('/v1/embeddings'));
  });
});
