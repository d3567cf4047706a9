/**
 * A tabletop campaign is a character tagged 'dnd', with the free tag or the structured one
 * (spec: DnD detection): its chats get the game master's prompts, dice and state, and it is
 * listed on the campaigns page and under either catalogue filter. There is no campaign entity.
 */
export const CAMPAIGN_TAG = 'dnd';

export function isCampaign(character: {
  tags?: readonly string[] | null;
  structuredTags?: readonly string[] | null;
}): boolean {
  return (
    (character.structuredTags ?? []).includes(CAMPAIGN_TAG) ||
    (character.tags ?? []).some((tag) => tag.trim().toLowerCase() === CAMPAIGN_TAG)
  );
}

/** isCampaign as SQL on the character alias `alias` (free tags are stored lower-cased). */
export const campaignCondition = (alias: string): string =>
  `(${alias}.tags @> ARRAY['${CAMPAIGN_TAG}']::text[] ` +
  `OR ${alias}.structured_tags @> ARRAY['${CAMPAIGN_TAG}']::text[])`;
