import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ReleasedEmailSearch1763808100001 implements MigrationInterface {
  name = 'ReleasedEmailSearch1763808100001';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // The admin user search also matches the address a released account gave up
    // (UsersRepository.search): trigrams keep "%term%" off a sequential scan, as for
    // ix_app_user_search, and only released accounts have one.
    await queryRunner.query(
      `CREATE INDEX ix_app_user_released_email ON app_user
         USING gin (lower(released_email::text) gin_trgm_ops) WHERE released_email IS NOT NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ix_app_user_released_email`);
  }
}
