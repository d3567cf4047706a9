import { setImmediate as nextTurn } from 'node:timers/promises';
import { textPieces, UPSTREAM_PIECE_CHARS } from '../output/text-pieces.js';

/**
 * The openai SDK frames a stream by copying and rescanning everything it holds for every read
 * (`iterSSEChunks`), so one big event arriving in many reads costs time quadratic in its size:
 * a 3 MB delta in 16 KB reads took 1.4 s, on the event loop. What the SDK reads is therefore
 * regrouped here, in one linear pass: whole events only (each read ends where an event ends),
 * at most BATCH_BYTES of small events per read, and an event over SPLIT_EVENT_BYTES whose
 * delta text is longer than UPSTREAM_PIECE_CHARS re-emitted as several events of bounded text,
 * one per event-loop turn. The bytes of everything else pass through untouched.
 */

/** Small events are handed to the SDK in reads of at most this (it copies the rest per event). */
const BATCH_BYTES = 16 * 1024;
/** Events bigger than this are parsed, to split their text. */
const SPLIT_EVENT_BYTES = 64 * 1024;
/**
 * An event is never buffered beyond this: a bigger one fails the stream (a reply is cut long
 * before, at 16 characters per token of max_tokens, so no real reply comes near it).
 */
export const MAX_SSE_EVENT_BYTES = 8 * 1024 * 1024;

/** The fields of a chat-completion delta that carry text. */
const TEXT_FIELDS = ['reasoning_content', 'reasoning', 'content'] as const;

export class SseEventTooLargeError extends Error {
  constructor() {
    super(`the upstream sent an event over ${MAX_SSE_EVENT_BYTES} bytes`);
  }
}

/** Event terminators, as the SDK knows them: `\n\n`, `\r\r`, `\r\n\r\n`. */
const TERMINATORS = ['\n\n', '\r\r', '\r\n\r\n'].map((text) => Buffer.from(text));

/**
 * Finds event ends in a buffer from left to right in one pass per terminator: each pattern's
 * next position is looked up again only once the search has passed it.
 */
class EventEnds {
  private readonly next = TERMINATORS.map(() => -2);

  constructor(private readonly buffer: Buffer) {}

  /** The end (exclusive) of the first event that starts at or after `from`, or -1. */
  after(from: number): number {
    let best = -1;
    TERMINATORS.forEach((pattern, i) => {
      if (this.next[i] === -1) return;
      if (this.next[i] < from) this.next[i] = this.buffer.indexOf(pattern, from);
      const end = this.next[i] === -1 ? -1 : this.next[i] + pattern.length;
      if (end !== -1 && (best === -1 || end < best)) best = end;
    });
    return best;
  }
}

/** Where the last complete event in `buffer` ends (0: none). */
function lastEventEnd(buffer: Buffer): number {
  let last = 0;
  for (const pattern of TERMINATORS) {
    const at = buffer.lastIndexOf(pattern);
    if (at !== -1) last = Math.max(last, at + pattern.length);
  }
  return last;
}

interface ChunkShape {
  choices: Array<{ delta?: Record<string, unknown>; finish_reason?: unknown }>;
  usage?: unknown;
}

/**
 * One event as several whose delta texts are at most UPSTREAM_PIECE_CHARS long, in order; the
 * finish reason and usage go with the last one, other delta fields (the role) with the first.
 * Undefined when it is not a single-choice chat-completion chunk with long text, or carries
 * fields besides `data` (named events, ids): those pass as they are.
 */
function splitEvent(event: Buffer): Generator<Buffer> | undefined {
  const lines = event.toString('utf8').split(/\r\n|\r|\n/);
  const data: string[] = [];
  for (const line of lines) {
    if (line === '' || line.startsWith(':')) continue;
    if (!line.startsWith('data:')) return undefined;
    data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
  }
  let chunk: ChunkShape;
  try {
    chunk = JSON.parse(data.join('\n')) as ChunkShape;
  } catch {
    return undefined;
  }
  const choice = Array.isArray(chunk?.choices) && chunk.choices.length === 1 && chunk.choices[0];
  const delta = choice && typeof choice.delta === 'object' ? choice.delta : undefined;
  if (!choice || !delta) return undefined;
  const texts = TEXT_FIELDS.filter((field) => typeof delta[field] === 'string');
  if (!texts.some((field) => (delta[field] as string).length > UPSTREAM_PIECE_CHARS)) {
    return undefined;
  }
  return (function* () {
    const rest = Object.fromEntries(
      Object.entries(delta).filter(([field]) => !texts.includes(field as never)),
    );
    const pieces = texts.flatMap((field) =>
      [...textPieces(delta[field] as string)].map((text) => ({ [field]: text })),
    );
    for (const [i, piece] of pieces.entries()) {
      const last = i === pieces.length - 1;
      const { usage: _usage, ...withoutUsage } = chunk;
      const out = {
        ...(last ? chunk : withoutUsage),
        choices: [
          {
            ...choice,
            delta: i === 0 ? { ...rest, ...piece } : piece,
            finish_reason: last ? (choice.finish_reason ?? null) : null,
          },
        ],
      };
      yield Buffer.from(`data: ${JSON.stringify(out)}\n\n`);
    }
  })();
}

/**
 * Regroups an SSE byte stream as described above. Reads only as fast as it is read
 * (backpressure on the socket); an event over MAX_SSE_EVENT_BYTES fails it.
 */
export async function* boundedSseEvents(source: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  let held: Buffer[] = [];
  let heldBytes = 0;
  // The last bytes already held: a terminator may straddle two reads.
  const seam = (): Buffer =>
    Buffer.concat(held.slice(-3).map((piece) => piece.subarray(-3))).subarray(-3);
  for await (const read of source) {
    const bytes = Buffer.isBuffer(read) ? read : Buffer.from(read);
    const before = held.length > 0 ? seam() : undefined;
    const end = before
      ? lastEventEnd(Buffer.concat([before, bytes])) - before.length
      : lastEventEnd(bytes);
    if (end <= 0) {
      held.push(bytes);
      heldBytes += bytes.length;
      if (heldBytes > MAX_SSE_EVENT_BYTES) throw new SseEventTooLargeError();
      continue;
    }
    const complete =
      held.length > 0 ? Buffer.concat([...held, bytes.subarray(0, end)]) : bytes.subarray(0, end);
    held = end < bytes.length ? [bytes.subarray(end)] : [];
    heldBytes = bytes.length - end;
    yield* regroup(complete);
  }
  if (heldBytes > 0) yield Buffer.concat(held);
}

/** Complete events: small ones batched, big ones split (a turn of the event loop per piece). */
async function* regroup(events: Buffer): AsyncGenerator<Buffer> {
  if (events.length <= BATCH_BYTES) {
    yield events;
    return;
  }
  const ends = new EventEnds(events);
  let batchStart = 0;
  let start = 0;
  while (start < events.length) {
    const found = ends.after(start);
    const end = found === -1 ? events.length : found;
    const size = end - start;
    if (size > MAX_SSE_EVENT_BYTES) throw new SseEventTooLargeError();
    const pieces = size > SPLIT_EVENT_BYTES ? splitEvent(events.subarray(start, end)) : undefined;
    if (pieces || end - batchStart > BATCH_BYTES) {
      if (start > batchStart) yield events.subarray(batchStart, start);
      batchStart = start;
    }
    if (pieces) {
      for (const piece of pieces) {
        yield piece;
        await nextTurn();
      }
      batchStart = end;
    } else if (size > BATCH_BYTES) {
      yield events.subarray(start, end);
      batchStart = end;
      await nextTurn();
    }
    start = end;
  }
  if (batchStart < events.length) yield events.subarray(batchStart);
}

/** A web stream of `source` regrouped, pulled only as the SDK reads; cancelling ends `source`. */
export function boundedSseBody(
  source: AsyncIterable<Uint8Array> & { destroy(error?: Error): void },
): ReadableStream<Uint8Array> {
  const events = boundedSseEvents(source);
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { value, done } = await events.next();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel() {
        source.destroy();
        events.return(undefined).catch(() => undefined);
      },
    },
    { highWaterMark: 0 },
  );
}
