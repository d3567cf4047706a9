import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { MoreThan, type Repository } from 'typeorm';
import { LlmModelCooldownEntity } from '../entities/llm-model-cooldown.entity.js';
import { LlmProviderBlockEntity } from '../entities/llm-provider-block.entity.js';

@Injectable()
export class LlmAvailabilityRepository {
  constructor(
    @InjectRepository(LlmProviderBlockEntity)
    private readonly blocks: Repository<LlmProviderBlockEntity>,
    @InjectRepository(LlmModelCooldownEntity)
    private readonly cooldowns: Repository<LlmModelCooldownEntity>,
  ) {}

  getActiveBlocks(now: Date): Promise<LlmProviderBlockEntity[]> {
    return this.blocks.findBy({ blockedUntil: MoreThan(now) });
  }

  getActiveCooldowns(now: Date): Promise<LlmModelCooldownEntity[]> {
    return this.cooldowns.findBy({ until: MoreThan(now) });
  }

  /**
   * Blocks a provider unless a block is already in force, atomically: true only for the one
   * caller (across all instances) whose statement created the block, so exactly one alert
   * goes out per block. An expired row is overwritten like a missing one.
   */
  async blockIfNotBlocked(block: LlmProviderBlockEntity): Promise<boolean> {
    const rows: unknown[] = await this.blocks.manager.query(
      `INSERT INTO llm_provider_block AS b (provider, blocked_until, reason, last_error, updated_at)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (provider) DO UPDATE
         SET blocked_until = EXCLUDED.blocked_until, reason = EXCLUDED.reason,
             last_error = EXCLUDED.last_error, updated_at = EXCLUDED.updated_at
         WHERE b.blocked_until <= EXCLUDED.updated_at
       RETURNING provider`,
      [block.provider, block.blockedUntil, block.reason, block.lastError, block.updatedAt],
    );
    return rows.length > 0;
  }

  async unblock(provider: string): Promise<void> {
    await this.blocks.delete({ provider });
  }

  async setCooldown(cooldown: LlmModelCooldownEntity): Promise<void> {
    await this.cooldowns.upsert(cooldown, ['provider', 'model']);
  }
}
