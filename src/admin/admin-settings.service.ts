import { Inject, Injectable } from '@nestjs/common';
import type { AuthUser } from '../common/auth/auth-user.js';
import { SETTINGS, type SettingKey } from '../common/settings/settings.registry.js';
import { SettingsService } from '../common/settings/settings.service.js';
import { RETRIEVER, type Retriever } from '../chat/memory/retriever.js';
import { LlmService } from '../llm/llm.service.js';
import { AuditService } from './audit.service.js';
import type { MemoryStatusDto, ProviderStatusDto, SettingDto } from './dto/setting.dto.js';

/**
 * Typed settings and the LLM provider switches among them. A change applies at once on this
 * instance and within SettingsService's 60 s cache on the others; `provider_enabled.<name>`
 * = true also lifts an automatic block (LLM module, through SettingsService.onChange).
 */
@Injectable()
export class AdminSettingsService {
  constructor(
    private readonly settings: SettingsService,
    private readonly llm: LlmService,
    private readonly audit: AuditService,
    @Inject(RETRIEVER) private readonly retriever: Retriever,
  ) {}

  async list(): Promise<SettingDto[]> {
    const values = await this.settings.allFresh();
    return (Object.keys(SETTINGS) as SettingKey[]).map((key) => describe(key, values[key]));
  }

  /** SettingsService refuses an unknown key or a value against the rule with a 400 naming it. */
  async update(actor: AuthUser, key: string, value: unknown): Promise<SettingDto> {
    const before = (await this.settings.allFresh())[key as SettingKey];
    await this.settings.set(key, value);
    await this.audit.record(actor, 'setting.update', `setting:${key}`, before, value);
    return describe(key as SettingKey, value);
  }

  memoryStatus(): MemoryStatusDto {
    return memoryStatus(this.retriever);
  }

  async providerStatus(): Promise<ProviderStatusDto[]> {
    return (await this.llm.providerStatus()).map((status) => ({
      provider: status.provider,
      configured: status.configured,
      paid: status.paid,
      enabled: status.enabled,
      blocked: status.blocked,
      blocked_until: status.blockedUntil?.toISOString() ?? null,
      remaining_seconds: status.remainingSeconds,
      reason: status.reason,
      last_error: status.lastError,
      models_cooling_down: status.modelsCoolingDown,
      available: status.available,
    }));
  }
}

/** The recall mode in use (also logged at start-up: recallRetriever). */
export function memoryStatus(retriever: Pick<Retriever, 'mode'>): MemoryStatusDto {
  return { recall_mode: retriever.mode };
}

function describe(key: SettingKey, value: unknown): SettingDto {
  const definition = SETTINGS[key];
  return {
    key,
    value,
    type: definition.type,
    default: definition.default,
    ...('min' in definition ? { min: definition.min, max: definition.max } : {}),
    ...('values' in definition ? { values: [...definition.values] } : {}),
    ...('maxItems' in definition
      ? {
          ...('minItems' in definition ? { min_items: definition.minItems } : {}),
          max_items: definition.maxItems,
          max_length: definition.maxLength,
        }
      : {}),
    description: definition.description,
  };
}
