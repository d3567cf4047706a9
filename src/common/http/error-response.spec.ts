import { describe, expect, it } from '@jest/globals';
import { QueryFailedError } from 'typeorm';
import { toErrorBody } from './error-response.js';

const failed = (code: string, message: string) =>
  new QueryFailedError('SELECT 1', [], Object.assign(new Error(message), { code }));

describe('toErrorBody for database errors', () => {
  it('answers a deadlock or serialization failure with a retryable 503, never SQL text', () => {
    for (const code of ['40P01', '40001']) {
      const body = toErrorBody(failed(code, 'deadlock detected on relation "chat"'), 'req-1');
      expect(body).toEqual({
        status_code: 503,
        error: 'Service Unavailable',
        message: 'The server was busy with a conflicting change, please retry',
        request_id: 'req-1',
      });
    }
  });

  it('keeps other database failures a plain 500', () => {
    const body = toErrorBody(failed('42P01', 'relation "nope" does not exist'), 'req-2');
    expect(body).toMatchObject({ status_code: 500, message: 'Internal server error' });
  });
});
