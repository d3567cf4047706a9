import type { CharacterScreening } from '../../moderation/moderation.service.js';
import type { CharacterEntity, ModerationStatus } from '../entities/character.entity.js';

type Listing = Pick<CharacterEntity, 'isPublic' | 'moderationStatus' | 'moderationReason'>;

export interface ListingChange {
  /** Column changes to save with the edit. */
  changes: {
    isPublic?: boolean;
    moderationStatus: ModerationStatus;
    moderationReason: string | null;
  };
  /** Open (or refresh) the character's review in the queue. */
  review: boolean;
  /** Close its open review: the owner unpublished it, or its text no longer needs one. */
  withdraw: boolean;
}

/**
 * What an edit makes of a character's listing. The owner wants it public when the edit says
 * so, else when it is public or waiting for review. Wanted public, it waits for a moderator
 * (private, `pending`) when its text scored borderline or a moderator rejected it before;
 * otherwise it is listed. Not wanted public, a pending review is withdrawn and a rejection
 * stays (with its reason) until the owner publishes again.
 */
export function listingAfterEdit(
  current: Listing,
  requestedPublic: boolean | undefined,
  screening: CharacterScreening,
): ListingChange {
  const wasPending = current.moderationStatus === 'pending';
  const wantsPublic = requestedPublic ?? (current.isPublic || wasPending);
  if (!wantsPublic) {
    const rejected = current.moderationStatus === 'rejected';
    return {
      changes: {
        moderationStatus: rejected ? 'rejected' : 'clear',
        moderationReason: rejected ? current.moderationReason : null,
      },
      review: false,
      withdraw: wasPending,
    };
  }
  if (screening.verdict === 'review' || current.moderationStatus === 'rejected') {
    return {
      changes: {
        isPublic: false,
        moderationStatus: 'pending',
        moderationReason:
          screening.reason ??
          `Published again after a moderator rejected it${
            current.moderationReason ? ` (${current.moderationReason})` : ''
          }: waiting for a moderator before it is listed`,
      },
      review: true,
      withdraw: false,
    };
  }
  return {
    changes: { isPublic: true, moderationStatus: 'clear', moderationReason: null },
    review: false,
    withdraw: wasPending,
  };
}
