import { describe, expect, it } from '@jest/globals';
import type { ExecutionContext } from '@nestjs/common';
import type { ThrottlerOptions } from '@nestjs/throttler';
import { RateLimit, RATE_LIMITS, throttlerOptions } from './rate-limits.js';

class Routes {
  @RateLimit('auth', 'register') register() {}
  @RateLimit('resetEmail') forgot() {}
  plain() {}
}

const contextFor = (handler: keyof Routes) =>
  ({
    getHandler: () => Routes.prototype[handler],
    getClass: () => Routes,
  }) as unknown as ExecutionContext;

const throttlers = (scale: number) =>
  (throttlerOptions(scale) as { throttlers: ThrottlerOptions[] }).throttlers;

const byName = (scale: number, name: string) => throttlers(scale).find((t) => t.name === name)!;

describe('rate limits', () => {
  it('holds the spec numbers', () => {
    expect(RATE_LIMITS).toMatchObject({
      auth: { limit: 10, ttl: 60_000, by: 'ip' },
      register: { limit: 3, ttl: 3_600_000, by: 'ip' },
      reset: { limit: 3, ttl: 300_000, by: 'ip' },
      resetHourly: { limit: 10, ttl: 3_600_000, by: 'ip' },
      resetEmail: { limit: 1, ttl: 120_000, by: 'email' },
      message: { limit: 20, ttl: 60_000, by: 'user' },
      messageInterval: { limit: 1, ttl: 5_000, by: 'user' },
    });
  });

  it('applies a limit only to the routes that declare it', () => {
    const auth = byName(1, 'auth');
    expect(auth.skipIf!(contextFor('register'))).toBe(false);
    expect(auth.skipIf!(contextFor('forgot'))).toBe(true);
    expect(auth.skipIf!(contextFor('plain'))).toBe(true);
  });

  it('scales every limit by RATE_LIMIT_SCALE, and 0 turns them all off', () => {
    expect(byName(1, 'register').limit).toBe(3);
    expect(byName(100, 'register').limit).toBe(300);
    expect(throttlers(0).every((t) => t.skipIf!(contextFor('register')))).toBe(true);
  });

  it('counts the email limit per normalized address, without keeping the address', async () => {
    const tracker = byName(1, 'resetEmail').getTracker!;
    const track = (email: unknown) => tracker({ body: { email } }, contextFor('forgot'));
    const key = await track(' Alice@Example.com ');
    expect(key).toBe(await track('alice@example.com'));
    expect(key).not.toBe(await track('bob@example.com'));
    expect(key).toMatch(/^email:[0-9a-f]{64}$/);
  });

  it('counts message limits per user, and guests per IP', async () => {
    const tracker = byName(1, 'message').getTracker!;
    const context = contextFor('plain');
    expect(await tracker({ user: { id: 'u1' }, ip: '10.0.0.1' }, context)).toBe('user:u1');
    expect(await tracker({ user: null, ip: '10.0.0.1' }, context)).toBe('ip:10.0.0.1');
  });

  it('counts IPv6 guests per /56, so rotating addresses in their block does not help', async () => {
    const tracker = byName(1, 'messageInterval').getTracker!;
    const context = contextFor('plain');
    const guest = (ip: string) => tracker({ user: null, ip }, context);
    const key = await guest('2001:db8:abcd:1200::1');
    expect(key).toBe('ip:2001:db8:abcd:1200::/56');
    expect(await guest('2001:db8:abcd:12ff:ffff:ffff:ffff:ffff')).toBe(key);
    expect(await guest('2001:DB8:ABCD:1234:5678::9')).toBe(key);
    expect(await guest('2001:db8:abcd:1300::1')).not.toBe(key);
    // IPv4, also in its IPv6-mapped form, stays one address.
    expect(await guest('::ffff:10.0.0.1')).toBe('ip:10.0.0.1');
  });

  it('shares one window per limit across routes', () => {
    const generateKey = (throttlerOptions(1) as { generateKey: Function }).generateKey;
    expect(generateKey(contextFor('register'), '10.0.0.1', 'auth')).toBe('auth:10.0.0.1');
    expect(generateKey(contextFor('forgot'), '10.0.0.1', 'auth')).toBe('auth:10.0.0.1');
  });
});
