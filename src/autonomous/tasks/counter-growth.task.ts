import { Injectable } from '@nestjs/common';
import { CatalogueMaintenanceService } from '../../characters/catalogue-maintenance.service.js';
import { DAY_MS, type AutonomousTask, type TaskResult } from '../autonomous-task.js';

/**
 * Daily: the base chat and like counters of public characters grow (spec: counter_growth.py),
 * and trending scores decay (once per UTC day, however often the task runs).
 */
@Injectable()
export class CounterGrowthTask implements AutonomousTask {
  readonly name = 'counter_growth';
  readonly description =
    'Grows base_chat_count and base_like_count of public characters, per language preferences, and decays trending scores';
  readonly intervalMs = DAY_MS;

  constructor(private readonly catalogue: CatalogueMaintenanceService) {}

  async run(): Promise<TaskResult> {
    const characters = await this.catalogue.growCounters();
    return { characters, trending_decayed: await this.catalogue.decayTrending() };
  }
}
