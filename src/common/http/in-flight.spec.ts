import { afterEach, describe, expect, it } from '@jest/globals';
import express from 'express';
import { Agent, request, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { InFlightRequests } from './in-flight.js';

describe('InFlightRequests', () => {
  let server: Server;

  afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function serve(inFlight: InFlightRequests, delayMs: number): Promise<string> {
    const app = express();
    app.use(inFlight.middleware);
    app.get('/slow', (_req, res) => {
      setTimeout(() => res.json({ done: true }), delayMs);
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('waits for a request in flight before draining', async () => {
    const inFlight = new InFlightRequests();
    const url = await serve(inFlight, 150);
    const response = fetch(`${url}/slow`);
    while (inFlight.size === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await inFlight.drain(5000)).toBe(true);
    expect(inFlight.size).toBe(0);
    expect(await (await response).json()).toEqual({ done: true });
  });

  it('gives up at the deadline while a request is still open', async () => {
    const inFlight = new InFlightRequests();
    const url = await serve(inFlight, 400);
    const response = fetch(`${url}/slow`);
    while (inFlight.size === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await inFlight.drain(50)).toBe(false);
    await response;
    expect(inFlight.size).toBe(0);
  });

  it('drains at once when idle', async () => {
    expect(await new InFlightRequests().drain(10)).toBe(true);
  });

  it('closes every keep-alive connection after its response once draining', async () => {
    const inFlight = new InFlightRequests();
    const app = express();
    app.use(inFlight.middleware);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    app.get('/fast', (_req, res) => res.json({ ok: true }));
    app.get('/slow', (_req, res) => void released.then(() => res.json({ done: true })));
    app.get('/stream', (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('started');
      void released.then(() => res.end(' ended'));
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const port = (server.address() as AddressInfo).port;
    const agent = new Agent({ keepAlive: true });
    const get = (path: string) =>
      new Promise<{ connection?: string; body: string; socket: Socket }>((resolve, reject) => {
        const req = request({ port, host: '127.0.0.1', path, agent }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () =>
            resolve({ connection: res.headers.connection, body, socket: req.socket! }),
          );
        });
        req.on('error', reject);
        req.end();
      });
    try {
      expect((await get('/fast')).connection).toBe('keep-alive');
      const slow = get('/slow');
      const stream = get('/stream');
      while (inFlight.size < 2) await new Promise((resolve) => setTimeout(resolve, 5));

      inFlight.stopKeepingAlive();
      expect((await get('/fast')).connection).toBe('close');
      release();
      // Busy when the drain began: the one whose headers had not gone out says so, the
      // stream's connection is closed once it is complete.
      expect((await slow).connection).toBe('close');
      const streamed = await stream;
      expect(streamed.body).toBe('started ended');
      await new Promise((resolve) =>
        streamed.socket.destroyed ? resolve(undefined) : streamed.socket.once('close', resolve),
      );
    } finally {
      agent.destroy();
    }
  });
});
