import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { ChatSettings } from './entities/chat.entity.js';

/** How muting a member went: done, no such member, or it was the last one who speaks. */
export type MuteOutcome = 'done' | 'not_member' | 'last_speaker';

/** How reordering went: done, or the ids given are not the chat's members. */
export type ReorderOutcome = 'done' | 'not_members';

/**
 * What the user steers a chat with besides its messages: its settings, and which members speak
 * and in what order (chat_member). Reply rounds read all of it with the chat row (CHAT_COLUMNS).
 */
@Injectable()
export class ChatControlsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Replaces the chat's settings; false when the chat is gone. */
  async saveSettings(chatId: string, settings: ChatSettings): Promise<boolean> {
    const [, updated] = (await this.dataSource.query(
      `UPDATE chat SET settings = $2::jsonb WHERE id = $1`,
      [chatId, JSON.stringify(settings)],
    )) as [unknown, number];
    return updated > 0;
  }

  /**
   * Mutes or unmutes a member. One member at least keeps speaking: muting the last one is
   * refused. The chat is locked first so that two members muted at once are counted in turn.
   */
  async setMuted(chatId: string, characterId: string, muted: boolean): Promise<MuteOutcome> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT 1 FROM chat WHERE id = $1 FOR NO KEY UPDATE`, [chatId]);
      // A statement of its own after the lock, so it reads the members as they now are.
      const [row] = await manager.query<Array<{ member: boolean; others_speak: boolean }>>(
        `SELECT EXISTS (SELECT 1 FROM chat_member WHERE chat_id = $1 AND character_id = $2)
                  AS member,
                EXISTS (SELECT 1 FROM chat_member
                        WHERE chat_id = $1 AND character_id <> $2 AND NOT muted) AS others_speak`,
        [chatId, characterId],
      );
      if (!row.member) return 'not_member';
      if (muted && !row.others_speak) return 'last_speaker';
      await manager.query(
        `UPDATE chat_member SET muted = $3 WHERE chat_id = $1 AND character_id = $2`,
        [chatId, characterId, muted],
      );
      return 'done';
    });
  }

  /**
   * Gives the members a new speaking order (`characterIds`: each member once); the first
   * becomes the chat's lead (chat.character_id), as position 0 always is. The rows are
   * written anew: positions are a key, which an UPDATE swapping them would trip over midway.
   */
  async reorder(chatId: string, characterIds: readonly string[]): Promise<ReorderOutcome> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT 1 FROM chat WHERE id = $1 FOR NO KEY UPDATE`, [chatId]);
      const members = await manager.query<Array<{ character_id: string; muted: boolean }>>(
        `SELECT character_id, muted FROM chat_member WHERE chat_id = $1`,
        [chatId],
      );
      const muted = new Map(members.map((member) => [member.character_id, member.muted]));
      if (members.length !== characterIds.length || !characterIds.every((id) => muted.has(id))) {
        return 'not_members';
      }
      await manager.query(`DELETE FROM chat_member WHERE chat_id = $1`, [chatId]);
      await manager.query(
        `INSERT INTO chat_member (chat_id, position, character_id, muted)
         SELECT $1, m.position - 1, m.character_id, m.muted
         FROM unnest($2::uuid[], $3::boolean[]) WITH ORDINALITY AS m (character_id, muted, position)`,
        [chatId, characterIds, characterIds.map((id) => muted.get(id))],
      );
      await manager.query(`UPDATE chat SET character_id = $2 WHERE id = $1`, [
        chatId,
        characterIds[0],
      ]);
      return 'done';
    });
  }
}
