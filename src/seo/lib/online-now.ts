import { createHash } from 'node:crypto';

export const ONLINE_WINDOW_MS = 5 * 60_000;

/**
 * The "online now" figure of the public stats (spec: stats/router.py): 15–45, pseudo-random
 * but the same for everyone during each 5-minute window (MD5 of the window's number).
 */
export function onlineNow(nowMs: number): number {
  const window = Math.floor(nowMs / ONLINE_WINDOW_MS);
  const digest = createHash('md5').update(String(window)).digest('hex');
  return 15 + (Number.parseInt(digest.slice(0, 8), 16) % 31);
}
