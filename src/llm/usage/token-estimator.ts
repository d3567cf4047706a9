import { Injectable } from '@nestjs/common';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ChatMessage } from '../llm.types.js';

// Chat-format overhead per message and per reply, as in OpenAI's counting guide.
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_REPLY = 3;

/**
 * Longest run the encoder gets whole. Its byte-pair merge is quadratic in the length of a run
 * without spaces (3,000 CJK characters took 13 s, a 3 MB chunk over a minute), so longer runs
 * are cut here; ordinary words are far shorter and keep their exact count.
 */
export const MAX_RUN_CHARS = 32;
/** Whole runs go to the encoder in slices of at most this many characters, one call each. */
export const MAX_SLICE_CHARS = 2048;
/**
 * Encoder work one count may spend, in units of UTF-8 bytes² summed over runs (what the merge
 * costs) plus ENCODE_CALL_WORK per call: 30,000 characters of prose, or 700 of the worst
 * space-less script, about 15 ms of CPU. Past it the rest is estimated at the rate counted so
 * far.
 */
export const WORK_BUDGET = 200_000;
/** Work per slice, and between two yields to the event loop: a millisecond or two. */
export const WORK_PER_TURN = 10_000;
/** What one encoder call costs beyond its runs (it compiles its regexes each time). */
const ENCODE_CALL_WORK = 100;
/** The rate for text past the budget when nothing could be counted: prose averages 4 bytes. */
const BYTES_PER_TOKEN = 4;
/** Words whose tokens the encoder remembers (its default, 100,000, holds ~10 MB more). */
const MERGE_CACHE_WORDS = 10_000;
/** Special-token names (`<|endoftext|>`) in user text are ordinary text, not an error. */
const ORDINARY_TEXT = { disallowedSpecial: new Set<string>() };

type Encoding = typeof import('gpt-tokenizer/encoding/o200k_base').default;

/** A stretch of text the encoder can take in one call, and the work it costs. */
export interface EncoderSlice {
  start: number;
  end: number;
  bytes: number;
  work: number;
}

const WHITESPACE = /\s/u;

/** UTF-8 bytes of one UTF-16 code unit (a surrogate pair's four split over its two halves). */
const utf8Bytes = (code: number): number =>
  code < 0x80 ? 1 : code < 0x800 ? 2 : code >= 0xd800 && code <= 0xdfff ? 2 : 3;

/**
 * Cuts `text` into slices whose runs are at most MAX_RUN_CHARS long, each slice at most
 * MAX_SLICE_CHARS and WORK_PER_TURN. A run ends before a space that follows a non-space:
 * o200k_base's pre-tokenizer never joins across that point, so encoding the slices apart gives
 * the same tokens as the whole. A longer run is cut hard (never inside a surrogate pair) and
 * ends its slice, so the encoder cannot join it to what follows. Linear: a character is looked
 * at once, or twice when its run starts the next slice.
 */
export function* encoderSlices(text: string): Generator<EncoderSlice> {
  let start = 0;
  while (start < text.length) {
    let end = start;
    let bytes = 0;
    let work = ENCODE_CALL_WORK;
    while (end < text.length && end - start < MAX_SLICE_CHARS) {
      const limit = Math.min(text.length, end + MAX_RUN_CHARS);
      let runBytes = utf8Bytes(text.charCodeAt(end));
      let i = end + 1;
      while (i < limit && !(text[i] === ' ' && !WHITESPACE.test(text[i - 1]))) {
        runBytes += utf8Bytes(text.charCodeAt(i));
        i++;
      }
      const boundary = i === text.length || (text[i] === ' ' && !WHITESPACE.test(text[i - 1]));
      if (!boundary) {
        // A hard cut, never between the halves of a surrogate pair.
        const code = text.charCodeAt(i - 1);
        if (code >= 0xd800 && code <= 0xdbff && i - 1 > end) {
          i--;
          runBytes -= 2;
        }
      }
      const full = i - start > MAX_SLICE_CHARS || work + runBytes * runBytes > WORK_PER_TURN;
      if (end > start && full) break;
      end = i;
      bytes += runBytes;
      work += runBytes * runBytes;
      if (!boundary) break;
    }
    yield { start, end, bytes, work };
    start = end;
  }
}

/**
 * Token counts for when a provider reports no usage (providers are always asked for it with
 * `stream_options.include_usage`; the offline provider and a few upstreams never send it).
 *
 * Uses gpt-tokenizer (pure JS, no native build) with o200k_base, the GPT-4o/GPT-5 encoding:
 * exact for OpenAI models and within roughly 10-20% for Llama, Qwen or DeepSeek tokenizers,
 * which is good enough for quotas. It counts as js-tiktoken does, token for token, in a third of
 * the memory (~50 MiB against ~155 MiB resident) and a sixth of the CPU. Its rank table costs
 * ~0.7 s of CPU to load: `main.ts` loads it before the server listens (`warm`); elsewhere it is
 * loaded on first use.
 *
 * Counting is bounded whatever the input (see `encoderSlices` and `WORK_BUDGET`) and yields to
 * the event loop every WORK_PER_TURN, so a hostile message or chunk cannot stall the process.
 */
@Injectable()
export class TokenEstimator {
  private encoder?: Promise<Encoding>;

  /**
   * Loads the rank table now. The process entry calls it before listening, so the ~0.8 s load
   * never stalls a request; tests and benchmarks that build the app leave it lazy.
   */
  async warm(): Promise<void> {
    await this.load();
  }

  async count(text: string): Promise<number> {
    return text ? this.tally([text]) : 0;
  }

  async countMessages(messages: readonly ChatMessage[]): Promise<number> {
    const overhead = TOKENS_PER_REPLY + TOKENS_PER_MESSAGE * messages.length;
    return overhead + (await this.tally(messages.map((message) => message.content)));
  }

  /** Tokens of all `texts`, exact within one shared WORK_BUDGET, estimated past it. */
  private async tally(texts: readonly string[]): Promise<number> {
    const encoder = await this.load();
    let tokens = 0;
    let countedBytes = 0;
    let restBytes = 0;
    let work = 0;
    let turn = 0;
    for (const text of texts) {
      let counted = 0;
      if (work < WORK_BUDGET) {
        for (const slice of encoderSlices(text)) {
          if (work + slice.work > WORK_BUDGET) {
            work = WORK_BUDGET;
            break;
          }
          if (turn + slice.work > WORK_PER_TURN) {
            turn = 0;
            await nextTurn();
          }
          tokens += encoder.countTokens(text.slice(slice.start, slice.end), ORDINARY_TEXT);
          countedBytes += slice.bytes;
          work += slice.work;
          turn += slice.work;
          counted = slice.end;
        }
      }
      if (counted < text.length) restBytes += Buffer.byteLength(text.slice(counted));
    }
    if (restBytes === 0) return tokens;
    const rate = countedBytes > 0 ? tokens / countedBytes : 1 / BYTES_PER_TOKEN;
    return tokens + Math.ceil(restBytes * rate);
  }

  private load(): Promise<Encoding> {
    this.encoder ??= import('gpt-tokenizer/encoding/o200k_base').then(({ default: encoding }) => {
      encoding.setMergeCacheSize(MERGE_CACHE_WORDS);
      return encoding;
    });
    return this.encoder;
  }
}
