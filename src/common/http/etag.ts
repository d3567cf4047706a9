import { createHash } from 'node:crypto';

/** A strong validator: the base64url SHA-256 of whatever determines the body. */
export const strongEtag = (content: string): string =>
  `"${createHash('sha256').update(content).digest('base64url')}"`;
