import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, QueryDeepPartialEntity } from 'typeorm';
import { CharacterEntity } from './entities/character.entity.js';

/** Key-value store row (prompt_template) written once: by the instance that seeded, or declined. */
export const STARTER_MARKER_KEY = 'seed.starter_characters';

export type SeedOutcome = 'seeded' | 'seeded-before' | 'catalogue-not-empty';

@Injectable()
export class StarterCharactersRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async alreadyDecided(): Promise<boolean> {
    const rows = (await this.dataSource.query(`SELECT 1 FROM prompt_template WHERE key = $1`, [
      STARTER_MARKER_KEY,
    ])) as unknown[];
    return rows.length > 0;
  }

  /**
   * Inserts the rows `build` makes, once per database. The marker row is inserted first in the
   * same transaction: an instance starting at the same time waits on its key until this one
   * commits (then finds it) or rolls back (then tries itself). A catalogue that has, or ever
   * had, a character (soft-deleted ones count) gets the marker and nothing else, so an
   * operator who deleted everything is not handed the starters back.
   */
  seedOnce(build: () => Promise<Array<Partial<CharacterEntity>>>): Promise<SeedOutcome> {
    return this.dataSource.transaction(async (manager) => {
      const claimed = (await manager.query(
        `INSERT INTO prompt_template (key, value) VALUES ($1, 'claimed')
         ON CONFLICT (key) DO NOTHING RETURNING key`,
        [STARTER_MARKER_KEY],
      )) as unknown[];
      if (claimed.length === 0) return 'seeded-before';
      const [{ any }] = (await manager.query(
        `SELECT EXISTS (SELECT 1 FROM character) AS any`,
      )) as Array<{ any: boolean }>;
      const outcome: SeedOutcome = any ? 'catalogue-not-empty' : 'seeded';
      if (outcome === 'seeded') {
        const rows = (await build()) as Array<QueryDeepPartialEntity<CharacterEntity>>;
        await manager.insert(CharacterEntity, rows);
      }
      await manager.query(`UPDATE prompt_template SET value = $2 WHERE key = $1`, [
        STARTER_MARKER_KEY,
        outcome,
      ]);
      return outcome;
    });
  }
}
