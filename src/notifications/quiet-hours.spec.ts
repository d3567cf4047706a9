import { describe, expect, it } from '@jest/globals';
import { inQuietHours, isTimeZone, localHour } from './quiet-hours.js';

const at = (iso: string) => Date.parse(iso);

describe('quiet hours', () => {
  it('reads the hour in the user’s time zone', () => {
    expect(localHour(at('2026-01-15T12:30:00Z'), 'UTC')).toBe(12);
    expect(localHour(at('2026-01-15T12:30:00Z'), 'Asia/Tokyo')).toBe(21);
    expect(localHour(at('2026-01-15T23:30:00Z'), 'Asia/Tokyo')).toBe(8);
    // Summer time: New York is UTC-4 in July, UTC-5 in January.
    expect(localHour(at('2026-07-15T12:00:00Z'), 'America/New_York')).toBe(8);
    expect(localHour(at('2026-01-15T12:00:00Z'), 'America/New_York')).toBe(7);
  });

  it('wraps midnight: 22 → 9 is quiet from 22:00 until 08:59', () => {
    const quiet = (iso: string, zone = 'UTC') => inQuietHours(at(iso), zone, 22, 9);
    expect(quiet('2026-01-15T21:59:00Z')).toBe(false);
    expect(quiet('2026-01-15T22:00:00Z')).toBe(true);
    expect(quiet('2026-01-15T03:00:00Z')).toBe(true);
    expect(quiet('2026-01-15T08:59:00Z')).toBe(true);
    expect(quiet('2026-01-15T09:00:00Z')).toBe(false);
    // Noon UTC is 21:00 in Tokyo (not yet quiet), 14:00 UTC is 23:00 there (quiet).
    expect(quiet('2026-01-15T12:00:00Z', 'Asia/Tokyo')).toBe(false);
    expect(quiet('2026-01-15T14:00:00Z', 'Asia/Tokyo')).toBe(true);
  });

  it('handles a window within a day, and none at all when start equals end', () => {
    expect(inQuietHours(at('2026-01-15T13:00:00Z'), 'UTC', 12, 14)).toBe(true);
    expect(inQuietHours(at('2026-01-15T14:00:00Z'), 'UTC', 12, 14)).toBe(false);
    expect(inQuietHours(at('2026-01-15T03:00:00Z'), 'UTC', 0, 0)).toBe(false);
  });

  it('knows IANA zones and refuses made-up ones', () => {
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
  });
});

describe('isoWeek', () => {
  it('names the ISO week, its year decided by its Thursday', async () => {
    const { isoWeek } = await import('./digest.service.js');
    expect(isoWeek(Date.parse('2026-12-07T01:00:00Z'))).toBe('2026-W50');
    expect(isoWeek(Date.parse('2027-01-01T12:00:00Z'))).toBe('2026-W53');
    expect(isoWeek(Date.parse('2025-12-29T12:00:00Z'))).toBe('2026-W01');
  });
});
