import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A model that failed recently and is left out of `auto` selection until `until`. */
@Entity({ name: 'llm_model_cooldown' })
export class LlmModelCooldownEntity {
  @PrimaryColumn({ type: 'text' })
  provider: string;

  @PrimaryColumn({ type: 'text' })
  model: string;

  @Column({ type: 'timestamptz' })
  until: Date;

  @Column({ type: 'text', nullable: true })
  lastError: string | null;
}
