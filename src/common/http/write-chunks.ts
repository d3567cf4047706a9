import type { Response } from 'express';

/** Waits until the socket takes more data or goes away; leaves no listener behind. */
function drainedOrClosed(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Writes a body too large to hold in memory (headers already set) and ends it. Each write
 * waits for the socket to drain, so memory stays flat however long the body is, and nothing
 * more is read from `chunks` once the client has gone (its generator is returned, so its
 * `finally` runs at once). An error from `chunks` propagates: the exception filter cuts the
 * response then, so no client takes the part sent for the whole.
 */
export async function writeChunks(res: Response, chunks: AsyncIterable<string>): Promise<void> {
  for await (const chunk of chunks) {
    if (res.destroyed) return;
    if (!res.write(chunk)) await drainedOrClosed(res);
    if (res.destroyed) return;
  }
  res.end();
}
