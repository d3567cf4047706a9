import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { lockForTransaction } from '../database/transaction-lock.js';
import type { DataSource, EntityManager } from 'typeorm';
import { PersonaEntity } from './entities/persona.entity.js';

@Injectable()
export class PersonasRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  listByUser(userId: string): Promise<PersonaEntity[]> {
    return this.dataSource.manager.find(PersonaEntity, {
      where: { userId },
      order: { isDefault: 'DESC', createdAt: 'ASC' },
    });
  }

  findOwned(userId: string, id: string): Promise<PersonaEntity | null> {
    return this.dataSource.manager.findOneBy(PersonaEntity, { id, userId });
  }

  slugTaken(userId: string, slug: string): Promise<boolean> {
    return this.dataSource.manager.exists(PersonaEntity, { where: { userId, slug } });
  }

  /**
   * Inserts a persona unless the user already has `max`. A per-user advisory lock makes the
   * count and the insert one step, so parallel requests cannot overshoot; the first persona
   * becomes the default.
   */
  async insertWithinLimit(
    persona: Partial<PersonaEntity> & { userId: string },
    max: number,
  ): Promise<PersonaEntity | null> {
    return this.dataSource.transaction(async (manager) => {
      await this.lockUser(manager, persona.userId);
      const count = await manager.countBy(PersonaEntity, { userId: persona.userId });
      if (count >= max) return null;
      const isDefault = persona.isDefault || count === 0;
      if (isDefault) await this.clearDefault(manager, persona.userId);
      return manager.save(manager.create(PersonaEntity, { ...persona, isDefault }));
    });
  }

  async update(
    userId: string,
    id: string,
    changes: Partial<PersonaEntity>,
  ): Promise<PersonaEntity | null> {
    return this.dataSource.transaction(async (manager) => {
      await this.lockUser(manager, userId);
      if (changes.isDefault) await this.clearDefault(manager, userId);
      const result = await manager.update(PersonaEntity, { id, userId }, changes);
      return result.affected ? manager.findOneBy(PersonaEntity, { id, userId }) : null;
    });
  }

  /** Deletes a persona; when it was the default, the oldest remaining one becomes the default. */
  async delete(userId: string, id: string): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      await this.lockUser(manager, userId);
      const [deleted] = (await manager.query(
        `DELETE FROM persona WHERE id = $1 AND user_id = $2 RETURNING is_default`,
        [id, userId],
      )) as [Array<{ is_default: boolean }>, number];
      if (deleted.length === 0) return false;
      if (deleted[0].is_default) {
        await manager.query(
          `UPDATE persona SET is_default = true, updated_at = now()
           WHERE id = (SELECT id FROM persona WHERE user_id = $1 ORDER BY created_at, id LIMIT 1)`,
          [userId],
        );
      }
      return true;
    });
  }

  private lockUser(manager: EntityManager, userId: string): Promise<unknown> {
    return lockForTransaction(manager, `persona:${userId}`);
  }

  private clearDefault(manager: EntityManager, userId: string): Promise<unknown> {
    return manager.update(PersonaEntity, { userId, isDefault: true }, { isDefault: false });
  }
}
