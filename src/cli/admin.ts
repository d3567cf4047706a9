// Operator CLI (`npm run admin -- grant|revoke <email>`): makes the first admin of a deployment
// that cannot mail the password-reset proof yet, or removes one, straight in the database.
import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { ConfigError, loadConfiguration } from '../config/configuration.js';
import { dataSourceOptions } from '../database/data-source-options.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../database/embedded-postgres.js';
import { entities } from '../database/entities.js';
import { AdminRoleRepository, type AccessState } from './admin-role.repository.js';

const USAGE = 'Usage: npm run admin -- grant <email> | revoke <email>';

/** Exit codes: 0 done, 1 refused or failed (unknown account…), 2 wrong usage. */
class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

function parseArguments(args: string[]): { grant: boolean; email: string } {
  const [command, email, ...rest] = args;
  if ((command !== 'grant' && command !== 'revoke') || !email || rest.length > 0) {
    throw new CliError(USAGE, 2);
  }
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new CliError(`Not an email address: ${email}`, 2);
  return { grant: command === 'grant', email: email.toLowerCase() };
}

const describe = (state: AccessState) => `role ${state.role}, tier ${state.tier}`;

async function run(args: string[]): Promise<string> {
  const { grant, email } = parseArguments(args);
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfiguration();

  // Like the app: DATABASE_URL, else the embedded server under DATA_DIR (stop the app first:
  // two processes cannot run it at once; the error then names the taken port).
  let embedded: EmbeddedDatabase | undefined;
  let url = config.database.url;
  if (!url) {
    embedded = await startEmbeddedPostgres({
      dataDir: config.dataDir,
      port: config.database.embeddedPort,
      database: 'app',
    });
    url = embedded.url;
  }
  const dataSource = new DataSource(dataSourceOptions({ ...config.database, url }, entities));
  try {
    await dataSource.initialize();
    if (await dataSource.showMigrations()) {
      throw new CliError(
        'The database has pending migrations: start the app once (it applies them) or run ' +
          '`npm run migration:run`, then try again',
      );
    }
    const change = await new AdminRoleRepository(dataSource).setAdmin(email, grant);
    if (change.outcome === 'unknown') {
      throw new CliError(`No account has the email ${email}: sign up first, then run this again`);
    }
    if (change.outcome === 'system') {
      throw new CliError(`${email} is a platform account; its role cannot be changed`);
    }
    const lines = [
      change.outcome === 'changed'
        ? `${email}: ${describe(change.before)} -> ${describe(change.after)} (recorded in the audit log)`
        : `${email} already has ${describe(change.after)} (recorded in the audit log)`,
    ];
    // Sign-in applies ADMIN_EMAILS again (README, "Admin tools"): say when it would undo this.
    const listed = config.auth.adminEmails.includes(email);
    if (grant && !listed) {
      lines.push(
        `Note: ${email} is not in ADMIN_EMAILS, so its next sign-in makes it a plain user ` +
          'again; add it to ADMIN_EMAILS to keep the role.',
      );
    }
    if (!grant && listed) {
      lines.push(
        `Note: ${email} is in ADMIN_EMAILS, so its next sign-in makes it an admin again; ` +
          'remove it from ADMIN_EMAILS to keep it a plain user.',
      );
    }
    return lines.join('\n');
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await embedded?.stop();
  }
}

try {
  process.stdout.write(`${await run(process.argv.slice(2))}\n`);
} catch (error) {
  if (error instanceof CliError || error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = error instanceof CliError ? error.exitCode : 1;
  } else {
    process.stderr.write(`admin: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
