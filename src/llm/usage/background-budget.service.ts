import { Injectable, Logger } from '@nestjs/common';
import { MailService } from '../../common/mail/mail.service.js';
import { SettingsService } from '../../common/settings/settings.service.js';
import { InjectConfig, type AppConfig } from '../../config/app-config.js';
import { BackgroundBudgetSpentError } from '../llm.errors.js';
import type { TokenUsage } from '../llm.types.js';
import { BackgroundSpendRepository } from './background-spend.repository.js';

/** The next midnight UTC: when a spent daily cap or budget starts again. */
export function nextUtcDay(now = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
}

/**
 * The platform's daily budget of LLM tokens for work besides chat replies (translations, AI
 * drafts, summaries, scheduled jobs), counted in PostgreSQL per UTC day across instances.
 * Checked before each call and counted after it, so calls already running when it runs out
 * finish (the overshoot is at most one call per worker). The first refusal of a day mails
 * the admins, once across instances.
 */
@Injectable()
export class BackgroundBudget {
  private readonly logger = new Logger(BackgroundBudget.name);
  /**
   * The budget this instance last found spent, and until when: later checks against the same
   * budget are refused without a query (summaries would otherwise ask on every reply of a long
   * chat for the rest of the day); a changed setting is looked at anew.
   */
  private spentBudget?: { budget: number; until: number };

  constructor(
    private readonly spend: BackgroundSpendRepository,
    private readonly settings: SettingsService,
    private readonly mail: MailService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /** Throws BackgroundBudgetSpentError once today's tokens reach the budget. */
  async assertAvailable(): Promise<void> {
    const budget = await this.settings.get('background_llm_daily_tokens');
    const known = this.spentBudget;
    if (known && known.budget === budget && Date.now() < known.until) {
      throw new BackgroundBudgetSpentError(new Date(known.until));
    }
    const spent = await this.spend.spentToday();
    if (spent < budget) return;
    const until = nextUtcDay();
    this.spentBudget = { budget, until: until.getTime() };
    await this.alertOnce(spent, budget);
    throw new BackgroundBudgetSpentError(until);
  }

  /** False once today's tokens reach the budget (for callers with work to skip before a call). */
  async available(): Promise<boolean> {
    try {
      await this.assertAvailable();
      return true;
    } catch (error) {
      if (error instanceof BackgroundBudgetSpentError) return false;
      throw error;
    }
  }

  async record(usage: TokenUsage): Promise<void> {
    const tokens = usage.promptTokens + usage.completionTokens;
    if (!Number.isSafeInteger(tokens) || tokens <= 0) return;
    await this.spend.add(tokens);
  }

  private async alertOnce(spent: number, budget: number): Promise<void> {
    if (!(await this.spend.claimAlert())) return;
    this.logger.warn(`Background LLM budget spent: ${spent} of ${budget} tokens today`);
    this.mail.notifyAdmins(
      `[${this.config.site.name}] Background AI budget spent for today`,
      [
        `Work besides chat replies has used ${spent} LLM tokens today (UTC), ` +
          `the daily budget being ${budget} (setting background_llm_daily_tokens).`,
        'Translations, AI drafts, chat summaries and scheduled jobs wait until midnight UTC; ' +
          'chats go on. Raise the setting to let them continue today.',
      ].join('\n'),
    );
  }
}
