import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { nodeHttpFetch } from '../../src/llm/providers/node-http-fetch.js';

/** What the server saw of the last request. */
let seen: { method?: string; headers?: IncomingMessage['headers']; body?: string } = {};
let closedEarly = 0;

function handle(req: IncomingMessage, res: ServerResponse): void {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (body += chunk));
  req.on('end', () => {
    seen = { method: req.method, headers: req.headers, body };
    if (req.url === '/odd') {
      res.writeHead(999).end('?');
    } else if (req.url === '/empty') {
      res.writeHead(204).end();
    } else if (req.url === '/slow') {
      // Headers and a first chunk, then nothing until the client gives up.
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n');
      res.on('close', () => closedEarly++);
    } else if (req.url === '/never') {
      res.on('close', () => closedEarly++);
    } else {
      res.writeHead(201, { 'content-type': 'application/json', 'x-twice': ['a', 'b'] });
      res.end(JSON.stringify({ echo: body }));
    }
  });
}

describe('nodeHttpFetch', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer(handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends the method, headers and body, and answers with status, headers and body', async () => {
    const response = await nodeHttpFetch(`${base}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
      body: '{"a":"ü"}',
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-twice')).toBe('a, b');
    expect(await response.json()).toEqual({ echo: '{"a":"ü"}' });
    expect(seen.method).toBe('POST');
    expect(seen.headers).toMatchObject({ authorization: 'Bearer k', 'content-length': '10' });
  });

  it('answers a 204 with an empty body', async () => {
    const response = await nodeHttpFetch(`${base}/empty`);
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
  });

  it('rejects a status fetch cannot represent instead of throwing out of the socket', async () => {
    await expect(nodeHttpFetch(`${base}/odd`)).rejects.toThrow(/range of 200 to 599/);
    // The pool is still usable.
    expect((await nodeHttpFetch(`${base}/empty`)).status).toBe(204);
  });

  it('rejects with the abort reason when aborted before the response, and closes the request', async () => {
    const controller = new AbortController();
    const before = closedEarly;
    const pending = nodeHttpFetch(`${base}/never`, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('gave up')), 50);
    await expect(pending).rejects.toThrow('gave up');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closedEarly).toBe(before + 1);
  });

  it('fails the body stream when aborted in the middle of it', async () => {
    const controller = new AbortController();
    const response = await nodeHttpFetch(`${base}/slow`, { signal: controller.signal });
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: one\n\n');
    controller.abort();
    await expect(reader.read()).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('rejects at once when the signal is already aborted', async () => {
    await expect(
      nodeHttpFetch(`${base}/echo`, { signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('leaves Request objects to the built-in fetch', async () => {
    const response = await nodeHttpFetch(
      new Request(`${base}/echo`, { method: 'POST', body: 'x' }),
    );
    expect(await response.json()).toEqual({ echo: 'x' });
  });
});
