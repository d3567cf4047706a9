import { describe, expect, it, jest } from '@jest/globals';
import { BadRequestException, Logger, ServiceUnavailableException } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { MemoryChallengeStore, type ChallengeStore } from './challenge-store.js';
import { PowService } from './pow.service.js';
import { newChallenge, POW_DIFFICULTY, solvesChallenge } from './pow.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function solve(challenge: string, difficulty = POW_DIFFICULTY): string {
  for (let nonce = 0; ; nonce++) {
    if (sha256(challenge + nonce).startsWith('0'.repeat(difficulty))) return String(nonce);
  }
}

describe('solvesChallenge', () => {
  const challenge = 'a3f1c0d9e8b7a6f5e4d3c2b1a09f8e7d';

  it('accepts a nonce whose sha256(challenge + nonce) starts with the zeros', () => {
    const nonce = solve(challenge);
    expect(sha256(challenge + nonce)).toMatch(/^0000/);
    expect(solvesChallenge(challenge, nonce, 4)).toBe(true);
  });

  it('rejects a nonce that falls short of the difficulty', () => {
    const nonce = solve(challenge, 1);
    const zeros = /^0*/.exec(sha256(challenge + nonce))![0].length;
    expect(solvesChallenge(challenge, nonce, zeros + 1)).toBe(false);
  });

  it('binds the nonce to its challenge', () => {
    const nonce = solve(challenge);
    expect(solvesChallenge('b'.repeat(32), nonce, 4)).toBe(false);
  });

  it('makes 32-hex-digit challenges that do not repeat', () => {
    const challenges = new Set(Array.from({ length: 100 }, newChallenge));
    expect(challenges.size).toBe(100);
    for (const challenge of challenges) expect(challenge).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('MemoryChallengeStore', () => {
  const clock = () => {
    let now = 1_000_000;
    return { now: () => now, advance: (ms: number) => (now += ms) };
  };

  it('lets a challenge be taken once', async () => {
    const store = new MemoryChallengeStore();
    await store.add('c1', 1000);
    expect(await store.take('c1')).toBe(true);
    expect(await store.take('c1')).toBe(false);
    expect(await store.take('never-issued')).toBe(false);
  });

  it('refuses and sweeps expired challenges', async () => {
    const time = clock();
    const store = new MemoryChallengeStore(100, time.now);
    await store.add('old', 1000);
    time.advance(500);
    await store.add('newer', 1000);
    time.advance(600);
    expect(await store.take('old')).toBe(false);
    expect(store.size).toBe(1);
    expect(await store.take('newer')).toBe(true);
    time.advance(10_000);
    await store.add('latest', 1000);
    expect(store.size).toBe(1);
  });

  it('refuses an expired challenge even when a longer-lived one was issued before it', async () => {
    const time = clock();
    const store = new MemoryChallengeStore(100, time.now);
    await store.add('long', 60_000);
    await store.add('short', 10);
    time.advance(11);
    expect(await store.take('short')).toBe(false);
    expect(await store.take('long')).toBe(true);
  });

  it('drops the oldest challenge beyond its size cap', async () => {
    const store = new MemoryChallengeStore(2);
    await store.add('a', 60_000);
    await store.add('b', 60_000);
    await store.add('c', 60_000);
    expect(store.size).toBe(2);
    expect(await store.take('a')).toBe(false);
    expect(await store.take('c')).toBe(true);
  });
});

describe('PowService', () => {
  it('issues challenges that verify once', async () => {
    const pow = new PowService(new MemoryChallengeStore());
    const issued = await pow.issue();
    expect(issued).toEqual({ challenge: expect.any(String), difficulty: 4, expires_in: 300 });
    const nonce = solve(issued.challenge);

    await expect(pow.verify(issued.challenge, nonce)).resolves.toBeUndefined();
    await expect(pow.verify(issued.challenge, nonce)).rejects.toThrow(
      'The challenge expired or was already used',
    );
  });

  it('keeps the challenge when the nonce is wrong', async () => {
    const pow = new PowService(new MemoryChallengeStore());
    const { challenge } = await pow.issue();
    const nonce = solve(challenge);
    const wrong = solve(challenge, 1);
    const wrongNonce = solvesChallenge(challenge, wrong, 4) ? `${wrong}!` : wrong;

    await expect(pow.verify(challenge, wrongNonce)).rejects.toBeInstanceOf(BadRequestException);
    await expect(pow.verify(challenge, nonce)).resolves.toBeUndefined();
  });

  it('answers 503 when its store is down, rather than skipping the check', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const down: ChallengeStore = {
      add: () => Promise.reject(new Error('connection refused')),
      take: () => Promise.reject(new Error('connection refused')),
    };
    const pow = new PowService(down);
    await expect(pow.issue()).rejects.toBeInstanceOf(ServiceUnavailableException);
    const challenge = 'f'.repeat(32);
    await expect(pow.verify(challenge, solve(challenge))).rejects.toBeInstanceOf(
      ServiceUnavailableException,
    );
    expect(warn).toHaveBeenCalledWith('Challenge store unavailable: connection refused');
    warn.mockRestore();
  });
});
