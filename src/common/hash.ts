import { createHash } from 'node:crypto';

/** Lower-case hex SHA-256 of a UTF-8 string. */
export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');
