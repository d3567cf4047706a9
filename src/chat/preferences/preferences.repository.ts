import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { ChatSettings } from '../entities/chat.entity.js';

/** A user's stored chat preferences; null fields (and no row) are no preference. */
export interface ChatPreferences {
  model: string | null;
  maxTokens: number | null;
}

/** The changes of an update: a field left out stays as it is, null clears it. */
export type PreferenceChanges = { [K in keyof ChatPreferences]?: ChatPreferences[K] };

@Injectable()
export class PreferencesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async find(userId: string): Promise<ChatPreferences> {
    const [row] = await this.dataSource.query<
      Array<{ model: string | null; max_tokens: number | null }>
    >(`SELECT model, max_tokens FROM user_preference WHERE user_id = $1`, [userId]);
    return { model: row?.model ?? null, maxTokens: row?.max_tokens ?? null };
  }

  /** The settings a new chat of the user starts with. */
  async newChatSettings(userId: string): Promise<ChatSettings> {
    const { model, maxTokens } = await this.find(userId);
    return {
      ...(model !== null ? { model } : {}),
      ...(maxTokens !== null ? { max_tokens: maxTokens } : {}),
    };
  }

  async update(userId: string, changes: PreferenceChanges): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO user_preference (user_id, model, max_tokens) VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO UPDATE SET
         model = CASE WHEN $4 THEN EXCLUDED.model ELSE user_preference.model END,
         max_tokens = CASE WHEN $5 THEN EXCLUDED.max_tokens ELSE user_preference.max_tokens END,
         updated_at = now()`,
      [
        userId,
        changes.model ?? null,
        changes.maxTokens ?? null,
        changes.model !== undefined,
        changes.maxTokens !== undefined,
      ],
    );
  }
}
