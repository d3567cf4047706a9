import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { boundedSseBody } from './sse-body.js';

/**
 * Connections to the providers stay open between requests (one pool per protocol); an idle
 * one is closed after 4 s (undici's default), before a provider's load balancer drops it.
 */
const agents = {
  'http:': new http.Agent({ keepAlive: true, timeout: 4_000 }),
  'https:': new https.Agent({ keepAlive: true, timeout: 4_000 }),
} as const;

/** Statuses whose Response may not have a body. */
const NO_BODY = new Set([101, 204, 205, 304]);

const abortError = (signal: AbortSignal): unknown =>
  signal.reason ?? new DOMException('This operation was aborted', 'AbortError');

/**
 * The `fetch` the openai SDK calls, on node:http instead of Node's built-in fetch (undici).
 * Measured against the same upstream, undici's fetch costs ~1.5 ms of CPU per streamed reply
 * more and adds ~0.5 ms to the first token (bench/README.md), on the path every chat reply
 * takes. It covers what the SDK asks of fetch: a method, headers, a string or byte body, an
 * abort signal, and a streamed body. Redirects are not followed and nothing is decompressed
 * (no Accept-Encoding is sent); other bodies go to the built-in fetch. An event stream's body
 * is regrouped into whole, bounded events for the SDK (`boundedSseBody`).
 */
export function nodeHttpFetch(input: string | URL | Request, init: RequestInit = {}) {
  const body = init.body;
  const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
  const agent = agents[url.protocol as keyof typeof agents];
  const plainBody = body == null || typeof body === 'string' || body instanceof Uint8Array;
  if (input instanceof Request || !agent || !plainBody) {
    return fetch(input, init);
  }
  const signal = init.signal ?? undefined;
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, name) => (headers[name] = value));
  if (body != null) headers['content-length'] = String(Buffer.byteLength(body));
  const send = (retry: boolean): Promise<Response> =>
    new Promise<Response>((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal));
      const request = (url.protocol === 'https:' ? https : http).request(url, {
        method: init.method ?? 'GET',
        headers,
        agent,
      });
      let received: http.IncomingMessage | undefined;
      // Before the response: fetch rejects; after: its body stream fails, with the reason.
      const onAbort = () => {
        const reason = abortError(signal!) as Error;
        received?.destroy(reason);
        request.destroy(reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      request.once('close', () => signal?.removeEventListener('abort', onAbort));
      request.on('error', (error: NodeJS.ErrnoException) => {
        // A kept-alive connection the server closed just as it was reused: the request never
        // reached it, so it is sent again once, on a new connection (as Node's docs advise).
        if (retry && !received && request.reusedSocket && error.code === 'ECONNRESET') {
          resolve(send(false));
        } else {
          reject(error);
        }
      });
      request.once('response', (response) => {
        received = response;
        const responseHeaders = new Headers();
        for (const [name, value] of Object.entries(response.headers)) {
          if (value === undefined) continue;
          for (const item of Array.isArray(value) ? value : [value]) {
            responseHeaders.append(name, item);
          }
        }
        const status = response.statusCode ?? 500;
        const bodyless = NO_BODY.has(status);
        // Read to the end, so the connection goes back to the pool.
        if (bodyless) response.resume();
        try {
          resolve(
            new Response(
              bodyless
                ? null
                : response.headers['content-type']?.startsWith('text/event-stream')
                  ? boundedSseBody(response)
                  : (Readable.toWeb(response) as ReadableStream<Uint8Array>),
              { status, statusText: response.statusMessage, headers: responseHeaders },
            ),
          );
        } catch (error) {
          // A status fetch cannot represent (outside 200–599).
          response.destroy();
          reject(error);
        }
      });
      request.end(body ?? undefined);
    });
  return send(true);
}
