import type { DataSource, EntityMetadata, EntityTarget, ObjectLiteral } from 'typeorm';
import { PreparedStatement } from './prepared-statement.js';

/**
 * Loads entities by one column with a SELECT built once and prepared (PreparedStatement).
 * TypeORM's `findOneBy` rebuilds its query from the find options on every call — about
 * 0.3 ms of CPU even when no row comes back (bench/README.md) — which the paths run on every
 * request (the access guard's user, the character of a chat reply) cannot afford. Rows are hydrated the way TypeORM does it
 * (the driver's per-column conversions), so callers get the same entities as from a find;
 * soft-deleted rows are skipped, as a find skips them.
 */
export class EntityReader<T extends ObjectLiteral> {
  private readonly metadata: EntityMetadata;
  private readonly selectFrom: string;
  private readonly notDeleted: string;
  private readonly statements = new Map<string, PreparedStatement>();

  constructor(
    private readonly dataSource: DataSource,
    target: EntityTarget<T>,
  ) {
    this.metadata = dataSource.getMetadata(target);
    const columns = this.metadata.columns.map((column) => `"${column.databaseName}"`).join(', ');
    this.selectFrom = `SELECT ${columns} FROM "${this.metadata.tableName}"`;
    const deleted = this.metadata.deleteDateColumn;
    this.notDeleted = deleted ? ` AND "${deleted.databaseName}" IS NULL` : '';
  }

  /** The entity whose `property` equals `value`, or null. */
  async findOneBy(property: keyof T & string, value: unknown): Promise<T | null> {
    const [row] = await this.statementFor(property).rows([value]);
    return row ? this.hydrate(row) : null;
  }

  private statementFor(property: string): PreparedStatement {
    let statement = this.statements.get(property);
    if (!statement) {
      const column = this.metadata.findColumnWithPropertyName(property);
      if (!column) throw new Error(`${this.metadata.name} has no column ${property}`);
      statement = new PreparedStatement(
        this.dataSource,
        `read_${this.metadata.tableName}_by_${column.databaseName}`,
        `${this.selectFrom} WHERE "${column.databaseName}" = $1${this.notDeleted} LIMIT 1`,
      );
      this.statements.set(property, statement);
    }
    return statement;
  }

  private hydrate(row: Record<string, unknown>): T {
    const entity = this.metadata.create() as T;
    const driver = this.dataSource.driver;
    for (const column of this.metadata.columns) {
      column.setEntityValue(entity, driver.prepareHydratedValue(row[column.databaseName], column));
    }
    return entity;
  }
}
