import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** A note the user pinned to a chat. */
export interface PinnedNote {
  id: number;
  text: string;
}

/** What the memory panel shows of a chat besides its settings. */
export interface ChatMemoryState {
  summary: string | null;
  summaryEditedAt: Date | null;
  summarizedThroughId: number | null;
  notes: PinnedNote[];
}

/** A change of the panel: `undefined` leaves a part as it is; `summary` null clears it. */
export interface ChatMemoryChange {
  summary?: string | null;
  notes?: ReadonlyArray<{ id?: number; text: string }>;
}

type NoteRow = { id: string | number; text: string };
const toNotes = (rows: NoteRow[] | null): PinnedNote[] =>
  (rows ?? []).map((row) => ({ id: Number(row.id), text: row.text }));

/** A chat's pinned notes and its summary as the user edits it (chat_note, chat.summary*). */
@Injectable()
export class ChatMemoryRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async read(chatId: string): Promise<ChatMemoryState | null> {
    const [row] = await this.dataSource.query<
      Array<{
        summary: string | null;
        summary_edited_at: Date | null;
        summarized_through_id: string | null;
        notes: NoteRow[] | null;
      }>
    >(
      `SELECT c.summary, c.summary_edited_at, c.summarized_through_id,
              (SELECT json_agg(json_build_object('id', n.id, 'text', n.text)
                               ORDER BY n.position, n.id)
               FROM chat_note n WHERE n.chat_id = c.id) AS notes
       FROM chat c WHERE c.id = $1`,
      [chatId],
    );
    if (!row) return null;
    return {
      summary: row.summary,
      summaryEditedAt: row.summary_edited_at,
      summarizedThroughId:
        row.summarized_through_id === null ? null : Number(row.summarized_through_id),
      notes: toNotes(row.notes),
    };
  }

  /** The chat's notes in order (ix_chat_note_chat), for its prompts. */
  async notes(chatId: string): Promise<PinnedNote[]> {
    const rows = await this.dataSource.query<NoteRow[]>(
      `SELECT id, text FROM chat_note WHERE chat_id = $1 ORDER BY position, id`,
      [chatId],
    );
    return toNotes(rows);
  }

  /**
   * Applies `change` in one statement, the chat locked first (as every change of it). Notes:
   * the list replaces the chat's; a listed id of this chat keeps its note, any other id is a
   * new note. A summary written by the user is stamped (the summarizer continues from it);
   * cleared, the summary's boundary goes too, so the summarizer starts over. False when the
   * chat is gone.
   */
  async save(chatId: string, change: ChatMemoryChange): Promise<boolean> {
    const notes = change.notes ?? [];
    const [row] = await this.dataSource.query<Array<{ found: boolean }>>(
      `WITH live AS (SELECT id FROM chat WHERE id = $1 FOR NO KEY UPDATE),
       summarized AS (
         UPDATE chat SET summary = $3::text,
                         summary_edited_at = CASE WHEN $3::text IS NULL THEN NULL ELSE now() END,
                         summarized_through_id = CASE WHEN $3::text IS NULL THEN NULL
                                                      ELSE summarized_through_id END
         WHERE id = $1 AND $2 AND EXISTS (SELECT 1 FROM live)),
       wanted AS (
         SELECT w.id, w.text, w.position::int FROM unnest($5::bigint[], $6::text[])
                WITH ORDINALITY AS w (id, text, position)
         WHERE $4 AND EXISTS (SELECT 1 FROM live)),
       kept AS (
         UPDATE chat_note n SET text = w.text, position = w.position, updated_at = now()
         FROM wanted w WHERE n.id = w.id AND n.chat_id = $1
         RETURNING n.id),
       removed AS (
         DELETE FROM chat_note n
         WHERE $4 AND n.chat_id = $1 AND EXISTS (SELECT 1 FROM live)
           AND n.id NOT IN (SELECT id FROM wanted WHERE id IS NOT NULL)),
       added AS (
         INSERT INTO chat_note (chat_id, position, text)
         SELECT $1, w.position, w.text FROM wanted w
         WHERE w.id IS NULL OR w.id NOT IN (SELECT id FROM kept))
       SELECT EXISTS (SELECT 1 FROM live) AS found`,
      [
        chatId,
        change.summary !== undefined,
        change.summary ?? null,
        change.notes !== undefined,
        notes.map((note) => note.id ?? null),
        notes.map((note) => note.text),
      ],
    );
    return row.found;
  }
}
