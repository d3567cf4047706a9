import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Characters1763800300000 implements MigrationInterface {
  name = 'Characters1763800300000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE character (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        slug text NOT NULL,
        owner_id uuid NOT NULL,
        name text NOT NULL,
        description text NOT NULL DEFAULT '',
        personality text NOT NULL DEFAULT '',
        scenario text NOT NULL DEFAULT '',
        greeting text NOT NULL DEFAULT '',
        alternate_greetings jsonb NOT NULL DEFAULT '[]',
        example_dialogues text NOT NULL DEFAULT '',
        appearance text NOT NULL DEFAULT '',
        speech_pattern text NOT NULL DEFAULT '',
        tags text[] NOT NULL DEFAULT '{}',
        structured_tags text[] NOT NULL DEFAULT '{}',
        response_length text NOT NULL DEFAULT 'medium',
        max_tokens integer NOT NULL DEFAULT 2048,
        content_rating text NOT NULL DEFAULT 'sfw',
        is_public boolean NOT NULL DEFAULT false,
        avatar_url text,
        original_language text NOT NULL DEFAULT 'en',
        translations jsonb NOT NULL DEFAULT '{}',
        languages text[] NOT NULL DEFAULT '{}',
        base_chat_count jsonb NOT NULL DEFAULT '{}',
        base_like_count jsonb NOT NULL DEFAULT '{}',
        real_chat_count integer NOT NULL DEFAULT 0,
        real_like_count integer NOT NULL DEFAULT 0,
        vote_score integer NOT NULL DEFAULT 0,
        fork_count integer NOT NULL DEFAULT 0,
        trending_score double precision NOT NULL DEFAULT 0,
        forked_from_id uuid,
        highlights jsonb NOT NULL DEFAULT '[]',
        character_book jsonb,
        card_extensions jsonb NOT NULL DEFAULT '{}',
        search_text text NOT NULL DEFAULT '',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        CONSTRAINT pk_character PRIMARY KEY (id),
        CONSTRAINT uq_character_slug UNIQUE (slug),
        CONSTRAINT fk_character_owner FOREIGN KEY (owner_id) REFERENCES app_user (id) ON DELETE CASCADE,
        CONSTRAINT fk_character_forked_from FOREIGN KEY (forked_from_id) REFERENCES character (id) ON DELETE SET NULL,
        CONSTRAINT ck_character_response_length CHECK (response_length IN ('short', 'medium', 'long', 'very_long')),
        CONSTRAINT ck_character_content_rating CHECK (content_rating IN ('sfw', 'nsfw')),
        CONSTRAINT ck_character_public_avatar CHECK (NOT is_public OR avatar_url IS NOT NULL)
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_character_owner ON character (owner_id, created_at DESC)`,
    );
    // The catalogue lists public, live characters in four orders; each gets a partial index
    // so a page costs the same at 1k and at 100k characters.
    const listed = `WHERE is_public AND deleted_at IS NULL`;
    await queryRunner.query(
      `CREATE INDEX ix_character_list_popular ON character (real_chat_count DESC, vote_score DESC, id DESC) ${listed}`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_character_list_new ON character (created_at DESC, id DESC) ${listed}`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_character_list_top ON character (vote_score DESC, id DESC) ${listed}`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_character_list_trending ON character (trending_score DESC, id DESC) ${listed}`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_character_tags ON character USING gin (tags) ${listed}`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_character_structured_tags ON character USING gin (structured_tags) ${listed}`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_character_languages ON character USING gin (languages) ${listed}`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_character_search ON character USING gin (search_text gin_trgm_ops) ${listed}`,
    );
    await queryRunner.query(`CREATE INDEX ix_character_forked_from ON character (forked_from_id)`);

    await queryRunner.query(`
      CREATE TABLE favorite (
        user_id uuid NOT NULL,
        character_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_favorite PRIMARY KEY (user_id, character_id),
        CONSTRAINT fk_favorite_user FOREIGN KEY (user_id) REFERENCES app_user (id) ON DELETE CASCADE,
        CONSTRAINT fk_favorite_character FOREIGN KEY (character_id) REFERENCES character (id) ON DELETE CASCADE
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_favorite_user_recent ON favorite (user_id, created_at DESC)`,
    );
    await queryRunner.query(`CREATE INDEX ix_favorite_character ON favorite (character_id)`);

    await queryRunner.query(`
      CREATE TABLE vote (
        user_id uuid NOT NULL,
        character_id uuid NOT NULL,
        value smallint NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_vote PRIMARY KEY (user_id, character_id),
        CONSTRAINT fk_vote_user FOREIGN KEY (user_id) REFERENCES app_user (id) ON DELETE CASCADE,
        CONSTRAINT fk_vote_character FOREIGN KEY (character_id) REFERENCES character (id) ON DELETE CASCADE,
        CONSTRAINT ck_vote_value CHECK (value IN (-1, 1))
      )`);
    await queryRunner.query(`CREATE INDEX ix_vote_character ON vote (character_id)`);

    await queryRunner.query(`
      CREATE TABLE persona (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL,
        slug text NOT NULL,
        name text NOT NULL,
        description text NOT NULL DEFAULT '',
        is_default boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_persona PRIMARY KEY (id),
        CONSTRAINT uq_persona_user_slug UNIQUE (user_id, slug),
        CONSTRAINT fk_persona_user FOREIGN KEY (user_id) REFERENCES app_user (id) ON DELETE CASCADE
      )`);
    // One default persona per user, enforced by the database rather than by hope.
    await queryRunner.query(
      `CREATE UNIQUE INDEX uq_persona_default ON persona (user_id) WHERE is_default`,
    );

    await queryRunner.query(`
      CREATE TABLE character_relation (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        character_id uuid NOT NULL,
        related_id uuid NOT NULL,
        relation_type text NOT NULL,
        label_ru text NOT NULL DEFAULT '',
        label_en text NOT NULL DEFAULT '',
        label_es text NOT NULL DEFAULT '',
        label_fr text NOT NULL DEFAULT '',
        label_de text NOT NULL DEFAULT '',
        label_pt text NOT NULL DEFAULT '',
        label_it text NOT NULL DEFAULT '',
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_character_relation PRIMARY KEY (id),
        CONSTRAINT uq_character_relation_pair UNIQUE (character_id, related_id),
        CONSTRAINT fk_character_relation_character FOREIGN KEY (character_id) REFERENCES character (id) ON DELETE CASCADE,
        CONSTRAINT fk_character_relation_related FOREIGN KEY (related_id) REFERENCES character (id) ON DELETE CASCADE,
        CONSTRAINT ck_character_relation_type CHECK (relation_type IN ('rival', 'ex', 'friend', 'sibling', 'enemy', 'lover', 'ally')),
        CONSTRAINT ck_character_relation_self CHECK (character_id <> related_id)
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_character_relation_related ON character_relation (related_id)`,
    );

    await queryRunner.query(`
      CREATE TABLE report (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        reporter_id uuid NOT NULL,
        character_id uuid NOT NULL,
        reason text NOT NULL,
        details text NOT NULL DEFAULT '',
        status text NOT NULL DEFAULT 'pending',
        resolution_note text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_report PRIMARY KEY (id),
        CONSTRAINT fk_report_reporter FOREIGN KEY (reporter_id) REFERENCES app_user (id) ON DELETE CASCADE,
        CONSTRAINT fk_report_character FOREIGN KEY (character_id) REFERENCES character (id) ON DELETE CASCADE,
        CONSTRAINT ck_report_reason CHECK (reason IN ('inappropriate', 'spam', 'impersonation', 'underage', 'other')),
        CONSTRAINT ck_report_status CHECK (status IN ('pending', 'reviewed', 'dismissed'))
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_report_status_recent ON report (status, created_at DESC, id DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_report_reporter_recent ON report (reporter_id, created_at DESC)`,
    );
    await queryRunner.query(`CREATE INDEX ix_report_character ON report (character_id)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE report`);
    await queryRunner.query(`DROP TABLE character_relation`);
    await queryRunner.query(`DROP TABLE persona`);
    await queryRunner.query(`DROP TABLE vote`);
    await queryRunner.query(`DROP TABLE favorite`);
    await queryRunner.query(`DROP TABLE character`);
  }
}
