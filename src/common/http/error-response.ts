import { HttpException, HttpStatus, Logger } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { QueryFailedError } from 'typeorm';

/** The one error shape of the API (snake_case, as the spec's frontend expects). */
export interface ErrorBody {
  status_code: number;
  error: string;
  message: string;
  request_id?: string;
}

const logger = new Logger('HttpError');

/** PostgreSQL SQLSTATEs that mean "the database is not there right now", not "a bug". */
const DATABASE_UNAVAILABLE = new Set([
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '08000',
  '08003',
  '08006',
]);
const NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']);

/** Constraint violations that reach the filter only through races; the request was fine. */
const CONSTRAINT_CONFLICTS: Record<string, string> = {
  '23505': 'This conflicts with a record that was just created; please retry',
  '23503': 'A record this refers to no longer exists',
};

const UNSTORABLE_TEXT = new Set(['22021', '22P05']);
/** Deadlock and serialization failures: nothing wrong with the request, only its timing. */
const TRANSIENT_CONFLICTS = new Set(['40P01', '40001']);

interface BodyParserError {
  type: string;
  status: number;
  message: string;
  limit?: number;
}

// body-parser (and raw-body) failures carry a `type` and a 4xx `status`.
const isBodyParserError = (error: unknown): error is BodyParserError =>
  typeof (error as BodyParserError)?.type === 'string' &&
  typeof (error as BodyParserError).status === 'number' &&
  (error as BodyParserError).status >= 400 &&
  (error as BodyParserError).status < 500;

function bodyParserMessage(error: BodyParserError): string {
  switch (error.type) {
    case 'entity.parse.failed':
      return `Malformed JSON in request body: ${error.message}`;
    case 'entity.too.large':
      return `Request body exceeds the limit of ${error.limit} bytes`;
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return `Unsupported request body encoding: ${error.message}`;
    default:
      return error.message;
  }
}

function httpExceptionMessage(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  if (typeof message === 'string') return message;
  return exception.message;
}

const isDatabaseUnavailable = (error: unknown): boolean => {
  const code =
    (error as { code?: unknown; driverError?: { code?: unknown } })?.code ??
    (error as { driverError?: { code?: unknown } })?.driverError?.code;
  if (typeof code === 'string' && (DATABASE_UNAVAILABLE.has(code) || NETWORK_ERRORS.has(code))) {
    return true;
  }
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED/.test(
    message,
  );
};

/**
 * Maps anything thrown while serving a request to a status and a client-safe message.
 * Only unexpected errors are logged at error level; their details never reach the client.
 */
export function toErrorBody(exception: unknown, requestId?: string): ErrorBody {
  let status: number;
  let message: string;
  if (exception instanceof HttpException) {
    status = exception.getStatus();
    message = httpExceptionMessage(exception);
    // A deliberate 5xx (upstream down, database away) is an operational condition, not a bug.
    if (status === HttpStatus.INTERNAL_SERVER_ERROR)
      logger.error(exception.stack ?? exception.message);
    else if (status > 500) logger.warn(`${status}: ${message}`);
  } else if (isBodyParserError(exception)) {
    status = exception.status;
    message = bodyParserMessage(exception);
  } else if (isDatabaseUnavailable(exception)) {
    status = HttpStatus.SERVICE_UNAVAILABLE;
    message = 'The database is unavailable, please retry shortly';
    logger.warn(`Database unavailable: ${(exception as Error).message}`);
  } else if (
    exception instanceof QueryFailedError &&
    CONSTRAINT_CONFLICTS[exception.driverError?.code]
  ) {
    // A race the service's own checks could not see (two requests claiming one slug at once).
    status = HttpStatus.CONFLICT;
    message = CONSTRAINT_CONFLICTS[exception.driverError.code];
    logger.warn(`Constraint conflict: ${exception.driverError.constraint ?? exception.message}`);
  } else if (
    exception instanceof QueryFailedError &&
    UNSTORABLE_TEXT.has(exception.driverError?.code)
  ) {
    // NUL or invalid UTF-8 from a query string or path: the input's fault, not ours.
    status = HttpStatus.BAD_REQUEST;
    message = 'The request contains characters that cannot be stored (such as NUL)';
  } else if (exception instanceof QueryFailedError && exception.driverError?.code === '57014') {
    status = HttpStatus.SERVICE_UNAVAILABLE;
    message = 'The request took too long, please retry';
    logger.warn(`Statement timeout: ${exception.message}`);
  } else if (
    exception instanceof QueryFailedError &&
    TRANSIENT_CONFLICTS.has(exception.driverError?.code)
  ) {
    // Two requests locked the same rows in opposite orders; the one PostgreSQL failed may
    // simply be sent again.
    status = HttpStatus.SERVICE_UNAVAILABLE;
    message = 'The server was busy with a conflicting change, please retry';
    logger.warn(`Transient conflict: ${exception.message}`);
  } else {
    status = HttpStatus.INTERNAL_SERVER_ERROR;
    message = 'Internal server error';
    logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : exception);
  }
  return {
    status_code: status,
    error: STATUS_CODES[status] ?? 'Error',
    message,
    request_id: requestId,
  };
}
