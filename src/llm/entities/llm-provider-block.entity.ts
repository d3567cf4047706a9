import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A provider blocked automatically (HTTP 402: no balance), shared by every API instance. */
@Entity({ name: 'llm_provider_block' })
export class LlmProviderBlockEntity {
  @PrimaryColumn({ type: 'text' })
  provider: string;

  @Column({ type: 'timestamptz' })
  blockedUntil: Date;

  @Column({ type: 'text' })
  reason: string;

  @Column({ type: 'text', nullable: true })
  lastError: string | null;

  @Column({ type: 'timestamptz' })
  updatedAt: Date;
}
