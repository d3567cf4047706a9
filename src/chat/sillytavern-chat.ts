/**
 * SillyTavern's chat file (`.jsonl`), read and written. As SillyTavern saves it
 * (public/script.js saveChat): the first line a header `{user_name, character_name,
 * create_date, chat_metadata}`, then one line per message `{name, is_user, is_system,
 * send_date, mes, extra}`; a character's message carries its alternatives in `swipes`, the
 * one shown in `swipe_id` (its text is `mes`), and each one's date in `swipe_info`.
 */
import { BadRequestException, PayloadTooLargeException } from '@nestjs/common';
import { parseJsonBounded } from '../common/validation/json-depth.js';
import { toMultiLine, toSingleLine } from '../common/validation/text-field.js';
import type { MessageRole } from './entities/message.entity.js';

/** A file above this is refused with 413 (the JSON body is bounded by BODY_LIMIT_BYTES first). */
export const CHAT_IMPORT_MAX_BYTES = 5 * 1024 * 1024;
/** Messages a file may hold (the header aside): the path a chat gets is this long at most. */
export const CHAT_IMPORT_MAX_LINES = 20_000;
/** Characters one line may have, its alternatives included. */
export const CHAT_IMPORT_MAX_LINE_LENGTH = 256 * 1024;
/** Messages and their alternatives (swipes) in all: the rows an import may write. */
export const CHAT_IMPORT_MAX_MESSAGES = 50_000;
/** The longest name a header's user_name gives the chat's persona. */
const MAX_NAME_LENGTH = 100;

/** SillyTavern's name for narrator lines (slash-commands.js NARRATOR_NAME_DEFAULT). */
export const SYSTEM_NAME = 'System';

export interface SillyTavernHeader {
  user_name: string;
  character_name: string;
  create_date: string;
  chat_metadata: Record<string, unknown>;
}

export interface SillyTavernSwipeInfo {
  send_date: string;
  extra: Record<string, unknown>;
}

export interface SillyTavernMessage {
  name: string;
  is_user: boolean;
  is_system: boolean;
  send_date: string;
  mes: string;
  extra: Record<string, unknown>;
  swipes?: string[];
  swipe_id?: number;
  swipe_info?: SillyTavernSwipeInfo[];
}

/** One alternative of an imported message: its text and, when the file says, its date. */
export interface ImportedAlternative {
  content: string;
  sentAt: Date | null;
}

/** One line of an imported chat: who spoke, its alternatives and the one shown. */
export interface ImportedTurn {
  role: MessageRole;
  alternatives: ImportedAlternative[];
  active: number;
}

export interface ImportedChat {
  /** The header's user_name: who the user played. */
  userName: string | null;
  createdAt: Date | null;
  turns: ImportedTurn[];
}

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

const utc = (...parts: number[]): Date | null => {
  const [year, month, day, hour = 0, minute = 0, second = 0, ms = 0] = parts;
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms));
  return Number.isNaN(date.getTime()) || year < 1970 || year > 9999 ? null : date;
};

/**
 * A `send_date` or `create_date` as SillyTavern writes them, read as UTC as SillyTavern's own
 * parser (utils.js parseTimestamp) reads the humanized ones: milliseconds since 1970, "June
 * 19, 2023 2:20pm", "2024-7-12@01h31m37s", "2024-6-5 @14h 56m 50s 682ms", or ISO 8601. Null
 * for anything else.
 */
export function parseSillyTavernDate(value: unknown): Date | null {
  if (typeof value === 'number' || (typeof value === 'string' && /^\d{1,15}$/.test(value))) {
    const date = new Date(Number(value));
    return Number.isFinite(Number(value)) && !Number.isNaN(date.getTime()) ? date : null;
  }
  if (typeof value !== 'string') return null;
  let match = /(\w+)\s(\d{1,2}),\s(\d{4})\s(\d{1,2}):(\d{1,2})(am|pm)/i.exec(value);
  if (match) {
    const month = MONTHS.indexOf(match[1].toLowerCase()) + 1;
    const hour = (Number(match[4]) % 12) + (match[6].toLowerCase() === 'pm' ? 12 : 0);
    return month ? utc(Number(match[3]), month, Number(match[2]), hour, Number(match[5])) : null;
  }
  match =
    /(\d{4})-(\d{1,2})-(\d{1,2}) @(\d{1,2})h (\d{1,2})m (\d{1,2})s (\d{1,3})ms/.exec(value) ??
    /(\d{4})-(\d{1,2})-(\d{1,2})@(\d{1,2})h(\d{1,2})m(\d{1,2})s/.exec(value);
  if (match) {
    const [, year, month, day, hour, minute, second, ms] = match;
    // "05ms" is 5 ms: SillyTavern pads milliseconds to two digits, and reads them padded to three.
    const millis = ms === undefined ? 0 : Number(ms.padStart(3, '0'));
    return utc(+year, +month, +day, +hour, +minute, +second, millis);
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(value)) {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? null : date;
  }
  return null;
}

/** SillyTavern's humanizedISO8601DateTime (src/util.js), in UTC: "2024-6-5 @14h 56m 50s 682ms". */
export function formatSillyTavernDate(date: Date): string {
  const two = (value: number) => String(value).padStart(2, '0');
  return (
    `${date.getUTCFullYear()}-${date.getUTCMonth() + 1}-${date.getUTCDate()} ` +
    `@${two(date.getUTCHours())}h ${two(date.getUTCMinutes())}m ${two(date.getUTCSeconds())}s ` +
    `${two(date.getUTCMilliseconds())}ms`
  );
}

/**
 * A chat file's text as its messages are read, a piece per batch: the header, then one JSON
 * value a line, no newline after the last (as SillyTavern saves).
 */
export async function* sillyTavernLines<Message>(
  header: SillyTavernHeader,
  batches: AsyncIterable<Message[]>,
  toLine: (message: Message) => SillyTavernMessage,
): AsyncGenerator<string> {
  yield JSON.stringify(header);
  for await (const batch of batches) {
    yield batch.map((message) => `\n${JSON.stringify(toLine(message))}`).join('');
  }
}

const refuse = (line: number, problem: string) =>
  new BadRequestException(`Line ${line}: ${problem}`);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Text from the file, storable and without control characters but line breaks. */
const cleanText = (text: string): string => toMultiLine(text.toWellFormed());

/**
 * Reads a SillyTavern chat file. Every problem is a 400 naming the line (numbered from 1, the
 * header included) or the limit; a file over CHAT_IMPORT_MAX_BYTES is a 413. The first line is
 * the header unless it is a message itself (has `mes`). A message is the user's (`is_user`),
 * a system line (`is_system`, or a narrator line), else the character's.
 */
export function parseSillyTavernChat(file: Buffer | string): ImportedChat {
  const size = typeof file === 'string' ? Buffer.byteLength(file) : file.length;
  if (size > CHAT_IMPORT_MAX_BYTES) {
    throw new PayloadTooLargeException(
      `The chat file is ${size.toLocaleString('en')} bytes; the limit is ` +
        `${CHAT_IMPORT_MAX_BYTES.toLocaleString('en')} bytes (5 MB)`,
    );
  }
  const text = (typeof file === 'string' ? file : file.toString('utf8')).replace(/^\uFEFF/, '');
  const chat: ImportedChat = { userName: null, createdAt: null, turns: [] };
  let firstLine = true;
  let messages = 0;
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const number = index + 1;
    if (!raw.trim()) continue;
    if (raw.length > CHAT_IMPORT_MAX_LINE_LENGTH) {
      throw refuse(
        number,
        `longer than ${CHAT_IMPORT_MAX_LINE_LENGTH.toLocaleString('en')} characters (the limit)`,
      );
    }
    let value: unknown;
    try {
      value = parseJsonBounded(raw, `Line ${number}`);
    } catch (error) {
      if (error instanceof SyntaxError) throw refuse(number, `not valid JSON (${error.message})`);
      throw error;
    }
    if (!isObject(value)) throw refuse(number, 'expected a JSON object');
    if (firstLine && !('mes' in value)) {
      firstLine = false;
      readHeader(value, chat);
      continue;
    }
    firstLine = false;
    if (chat.turns.length === CHAT_IMPORT_MAX_LINES) {
      throw refuse(
        number,
        `the chat has more than ${CHAT_IMPORT_MAX_LINES.toLocaleString('en')} messages (the limit)`,
      );
    }
    const turn = readMessage(value, number);
    messages += turn.alternatives.length;
    if (messages > CHAT_IMPORT_MAX_MESSAGES) {
      throw refuse(
        number,
        `the chat has more than ${CHAT_IMPORT_MAX_MESSAGES.toLocaleString('en')} messages and ` +
          'swipes in all (the limit)',
      );
    }
    chat.turns.push(turn);
  }
  if (chat.turns.length === 0) {
    throw new BadRequestException('The chat file has no messages (a header line at most)');
  }
  return chat;
}

function readHeader(header: Record<string, unknown>, chat: ImportedChat): void {
  if (typeof header.user_name === 'string') {
    const name = toSingleLine(header.user_name.toWellFormed()).slice(0, MAX_NAME_LENGTH);
    chat.userName = name || null;
  }
  chat.createdAt = parseSillyTavernDate(header.create_date);
}

function readMessage(line: Record<string, unknown>, number: number): ImportedTurn {
  const mes = line.mes;
  if (typeof mes !== 'string') throw refuse(number, 'mes must be a string');
  const extra = isObject(line.extra) ? line.extra : {};
  const role: MessageRole = line.is_user
    ? 'user'
    : line.is_system || extra.type === 'narrator'
      ? 'system'
      : 'assistant';
  const sentAt = parseSillyTavernDate(line.send_date);
  const swipes = line.swipes;
  if (swipes === undefined || swipes === null || (Array.isArray(swipes) && swipes.length === 0)) {
    return { role, alternatives: [{ content: cleanText(mes), sentAt }], active: 0 };
  }
  if (!Array.isArray(swipes) || swipes.some((swipe) => typeof swipe !== 'string')) {
    throw refuse(number, 'swipes must be an array of strings');
  }
  const active = line.swipe_id ?? 0;
  if (!Number.isInteger(active) || (active as number) < 0 || (active as number) >= swipes.length) {
    throw refuse(number, `swipe_id must be an integer from 0 to ${swipes.length - 1}`);
  }
  const info = Array.isArray(line.swipe_info) ? line.swipe_info : [];
  return {
    role,
    // The one shown is `mes`, which SillyTavern keeps equal to its swipe.
    alternatives: (swipes as string[]).map((swipe, i) => ({
      content: cleanText(i === active ? mes : swipe),
      sentAt: (isObject(info[i]) && parseSillyTavernDate(info[i].send_date)) || sentAt,
    })),
    active: active as number,
  };
}
