import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** Today, as PostgreSQL sees it: every instance agrees on the UTC day. */
const TODAY = `(now() AT TIME ZONE 'UTC')::date`;

/** The tokens spent per UTC day on LLM work besides chat replies (llm_background_spend). */
@Injectable()
export class BackgroundSpendRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async spentToday(): Promise<number> {
    const rows = await this.dataSource.query<Array<{ tokens: string }>>(
      `SELECT tokens FROM llm_background_spend WHERE day = ${TODAY}`,
    );
    return Number(rows[0]?.tokens ?? 0);
  }

  /** Adds `tokens` to today's count in one statement; returns the new total. */
  async add(tokens: number): Promise<number> {
    const rows = await this.dataSource.query<Array<{ tokens: string }>>(
      `INSERT INTO llm_background_spend (day, tokens) VALUES (${TODAY}, $1)
       ON CONFLICT (day) DO UPDATE SET tokens = llm_background_spend.tokens + EXCLUDED.tokens
       RETURNING tokens`,
      [tokens],
    );
    return Number(rows[0].tokens);
  }

  /** True for exactly one caller per day, across instances: the one that sends the alert. */
  async claimAlert(): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      `INSERT INTO llm_background_spend (day, alerted_at) VALUES (${TODAY}, now())
       ON CONFLICT (day) DO UPDATE SET alerted_at = now()
         WHERE llm_background_spend.alerted_at IS NULL
       RETURNING day`,
    );
    return rows.length > 0;
  }
}
