import { describe, expect, it } from '@jest/globals';
import { parseTrustProxy } from './trust-proxy.js';

describe('parseTrustProxy', () => {
  it.each([
    ['', false],
    ['false', false],
    ['0', false],
    ['1', 1],
    [' 2 ', 2],
    ['loopback', ['loopback']],
    ['loopback, 10.0.0.0/8', ['loopback', '10.0.0.0/8']],
    ['192.168.1.10,fd00::/8,::1', ['192.168.1.10', 'fd00::/8', '::1']],
  ])('reads %j as %j', (raw, value) => {
    expect(parseTrustProxy(raw)).toEqual({ value });
  });

  it('reads the old boolean `true` as the nearest proxy only, with a deprecation', () => {
    expect(parseTrustProxy('true')).toEqual({
      value: 1,
      deprecation: expect.stringContaining('TRUST_PROXY=true is deprecated and now means 1'),
    });
  });

  it.each([
    'perhaps',
    '-1',
    '33',
    '10.0.0.0/33',
    'fd00::/129',
    '10.0.0.0/8/1',
    'loopback,',
    '1.2.3',
  ])('refuses %j', (raw) => {
    expect(parseTrustProxy(raw)).toBeNull();
  });
});
