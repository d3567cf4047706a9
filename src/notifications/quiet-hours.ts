/** Whether `zone` is a time zone this runtime knows (IANA name, e.g. Europe/Berlin). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The hour (0–23) at `at` in `zone`. */
export function localHour(at: number, zone: string): number {
  const hour = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hour: 'numeric',
    hourCycle: 'h23',
  }).format(at);
  return Number(hour);
}

/**
 * Whether `at` falls in the quiet hours from `start` to `end` (local hours in `zone`; the end
 * hour is no longer quiet). 22 → 9 wraps midnight; equal hours mean no quiet hours at all.
 */
export function inQuietHours(at: number, zone: string, start: number, end: number): boolean {
  if (start === end) return false;
  const hour = localHour(at, zone);
  return start < end ? hour >= start && hour < end : hour >= start || hour < end;
}
