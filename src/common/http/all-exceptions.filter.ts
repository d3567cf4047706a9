import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { currentRequestId } from '../logging/request-context.js';
import { toErrorBody } from './error-response.js';

function send(res: Response, exception: unknown): void {
  const body = toErrorBody(exception, currentRequestId());
  if (res.headersSent) {
    // A stream already started: the status line is gone. Cut it off rather than end it,
    // so no client or cache takes the part sent for a whole response.
    if (!res.writableEnded) res.destroy();
    return;
  }
  // A route's own cache header (a public listing's max-age) does not describe an error.
  res.setHeader('Cache-Control', 'no-store');
  res.status(body.status_code).json(body);
}

@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    send(host.switchToHttp().getResponse<Response>(), exception);
  }
}

/** Express error middleware for failures before Nest's router runs (body parsing). */
export function expressErrorHandler(
  error: unknown,
  _req: Request,
  res: Response,
  _next: NextFunction,
): void {
  send(res, error);
}
