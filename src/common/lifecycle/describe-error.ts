import { inspect } from 'node:util';

/**
 * One line saying why something failed, whatever was thrown: an Error's message with its
 * causes (`a: b: c`), or the value itself. Libraries do reject with undefined or plain objects,
 * and "Start-up failed: undefined" tells an operator nothing.
 */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined; depth++) {
    if (current instanceof Error) {
      const nested =
        current instanceof AggregateError && current.errors.length > 0
          ? ` (${current.errors.map((inner) => describeError(inner)).join('; ')})`
          : '';
      parts.push(`${current.message || current.name}${nested}`);
      current = current.cause;
    } else {
      parts.push(
        current === null
          ? 'null was thrown, without a reason'
          : typeof current === 'string'
            ? current
            : inspect(current, { depth: 2, breakLength: Infinity }),
      );
      current = undefined;
    }
  }
  return parts.length > 0 ? parts.join(': ') : 'no reason was given (undefined was thrown)';
}
