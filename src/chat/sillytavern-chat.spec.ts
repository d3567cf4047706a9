import { describe, expect, it } from '@jest/globals';
import { HttpException } from '@nestjs/common';
import { snippetHtml } from './chat-search.service.js';
import { MARK_END, MARK_START } from './chat-search.repository.js';
import {
  CHAT_IMPORT_MAX_BYTES,
  CHAT_IMPORT_MAX_LINE_LENGTH,
  CHAT_IMPORT_MAX_LINES,
  formatSillyTavernDate,
  parseSillyTavernChat,
  parseSillyTavernDate,
  sillyTavernLines,
} from './sillytavern-chat.js';

/** Lines as SillyTavern saves a chat: one JSON value a line, no newline after the last. */
const toJsonl = (lines: readonly unknown[]): string =>
  lines.map((line) => JSON.stringify(line)).join('\n');

/** The status and message of what `parse` throws (JsonTooDeepError carries a status too). */
function refusal(parse: () => unknown): { status: number; message: string } {
  try {
    parse();
  } catch (error) {
    const status =
      error instanceof HttpException ? error.getStatus() : (error as { status: number }).status;
    return { status, message: (error as Error).message };
  }
  throw new Error('expected a refusal');
}

const header = {
  user_name: 'Alex',
  character_name: 'Mira',
  create_date: '2024-6-5 @14h 56m 50s 682ms',
  chat_metadata: {},
};
const line = (fields: Record<string, unknown>) => ({
  name: 'Mira',
  is_user: false,
  is_system: false,
  send_date: 'June 19, 2023 2:20pm',
  extra: {},
  ...fields,
});

describe('SillyTavern dates', () => {
  it('reads every form SillyTavern writes, as UTC, and nothing else', () => {
    expect(parseSillyTavernDate('June 19, 2023 2:20pm')?.toISOString()).toBe(
      '2023-06-19T14:20:00.000Z',
    );
    expect(parseSillyTavernDate('December 1, 2023 12:05am')?.toISOString()).toBe(
      '2023-12-01T00:05:00.000Z',
    );
    expect(parseSillyTavernDate('2024-7-12@01h31m37s')?.toISOString()).toBe(
      '2024-07-12T01:31:37.000Z',
    );
    expect(parseSillyTavernDate('2024-6-5 @14h 56m 50s 682ms')?.toISOString()).toBe(
      '2024-06-05T14:56:50.682Z',
    );
    expect(parseSillyTavernDate('2024-6-5 @14h 56m 50s 05ms')?.toISOString()).toBe(
      '2024-06-05T14:56:50.005Z',
    );
    expect(parseSillyTavernDate(1718000000000)?.toISOString()).toBe('2024-06-10T06:13:20.000Z');
    expect(parseSillyTavernDate('2024-06-10T06:13:20.000Z')?.toISOString()).toBe(
      '2024-06-10T06:13:20.000Z',
    );
    for (const junk of ['yesterday', '', null, undefined, {}, 'Smarch 3, 2023 1:00pm', 1e20]) {
      expect(parseSillyTavernDate(junk)).toBeNull();
    }
  });

  it('writes the humanized form, which reads back to the same millisecond', () => {
    for (const iso of [
      '2024-06-05T14:56:50.682Z',
      '2023-01-02T03:04:05.007Z',
      '2023-11-30T23:59:59.050Z',
    ]) {
      const text = formatSillyTavernDate(new Date(iso));
      expect(parseSillyTavernDate(text)?.toISOString()).toBe(iso);
    }
    expect(formatSillyTavernDate(new Date('2024-06-05T04:06:09.005Z'))).toBe(
      '2024-6-5 @04h 06m 09s 05ms',
    );
  });
});

describe('sillyTavernLines', () => {
  async function* batches<T>(...parts: T[][]): AsyncGenerator<T[]> {
    yield* parts;
  }
  const text = async (pieces: AsyncIterable<string>) => {
    let all = '';
    for await (const piece of pieces) all += piece;
    return all;
  };

  it('writes the header and a line per message, batch by batch, no newline after the last', async () => {
    const toLine = (mes: string) => ({ ...line({}), mes });
    const all = await text(
      sillyTavernLines(header, batches(['One', 'Two'], [], ['Three']), toLine),
    );
    expect(all).toBe(toJsonl([header, toLine('One'), toLine('Two'), toLine('Three')]));
    expect(parseSillyTavernChat(all).turns.map((turn) => turn.alternatives[0].content)).toEqual([
      'One',
      'Two',
      'Three',
    ]);
  });

  it('writes the header alone for a chat without messages', async () => {
    expect(
      await text(sillyTavernLines(header, batches<string>(), () => ({ ...line({}), mes: '' }))),
    ).toBe(JSON.stringify(header));
  });
});

describe('parseSillyTavernChat', () => {
  it('reads the header, roles and swipes (the one shown is mes)', () => {
    const chat = parseSillyTavernChat(
      toJsonl([
        header,
        line({ mes: 'Hello.', swipes: ['Hello.', 'Hi!'], swipe_id: 0 }),
        line({ name: 'Alex', is_user: true, mes: 'Hi Mira' }),
        line({
          mes: 'Second',
          swipes: ['First', 'Second (old text)'],
          swipe_id: 1,
          swipe_info: [{ send_date: '2024-7-12@01h31m37s' }, {}],
        }),
        line({ name: 'System', is_system: true, mes: 'The storm passes.' }),
        line({ name: 'System', mes: 'A narrator speaks.', extra: { type: 'narrator' } }),
      ]) + '\n',
    );
    expect(chat.userName).toBe('Alex');
    expect(chat.createdAt?.toISOString()).toBe('2024-06-05T14:56:50.682Z');
    expect(chat.turns.map((turn) => [turn.role, turn.active, turn.alternatives.length])).toEqual([
      ['assistant', 0, 2],
      ['user', 0, 1],
      ['assistant', 1, 2],
      ['system', 0, 1],
      ['system', 0, 1],
    ]);
    expect(chat.turns[2].alternatives).toEqual([
      { content: 'First', sentAt: new Date('2024-07-12T01:31:37.000Z') },
      { content: 'Second', sentAt: new Date('2023-06-19T14:20:00.000Z') },
    ]);
  });

  it('takes a file without a header, CRLF line ends, a BOM, and cleans control characters', () => {
    const chat = parseSillyTavernChat(
      '\uFEFF' +
        [line({ mes: 'a\u0000b\u202Ec\r' }), line({ mes: 'd' })]
          .map((l) => JSON.stringify(l))
          .join('\r\n'),
    );
    expect(chat.userName).toBeNull();
    expect(chat.turns.map((turn) => turn.alternatives[0].content)).toEqual(['abc\r', 'd']);
  });

  it('refuses a malformed line, naming it', () => {
    const file = (...lines: string[]) => [JSON.stringify(header), ...lines].join('\n');
    expect(
      refusal(() => parseSillyTavernChat(file(JSON.stringify(line({ mes: 'ok' })), '{"mes": "x"'))),
    ).toEqual({
      status: 400,
      message: expect.stringMatching(/^Line 3: not valid JSON/),
    });
    expect(refusal(() => parseSillyTavernChat(file('[1, 2]')))).toEqual({
      status: 400,
      message: 'Line 2: expected a JSON object',
    });
    expect(refusal(() => parseSillyTavernChat(file('', JSON.stringify(line({ mes: 7 })))))).toEqual(
      {
        status: 400,
        message: 'Line 3: mes must be a string',
      },
    );
    expect(
      refusal(() =>
        parseSillyTavernChat(file(JSON.stringify(line({ mes: 'a', swipes: ['a'], swipe_id: 1 })))),
      ),
    ).toEqual({ status: 400, message: 'Line 2: swipe_id must be an integer from 0 to 0' });
    expect(
      refusal(() =>
        parseSillyTavernChat(file(JSON.stringify(line({ mes: 'a', swipes: ['a', 2] })))),
      ),
    ).toEqual({ status: 400, message: 'Line 2: swipes must be an array of strings' });
    expect(
      refusal(() => parseSillyTavernChat(file(`{"mes": ${'['.repeat(100)}${']'.repeat(100)}}`))),
    ).toEqual({
      status: 400,
      message: expect.stringMatching(/^Line 2 nests arrays and objects deeper than/),
    });
    expect(refusal(() => parseSillyTavernChat(JSON.stringify(header)))).toEqual({
      status: 400,
      message: 'The chat file has no messages (a header line at most)',
    });
  });

  it('refuses what is over a limit, naming it', () => {
    const small = JSON.stringify(line({ mes: 'x' }));
    expect(
      refusal(() =>
        parseSillyTavernChat(
          Array(CHAT_IMPORT_MAX_LINES + 1)
            .fill(small)
            .join('\n'),
        ),
      ),
    ).toEqual({
      status: 400,
      message: 'Line 20001: the chat has more than 20,000 messages (the limit)',
    });
    const long = JSON.stringify(line({ mes: 'x'.repeat(CHAT_IMPORT_MAX_LINE_LENGTH) }));
    expect(refusal(() => parseSillyTavernChat([small, long].join('\n')))).toEqual({
      status: 400,
      message: 'Line 2: longer than 262,144 characters (the limit)',
    });
    expect(
      refusal(() => parseSillyTavernChat(Buffer.alloc(CHAT_IMPORT_MAX_BYTES + 1, 32))),
    ).toEqual({
      status: 413,
      message: 'The chat file is 5,242,881 bytes; the limit is 5,242,880 bytes (5 MB)',
    });
  });
});

describe('snippetHtml', () => {
  it('escapes the text and marks only what the sentinels mark', () => {
    expect(snippetHtml(`<b>"it's"</b> & ${MARK_START}storm${MARK_END}`)).toBe(
      '&lt;b&gt;&quot;it&#39;s&quot;&lt;/b&gt; &amp; <mark>storm</mark>',
    );
  });
});
