import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { currentRequestId } from './request-context.js';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** Receives every printed record; tests use it to assert that nothing logged at error level. */
export type LogSink = (record: {
  level: LogLevel;
  context?: string;
  message: unknown;
  stack?: unknown;
}) => void;

const taps = new Set<LogSink>();

/**
 * Subscribes to the records every AppLogger of this process prints, whoever built the logger
 * (main.ts, the tests); the error notifier mails the error-level ones. Returns the unsubscribe.
 */
export function tapLogs(listener: LogSink): () => void {
  taps.add(listener);
  return () => taps.delete(listener);
}

/**
 * Nest's own logger (JSON lines in production), with the current request id added to every
 * record so one request's lines can be found together.
 */
export class AppLogger extends ConsoleLogger {
  constructor(
    options: { level: Exclude<LogLevel, 'fatal'>; json: boolean; silent?: boolean },
    private readonly sink?: LogSink,
  ) {
    super({
      json: options.json,
      colors: options.json ? false : undefined,
      logLevels: LEVELS.slice(0, LEVELS.indexOf(options.level) + 1),
    });
    this.silent = options.silent ?? false;
  }

  private readonly silent: boolean;

  protected override printMessages(
    messages: unknown[],
    context = '',
    logLevel: LogLevel = 'log',
    writeStreamType?: 'stdout' | 'stderr',
    errorStack?: unknown,
    params?: Record<string, unknown>,
  ): void {
    for (const message of messages) {
      const record = { level: logLevel, context, message, stack: errorStack };
      this.sink?.(record);
      for (const tap of taps) {
        try {
          tap(record);
        } catch {
          // A listener's failure must never break logging itself.
        }
      }
    }
    if (!this.silent) {
      super.printMessages(messages, context, logLevel, writeStreamType, errorStack, params);
    }
  }

  // Nest prints the stack of error records on its own, outside printMessages.
  protected override printStackTrace(stack: string): void {
    if (!this.silent) super.printStackTrace(stack);
  }

  protected override getJsonLogObject(
    message: unknown,
    options: Parameters<ConsoleLogger['getJsonLogObject']>[1],
  ) {
    const record = super.getJsonLogObject(message, options);
    const requestId = currentRequestId();
    return requestId ? { ...record, request_id: requestId } : record;
  }

  protected override formatContext(context: string): string {
    const requestId = currentRequestId();
    return super.formatContext(context) + (requestId ? `[${requestId}] ` : '');
  }
}
