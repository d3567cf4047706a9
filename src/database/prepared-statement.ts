import type pg from 'pg';
import { type DataSource, QueryFailedError } from 'typeorm';

/**
 * A statement PostgreSQL parses and plans once per pooled connection, then only executes.
 * For the per-request statements (the access guard's user, a chat reply's claim and save,
 * the message quota) parsing and planning cost more than running: named, the large CTEs of
 * the reply path take half the database CPU (bench/README.md). TypeORM's `query()` cannot
 * name a statement, so this goes to its pg pool directly; database errors come back as
 * TypeORM's QueryFailedError, as from `query()`, for the error filter.
 *
 * The text must not change for a given name (it is cached per connection under it).
 */
export class PreparedStatement<Row = Record<string, unknown>> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly name: string,
    private readonly text: string,
  ) {}

  async rows(values: unknown[]): Promise<Row[]> {
    const pool = (this.dataSource.driver as unknown as { master: pg.Pool }).master;
    try {
      const result = await pool.query({ name: this.name, text: this.text, values });
      return result.rows as Row[];
    } catch (error) {
      // A SQLSTATE says the database answered; anything else (no connection) stays as is.
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
        throw new QueryFailedError(this.text, values, error as Error);
      }
      throw error;
    }
  }
}

/** Named statements of one repository, created on first use, for `dataSource.query`-style calls. */
export class PreparedStatements {
  private readonly statements = new Map<string, { text: string; statement: PreparedStatement }>();

  constructor(private readonly dataSource: DataSource) {}

  /** Runs `text` prepared under `name`; the result is the rows, as `dataSource.query` gives. */
  query<T = Array<Record<string, unknown>>>(
    name: string,
    text: string,
    values: unknown[],
  ): Promise<T> {
    let entry = this.statements.get(name);
    if (!entry) {
      entry = { text, statement: new PreparedStatement(this.dataSource, name, text) };
      this.statements.set(name, entry);
    } else if (entry.text !== text) {
      throw new Error(`Prepared statement ${name} was given two different texts`);
    }
    return entry.statement.rows(values) as Promise<T>;
  }
}
