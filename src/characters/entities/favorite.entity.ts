import { CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'favorite' })
export class FavoriteEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_favorite' })
  userId: string;

  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_favorite' })
  characterId: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
