const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `<n><unit>` with unit s, m, h or d (`15m`, `24h`, `7d`). */
const DURATION = /^([1-9]\d{0,4})([smhd])$/;

/** A duration written as `15m`, `1h`, `7d` (s, m, h, d) in milliseconds; null when malformed. */
export function parseDuration(text: string): number | null {
  const match = DURATION.exec(text);
  return match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : null;
}
