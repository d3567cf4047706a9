import { describe, expect, it } from '@jest/globals';
import { BadRequestException } from '@nestjs/common';
import type { Request } from 'express';
import { anonSessionOf, readAnonSession } from './anon-session.js';

const withHeader = (value?: string) =>
  ({ headers: value === undefined ? {} : { 'x-anon-session': value } }) as unknown as Request;

describe('guest session readers', () => {
  const session = 'A3BB189E-8BF9-3888-9912-ACE4E6543002';

  it('read a UUID lower-cased, both alike', () => {
    expect(anonSessionOf(withHeader(session))).toBe(session.toLowerCase());
    expect(readAnonSession(withHeader(session))).toBe(session.toLowerCase());
  });

  it('read nothing from a request without the header', () => {
    expect(anonSessionOf(withHeader())).toBeUndefined();
    expect(readAnonSession(withHeader())).toBeUndefined();
  });

  it('refuse a malformed value: 400 from anonSessionOf, undefined from readAnonSession', () => {
    for (const value of ['not-a-uuid', '', `${session} `]) {
      expect(() => anonSessionOf(withHeader(value))).toThrow(BadRequestException);
      expect(readAnonSession(withHeader(value))).toBeUndefined();
    }
  });
});
