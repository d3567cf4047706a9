import { afterEach, describe, expect, it } from '@jest/globals';
import express from 'express';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { streamSse } from './sse.js';

describe('streamSse', () => {
  let server: Server;

  afterEach(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );

  it("writes an event's id before its data, and none for an event without one", async () => {
    const app = express();
    app.get('/stream', (_req, res) =>
      streamSse<{ n: number }>(res, {
        subscribe: (send, end) => {
          send({ n: 1 }, '3');
          send({ n: 2 });
          end();
          return () => undefined;
        },
      }),
    );
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const port = (server.address() as AddressInfo).port;
    const body = await (await fetch(`http://127.0.0.1:${port}/stream`)).text();
    expect(body).toBe('id: 3\ndata: {"n":1}\n\ndata: {"n":2}\n\n');
  });

  it('cuts a client that stops reading instead of buffering the whole stream for it', async () => {
    let emit!: (event: { content: string }) => void;
    let unsubscribed = false;
    const app = express();
    app.get('/stream', (_req, res) =>
      streamSse(res, {
        subscribe: (send) => {
          emit = send;
          return () => (unsubscribed = true);
        },
      }),
    );
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const port = (server.address() as AddressInfo).port;
    const client = request({ port, host: '127.0.0.1', path: '/stream' });
    const response = await new Promise<import('node:http').IncomingMessage>((resolve) => {
      client.on('response', resolve);
      client.end();
    });
    response.pause(); // Never reads a byte.
    client.on('error', () => undefined);

    const token = { content: 'x'.repeat(256 * 1024) };
    for (let i = 0; i < 200 && !unsubscribed; i++) {
      emit(token);
      // Past the coalescing window, so each event is written at once.
      await new Promise((resolve) => setTimeout(resolve, 55));
    }
    expect(unsubscribed).toBe(true);
    response.destroy();
  }, 60_000);
});
