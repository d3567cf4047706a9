import { afterEach, describe, expect, it } from '@jest/globals';
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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
});
