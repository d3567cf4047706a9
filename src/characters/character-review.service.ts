import {
  BadRequestException,
  ConflictException,
  Injectable,
  NotFoundException,
  type OnModuleInit,
} from '@nestjs/common';
import { NotificationsService } from '../notifications/notifications.service.js';
import { UsersService } from '../auth/users.service.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { JobQueue } from '../common/jobs/job-queue.service.js';
import { MailService } from '../common/mail/mail.service.js';
import { InjectConfig, type AppConfig } from '../config/app-config.js';
import { CharacterReviewRepository } from './character-review.repository.js';
import { CharactersService } from './characters.service.js';

/** Mails a character's owner why a moderator rejected it, off the request. */
export const REJECTION_MAIL_JOB = 'moderation.rejection-mail';

export type CharacterDecision = 'approve' | 'reject' | 'unpublish' | 'delete';

/** What the owner is told of a takedown from the review queue when no reason was written. */
export const DEFAULT_TAKEDOWN_REASON = 'Unpublished by a moderator';

interface RejectionMail {
  characterId: string;
  reason: string;
}

/**
 * A moderator's decision on a character from the review queue (AdminModule calls this):
 * approve lists it, reject keeps it private and mails its owner the reason, unpublish takes
 * it down, delete deletes it.
 */
@Injectable()
export class CharacterReviewService implements OnModuleInit {
  constructor(
    private readonly reviews: CharacterReviewRepository,
    private readonly characters: CharactersService,
    private readonly users: UsersService,
    private readonly jobs: JobQueue,
    private readonly mail: MailService,
    private readonly notifications: NotificationsService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.jobs.register<RejectionMail>(REJECTION_MAIL_JOB, (mail) => this.mailRejection(mail));
  }

  /** `id` must be a UUID; `reason` is required to reject. */
  async decide(
    id: string,
    action: CharacterDecision,
    reason: string | null,
    admin: AuthUser,
  ): Promise<void> {
    switch (action) {
      case 'approve': {
        const approved = await this.reviews.approve(id);
        if (!approved) {
          if (await this.reviews.find(id)) {
            throw new ConflictException('This character is not waiting for review');
          }
          throw new NotFoundException('Character not found');
        }
        if (approved.isPublic) await this.characters.scheduleTranslation(approved.id);
        return;
      }
      case 'reject': {
        if (!reason)
          throw new BadRequestException('reason is required to reject (it is mailed to the owner)');
        if (!(await this.reviews.reject(id, reason)))
          throw new NotFoundException('Character not found');
        await this.jobs.enqueue(
          REJECTION_MAIL_JOB,
          { characterId: id, reason },
          { maxAttempts: 5 },
        );
        await this.notifyOwner(id, 'rejected', reason);
        return;
      }
      case 'unpublish': {
        const why = reason ?? DEFAULT_TAKEDOWN_REASON;
        if (!(await this.reviews.takeDown(id, why))) {
          throw new NotFoundException('Character not found');
        }
        await this.notifyOwner(id, 'unpublished', why);
        return;
      }
      case 'delete':
        await this.characters.remove(id, admin);
        return;
    }
  }

  private async notifyOwner(
    id: string,
    decision: 'rejected' | 'unpublished',
    reason: string,
  ): Promise<void> {
    const character = await this.reviews.find(id);
    if (character) {
      await this.notifications.characterModerated(character.ownerId, character, decision, reason);
    }
  }

  /** The job: nothing to do for an owner gone meanwhile; a failed send throws (retried). */
  async mailRejection({ characterId, reason }: RejectionMail): Promise<void> {
    const character = await this.reviews.find(characterId);
    const owner = character && (await this.users.findById(character.ownerId));
    if (!character || !owner || owner.disabledAt || owner.releasedAt) return;
    const site = this.config.site.name;
    await this.mail.send({
      to: owner.email,
      subject: `${site}: your character "${character.name}" was not published`,
      text:
        `A moderator reviewed your character "${character.name}" and did not publish it:\n\n` +
        `${reason}\n\n` +
        'It stays private; you can still chat with it. To ask again, edit it and publish it: ' +
        `it then goes back to the moderators.\n${this.config.frontendUrl}/c/${character.slug}`,
    });
  }
}
