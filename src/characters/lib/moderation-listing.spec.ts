import { describe, expect, it } from '@jest/globals';
import type { CharacterScreening } from '../../moderation/moderation.service.js';
import { listingAfterEdit } from './moderation-listing.js';

const allow: CharacterScreening = { verdict: 'allow', hits: [], reason: null };
const review: CharacterScreening = { verdict: 'review', hits: [], reason: 'Waiting: sexual' };
const listed = { isPublic: true, moderationStatus: 'clear' as const, moderationReason: null };
const draft = { ...listed, isPublic: false };
const pending = { isPublic: false, moderationStatus: 'pending' as const, moderationReason: 'W' };
const rejected = { isPublic: false, moderationStatus: 'rejected' as const, moderationReason: 'No' };

describe('listing after an edit', () => {
  it('publishes a clean character and holds a borderline one for review', () => {
    expect(listingAfterEdit(draft, true, allow)).toEqual({
      changes: { isPublic: true, moderationStatus: 'clear', moderationReason: null },
      review: false,
      withdraw: false,
    });
    expect(listingAfterEdit(draft, true, review)).toEqual({
      changes: {
        isPublic: false,
        moderationStatus: 'pending',
        moderationReason: 'Waiting: sexual',
      },
      review: true,
      withdraw: false,
    });
  });

  it('takes a listed character out when an edit makes it borderline', () => {
    expect(listingAfterEdit(listed, undefined, review).changes).toMatchObject({
      isPublic: false,
      moderationStatus: 'pending',
    });
  });

  it('keeps a pending one waiting, lists it once its text is clean, withdraws it when unpublished', () => {
    expect(listingAfterEdit(pending, undefined, review).review).toBe(true);
    expect(listingAfterEdit(pending, undefined, allow)).toMatchObject({
      changes: { isPublic: true, moderationStatus: 'clear' },
      withdraw: true,
    });
    expect(listingAfterEdit(pending, false, review)).toEqual({
      changes: { moderationStatus: 'clear', moderationReason: null },
      review: false,
      withdraw: true,
    });
  });

  it('sends a rejected one back to a moderator when published, clean or not, and keeps the reason meanwhile', () => {
    expect(listingAfterEdit(rejected, undefined, allow).changes).toEqual({
      moderationStatus: 'rejected',
      moderationReason: 'No',
    });
    const again = listingAfterEdit(rejected, true, allow);
    expect(again.review).toBe(true);
    expect(again.changes.moderationReason).toContain('rejected it (No)');
  });

  it('leaves private drafts alone', () => {
    expect(listingAfterEdit(draft, undefined, review)).toEqual({
      changes: { moderationStatus: 'clear', moderationReason: null },
      review: false,
      withdraw: false,
    });
  });
});
