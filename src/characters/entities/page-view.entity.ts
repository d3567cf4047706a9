import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { Language } from '../../common/languages.js';

/** One view of a character page (GET /api/characters/{id}); kept 90 days. */
@Index('ix_page_view_viewed_at', ['viewedAt'])
@Index('ix_page_view_character', ['characterId', 'viewedAt'])
@Entity({ name: 'page_view' })
export class PageViewEntity {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'pk_page_view',
  })
  id: string;

  @Column({ type: 'uuid' })
  characterId: string;

  @Column({ type: 'text', nullable: true })
  lang: Language | null;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  viewedAt: Date;
}
