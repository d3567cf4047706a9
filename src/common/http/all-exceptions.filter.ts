import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { currentRequestId } from '../logging/request-context.js';
import { toErrorBody } from './error-response.js';

function send(res: Response, exception: unknown): void {
  const body = toErrorBody(exception, currentRequestId());
  if (res.headersSent) {
    // A stream already started: the status line is gone, so just end it.
    res.end();
    return;
  }
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
