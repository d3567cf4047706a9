import type { Request, Response } from 'express';
import { strongEtag } from '../common/http/etag.js';
import { writeChunks } from '../common/http/write-chunks.js';

export { strongEtag };

/** If-None-Match against our ETag, compared weakly as RFC 9110 §13.1.2 asks. */
function notModified(req: Request, etag: string): boolean {
  const header = req.headers['if-none-match'];
  if (!header) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag));
}

export interface Cacheable {
  contentType: string;
  /** Seconds shared caches and crawlers may reuse the response without asking again. */
  maxAge: number;
}

function sendHeaders(req: Request, res: Response, etag: string, options: Cacheable): boolean {
  res.setHeader('Content-Type', options.contentType);
  res.setHeader('Cache-Control', `public, max-age=${options.maxAge}`);
  res.setHeader('ETag', etag);
  if (notModified(req, etag)) {
    res.status(304).end();
    return false;
  }
  return true;
}

/**
 * Sends a body with Cache-Control and a strong ETag (its hash, computed here unless the body
 * comes with it), or a 304 when it matches.
 */
export function sendCacheable(
  req: Request,
  res: Response,
  body: string | { body: string; etag: string },
  options: Cacheable,
): void {
  const { body: text, etag } = typeof body === 'string' ? { body, etag: strongEtag(body) } : body;
  if (sendHeaders(req, res, etag, options)) res.status(200).send(text);
}

/**
 * Streams a body too large to hold in memory. Its ETag is computed up front from what the
 * body is built from (the caller's `etag`), since the body's own hash is known only at the end.
 * Memory stays flat however long the body is (writeChunks).
 */
export async function streamCacheable(
  req: Request,
  res: Response,
  etag: string,
  chunks: AsyncIterable<string>,
  options: Cacheable,
): Promise<void> {
  if (!sendHeaders(req, res, etag, options)) return;
  res.status(200);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await writeChunks(res, chunks);
}
