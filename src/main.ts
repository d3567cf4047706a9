import 'reflect-metadata';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { createApp } from './app.factory.js';
import { CRASH_REPORT_TIMEOUT_MS, ErrorNotifier } from './autonomous/error-notifier.service.js';
import { describeError } from './common/lifecycle/describe-error.js';
import { ShutdownDeadline } from './common/lifecycle/shutdown-deadline.js';
import { AppLogger } from './common/logging/app-logger.js';
import { ConfigError, loadConfiguration, type AppConfig } from './config/configuration.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './database/embedded-postgres.js';
import { TokenEstimator } from './llm/usage/token-estimator.js';

/**
 * After the grace period, how long stopped replies get to be saved and end their streams
 * before every connection is cut (Compose's stop_grace_period leaves 5 s past the default 10).
 */
const FINAL_CUT_MS = 3000;

async function bootstrap(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config: AppConfig;
  try {
    config = loadConfiguration();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  const logger = new AppLogger({ level: config.log.level, json: config.log.format === 'json' });

  let embedded: EmbeddedDatabase | undefined;
  if (!config.database.url) {
    logger.log(
      `DATABASE_URL is unset: starting embedded PostgreSQL in ${config.dataDir}/postgres`,
      'Bootstrap',
    );
    embedded = await startEmbeddedPostgres({
      dataDir: config.dataDir,
      port: config.database.embeddedPort,
      database: 'app',
      log: (message) => logger.warn(message, 'EmbeddedPostgres'),
    });
    config = { ...config, database: { ...config.database, url: embedded.url } };
  }

  const { app, inFlight } = await createApp(config, { logger });

  // An uncaught exception or unhandled rejection leaves the process in an unknown state: it is
  // logged at fatal level and mailed to the admins with the errors not mailed yet, then the
  // process exits (1) for the orchestrator to restart it, stopping embedded PostgreSQL first
  // (it would outlive the process and hold its port). A hang cannot keep the process up.
  let crashed = false;
  const crash = (error: unknown, origin: string) => {
    if (crashed) {
      logger.fatal(`Also, while exiting (${origin}): ${describeError(error)}`, 'Process');
      return;
    }
    crashed = true;
    setTimeout(() => process.exit(1), CRASH_REPORT_TIMEOUT_MS + 5000);
    void app
      .get(ErrorNotifier)
      .reportCrash(error, origin)
      .then(() => embedded?.stop())
      .catch(() => undefined)
      .finally(() => process.exit(1));
  };
  process.on('uncaughtException', (error, origin) => crash(error, origin));
  process.on('unhandledRejection', (reason) => crash(reason, 'unhandledRejection'));

  await app.get(TokenEstimator).warm();
  await app.listen(config.http.port);
  logger.log(
    `Listening on http://localhost:${config.http.port}/api (docs at /api/docs)`,
    'Bootstrap',
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    // One grace period for all of it: the replies' and rounds' own waits get what is left.
    const deadline = app.get(ShutdownDeadline).start();
    logger.log(`${signal}: draining ${inFlight.size} in-flight request(s)`, 'Shutdown');
    const server = app.getHttpServer() as Server;
    inFlight.stopKeepingAlive();
    server.close();
    server.closeIdleConnections();
    const drained = await inFlight.drain(deadline.remainingMs());
    if (!drained) {
      logger.warn(
        `Grace period over with ${inFlight.size} request(s) open: replies still being written ` +
          'are stopped and saved',
        'Shutdown',
      );
    }
    // Connections stay open while the app closes, so the replies stopped now reach their
    // clients with a final `done`; anything still open after that is cut.
    const cut = setTimeout(() => server.closeAllConnections(), FINAL_CUT_MS);
    await app.close();
    clearTimeout(cut);
    server.closeAllConnections();
    await embedded?.stop();
    logger.log('Stopped', 'Shutdown');
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`Start-up failed: ${describeError(error)}\n`);
  process.exit(1);
});
