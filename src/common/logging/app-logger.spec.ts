import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { AppLogger } from './app-logger.js';
import { requestContext } from './request-context.js';

describe('AppLogger', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  const capture = () => {
    const lines: string[] = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    return lines;
  };

  it('writes JSON lines carrying the request id in production format', () => {
    const lines = capture();
    const logger = new AppLogger({ level: 'log', json: true });
    requestContext.run({ requestId: 'req-42' }, () => logger.log('hello', 'Test'));
    const record = JSON.parse(lines.join(''));
    expect(record).toMatchObject({
      level: 'log',
      message: 'hello',
      context: 'Test',
      request_id: 'req-42',
    });
  });

  it('names the request id in text format and omits it outside a request', () => {
    const lines = capture();
    const logger = new AppLogger({ level: 'log', json: false });
    requestContext.run({ requestId: 'req-7' }, () => logger.log('inside', 'Test'));
    logger.log('outside', 'Test');
    expect(lines[0]).toContain('[req-7]');
    expect(lines[1]).not.toContain('[req-');
  });

  it('drops records below the configured level and feeds the sink', () => {
    const lines = capture();
    const seen: string[] = [];
    const logger = new AppLogger({ level: 'warn', json: true, silent: true }, (record) =>
      seen.push(`${record.level}:${String(record.message)}`),
    );
    logger.log('quiet');
    logger.warn('loud');
    logger.error('louder');
    expect(seen).toEqual(['warn:loud', 'error:louder']);
    expect(lines).toEqual([]);
  });
});
