import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * The spec's `prompt_templates` store: prompt overrides, typed settings (`setting.*`),
 * scheduler state (`scheduler.*`) and model-monitor state (`models.*`), one row per key.
 */
@Entity({ name: 'prompt_template' })
export class KeyValueEntity {
  @PrimaryColumn({ type: 'text' })
  key: string;

  @Column({ type: 'text' })
  value: string;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
