import type { Response } from 'express';

/** Something that produces server-sent events: what happened so far first, then live ones. */
export interface SseSource<E extends object> {
  /**
   * Calls `send` with every event (the ones already produced first) and `end` once the
   * source is finished; returns a function that stops the calls (the client went away).
   * An event sent with an `id` goes out with an `id:` line, which a browser's EventSource
   * sends back as `Last-Event-ID` when it reconnects.
   */
  subscribe(send: (event: E, id?: string) => void, end: () => void): () => void;
  /**
   * Called once when the response is over, also when the client left before `subscribe`
   * was: gives back what the source holds for this one client (a follower slot).
   */
  close?(): void;
}

/** Proxies and browsers drop a silent connection; a comment line every 15 s keeps it open. */
const KEEPALIVE_MS = 15_000;
/**
 * Events closer than this to the previous write wait for the next one: one write (a syscall)
 * for several tokens of a fast model, while a token is never held back longer than this.
 */
const COALESCE_MS = 50;

/** Bytes a client may leave unread before its stream is cut. */
const MAX_UNREAD_BYTES = 1024 * 1024;

/** Streams open in this process (a metric): one app serves one process in production. */
let openStreams = 0;
export const openSseStreams = (): number => openStreams;

/**
 * Answers a request with `text/event-stream`, one `data: <json>` event per source event
 * (after an `id:` line when the source gives the event an id). An
 * event goes out at once unless one was written less than COALESCE_MS ago; the last one
 * always goes out at once. For POST routes too (Nest's `@Sse()` is GET-only), so the handler
 * takes `@Res()` and hands the response over here once it has validated everything: errors
 * before this point still get the usual JSON error body.
 */
export function streamSse<E extends object>(res: Response, source: SseSource<E>): void {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  // nginx buffers proxied responses unless told not to.
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  // The client may have gone while the handler was still working: nobody to stream to.
  if (res.destroyed) return source.close?.();
  if (source.close) res.once('close', () => source.close!());

  let open = true;
  openStreams++;
  let subscribed = false;
  let pending = '';
  let lastWrite = -Infinity;
  let flushTimer: NodeJS.Timeout | undefined;
  const flush = () => {
    flushTimer = undefined;
    lastWrite = performance.now();
    res.write(pending);
    pending = '';
    // A client that stops reading would have the whole reply buffered here: let it go (the
    // reply goes on, and can be followed again).
    if (res.writableLength > MAX_UNREAD_BYTES) res.destroy();
  };
  const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
  keepalive.unref();
  const close = () => {
    if (!open) return;
    open = false;
    openStreams--;
    clearInterval(keepalive);
    clearTimeout(flushTimer);
    if (subscribed) unsubscribe();
  };
  res.once('close', close);
  const unsubscribe = source.subscribe(
    (event, id) => {
      if (!open) return;
      // An id is the source's own (digits, no line breaks): written as it is.
      if (id !== undefined) pending += `id: ${id}\n`;
      pending += `data: ${JSON.stringify(event)}\n\n`;
      if (flushTimer) return;
      const wait = lastWrite + COALESCE_MS - performance.now();
      if (wait <= 0) flush();
      else flushTimer = setTimeout(flush, wait);
    },
    () => {
      const rest = pending;
      close();
      res.end(rest);
    },
  );
  subscribed = true;
  // A finished source replays and ends within subscribe(), before it returned.
  if (!open) unsubscribe();
}
