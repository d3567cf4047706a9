import { describe, expect, it } from '@jest/globals';
import { describeError } from './describe-error.js';

describe('describeError', () => {
  it('gives an Error its message and the messages of its causes', () => {
    const error = new Error('embedded PostgreSQL did not start', {
      cause: new Error('port 54329 is in use'),
    });
    expect(describeError(error)).toBe('embedded PostgreSQL did not start: port 54329 is in use');
    expect(describeError(new AggregateError([new Error('a'), 'b'], 'both failed'))).toBe(
      'both failed (a; b)',
    );
  });

  it('never answers "undefined" for a throwable that is not an Error', () => {
    expect(describeError(undefined)).toBe('no reason was given (undefined was thrown)');
    expect(describeError(null)).toBe('null was thrown, without a reason');
    expect(describeError('plain text')).toBe('plain text');
    expect(describeError({ code: 'EADDRINUSE', port: 5 })).toBe("{ code: 'EADDRINUSE', port: 5 }");
    expect(describeError(new Error('outer', { cause: { code: 'X' } }))).toBe(
      "outer: { code: 'X' }",
    );
  });
});
