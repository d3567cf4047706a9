import { Injectable } from '@nestjs/common';
import { PromptTemplatesService } from '../chat/prompt/prompt-templates.service.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { AuditService } from './audit.service.js';
import type { PromptTemplateDto } from './dto/prompt.dto.js';

/**
 * Prompt overrides. PromptTemplatesService owns the texts and validates key and language; a
 * change applies at once on this instance and within its 60 s cache on the others.
 */
@Injectable()
export class AdminPromptsService {
  constructor(
    private readonly prompts: PromptTemplatesService,
    private readonly audit: AuditService,
  ) {}

  list(): Promise<PromptTemplateDto[]> {
    return this.prompts.list();
  }

  async set(actor: AuthUser, key: string, lang: string, text: string): Promise<PromptTemplateDto> {
    const before = await this.entry(key, lang);
    await this.prompts.setOverride(key, lang, text);
    return this.recorded(actor, 'prompt.set', key, lang, before);
  }

  async clear(actor: AuthUser, key: string, lang: string): Promise<PromptTemplateDto> {
    const before = await this.entry(key, lang);
    await this.prompts.clearOverride(key, lang);
    return this.recorded(actor, 'prompt.clear', key, lang, before);
  }

  /** Undefined for an unknown key or language, which the write then refuses with a 400. */
  private async entry(key: string, lang: string): Promise<PromptTemplateDto | undefined> {
    return (await this.prompts.list()).find((entry) => entry.key === key && entry.lang === lang);
  }

  private async recorded(
    actor: AuthUser,
    action: 'prompt.set' | 'prompt.clear',
    key: string,
    lang: string,
    before: PromptTemplateDto | undefined,
  ): Promise<PromptTemplateDto> {
    const after = (await this.entry(key, lang))!;
    await this.audit.record(
      actor,
      action,
      `prompt:${key}.${lang}`,
      before?.override ?? null,
      after.override,
    );
    return after;
  }
}
