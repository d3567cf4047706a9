import { Logger, type LoggerService, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import express from 'express';
import helmet from 'helmet';
import { AppModule } from './app.module.js';
import { ErrorResponseDto } from './common/http/error-response.dto.js';
import { expressErrorHandler } from './common/http/all-exceptions.filter.js';
import { InFlightRequests } from './common/http/in-flight.js';
import { requestIdMiddleware } from './common/http/request-id.middleware.js';
import { SendIdleTimeout } from './common/http/send-idle-timeout.js';
import { MetricsService } from './common/metrics/metrics.service.js';
import { assertJsonTextDepth } from './common/validation/json-depth.js';
import type { AppConfig } from './config/configuration.js';

/**
 * JSON may escape characters no text column or validator can take: half a UTF-16 surrogate
 * pair ("\ud800") or NUL ("\u0000", which PostgreSQL refuses in text). Refusing them here
 * makes them a 400 like any other malformed body.
 */
function rejectUnstorableStrings(_key: string, value: unknown): unknown {
  if (typeof value === 'string') {
    if (!value.isWellFormed()) throw new SyntaxError('a string holds an unpaired UTF-16 surrogate');
    if (value.includes('\u0000')) throw new SyntaxError('a string holds a NUL character');
  }
  return value;
}

/**
 * Refuses a body nested deeper than MAX_JSON_DEPTH before it is parsed: the reviver above and
 * class-transformer recurse, and a few thousand levels overflowed the stack (a 500). The text
 * is scanned, so no depth is too much for the check itself.
 */
function checkJsonDepth(_req: unknown, _res: unknown, body: Buffer, charset: string): void {
  let text: Buffer | string = body;
  if (charset !== 'utf-8') {
    try {
      text = new TextDecoder(charset).decode(body);
    } catch {
      // UTF-7 or UTF-32: body-parser would read them, but nothing here can check them.
      throw Object.assign(new Error(`"${charset}" (use UTF-8)`), {
        status: 415,
        type: 'charset.unsupported',
      });
    }
  }
  assertJsonTextDepth(text, 'The request body');
}

export interface CreatedApp {
  app: NestExpressApplication;
  inFlight: InFlightRequests;
}

/**
 * Builds the whole HTTP application (not yet listening). main.ts and the e2e tests share it,
 * so tests exercise exactly what production serves.
 */
export async function createApp(
  config: AppConfig,
  options: { logger?: LoggerService | false } = {},
): Promise<CreatedApp> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bodyParser: false,
    logger: options.logger,
    abortOnError: false,
  });
  const inFlight = new InFlightRequests();

  for (const warning of config.warnings) new Logger('Config').warn(warning);

  // A hop count or the proxies' addresses, never `true`: Express would then take the leftmost
  // X-Forwarded-For entry, which the client writes, and per-address rate limits would be moot.
  app.set('trust proxy', config.http.trustProxy);
  app.disable('x-powered-by');
  app.use(inFlight.middleware);
  app.use(new SendIdleTimeout(config.http.sendIdleTimeoutMs).middleware);
  app.use(requestIdMiddleware);
  app.use(app.get(MetricsService).middleware);
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          // Swagger UI at /api/docs needs inline styles and data: images.
          'style-src': ["'self'", "'unsafe-inline'"],
          'img-src': ["'self'", 'data:'],
        },
      },
    }),
  );
  app.enableCors({
    origin: config.http.corsOrigins,
    credentials: true,
    exposedHeaders: ['X-Request-Id', 'Retry-After'],
  });
  app.use(
    express.json({
      limit: config.http.bodyLimitBytes,
      strict: true,
      reviver: rejectUnstorableStrings,
      verify: checkJsonDepth,
    }),
  );
  app.use(expressErrorHandler);

  app.setGlobalPrefix('api');
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      // Bodies must carry the right JSON types; query strings are converted by explicit @Type().
      transformOptions: { enableImplicitConversion: false },
      stopAtFirstError: false,
    }),
  );
  setUpOpenApi(app, config);
  return { app, inFlight };
}

function setUpOpenApi(app: NestExpressApplication, config: AppConfig): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(`${config.site.name} API`)
      .setDescription(
        'Backend of a multi-user AI character roleplay chat platform. Errors always have the ' +
          'shape of ErrorResponseDto.',
      )
      .setVersion('1.0')
      .addBearerAuth()
      .build(),
    { extraModels: [ErrorResponseDto] },
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
}
