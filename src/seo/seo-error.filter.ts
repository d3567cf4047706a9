import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { toErrorBody } from '../common/http/error-response.js';
import { currentRequestId } from '../common/logging/request-context.js';
import { safeHtml } from './lib/markup.js';

/**
 * Errors of the crawler endpoints as a small noindex HTML page rather than the API's JSON:
 * a crawler (or a person following a shared link) gets a readable page with the right status.
 * Status and message come from the same mapping as the JSON errors.
 */
@Catch()
export class SeoErrorFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const body = toErrorBody(exception, currentRequestId());
    if (res.headersSent) {
      // A streamed sitemap failed midway: the status line is gone. Cut the connection, so
      // crawlers and caches see a broken transfer instead of a short but complete 200.
      if (!res.writableEnded) res.destroy();
      return;
    }
    const title = `${body.status_code} ${body.error}`;
    const page = safeHtml`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="robots" content="noindex">
<title>${title}</title>
</head>
<body>
<h1>${title}</h1>
<p>${body.message}</p>
${body.request_id ? safeHtml`<p>Request id: ${body.request_id}</p>\n` : ''}</body>
</html>
`;
    // Headers a streamed response set before it failed do not describe this page.
    res.removeHeader('ETag');
    res
      .status(body.status_code)
      .type('html')
      .setHeader('Cache-Control', 'no-store')
      .send(page.value);
  }
}
