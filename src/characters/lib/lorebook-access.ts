/**
 * A character's lorebook is for its owner and admins: it may hold the story's secrets, so the
 * character page, card exports and forks by others leave it out.
 */
export const mayReadLorebook = (
  character: { ownerId: string | null },
  viewer: { id: string; role: string } | null,
): boolean => viewer !== null && (viewer.role === 'admin' || viewer.id === character.ownerId);
