import { Injectable } from '@nestjs/common';
import { UsersService } from '../auth/users.service.js';
import { PublicCatalogueService } from '../characters/public-catalogue.service.js';
import { ChatService } from '../chat/chat.service.js';
import { SettingsService } from '../common/settings/settings.service.js';
import type { StatsDto } from './dto/stats.dto.js';
import { onlineNow } from './lib/online-now.js';

/** How long the counts are reused: they are display figures, and counting has a cost. */
export const STATS_CACHE_TTL_MS = 60_000;

interface Counts {
  users: number;
  messages: number;
  characters: number;
}

/**
 * The public counters (spec: stats/router.py). Every count leaves out admins, the platform's
 * own accounts and the anonymous guest owner (system-accounts.ts); users and messages then get
 * the display offsets of the settings.
 */
@Injectable()
export class StatsService {
  private cached?: { counts: Promise<Counts>; expiresAt: number };

  constructor(
    private readonly users: UsersService,
    private readonly catalogue: PublicCatalogueService,
    private readonly chats: ChatService,
    private readonly settings: SettingsService,
  ) {}

  async stats(now = Date.now()): Promise<StatsDto> {
    const [counts, usersOffset, messagesOffset] = await Promise.all([
      this.counts(now),
      this.settings.get('stats_users_offset'),
      this.settings.get('stats_messages_offset'),
    ]);
    return {
      users: counts.users + usersOffset,
      messages: counts.messages + messagesOffset,
      characters: counts.characters,
      // Per request, not cached: it must follow the 5-minute windows exactly.
      online_now: onlineNow(now),
    };
  }

  /** Counts at most STATS_CACHE_TTL_MS old; concurrent callers share one computation. */
  private counts(now: number): Promise<Counts> {
    if (this.cached && this.cached.expiresAt > now) return this.cached.counts;
    const counts = this.count();
    this.cached = { counts, expiresAt: now + STATS_CACHE_TTL_MS };
    counts.catch(() => {
      if (this.cached?.counts === counts) this.cached = undefined;
    });
    return counts;
  }

  private async count(): Promise<Counts> {
    const excluded = await this.users.statsExcludedIds();
    const [users, messages, characters] = await Promise.all([
      this.users.countCommunityUsers(),
      this.chats.countMessages(),
      this.catalogue.countForStats(excluded),
    ]);
    return { users, messages, characters };
  }
}
