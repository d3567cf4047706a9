import { sha256Hex } from '../../common/hash.js';

/**
 * Anti-template variability (spec: slug-hash section rotation, 6 heading/CTA variants):
 * thousands of pages from one template look like doorway pages to search engines, so each
 * character page picks its heading, call to action and section order from a hash of its slug.
 * The same slug always gets the same page (stable ETags, stable snippets).
 */
export const VARIANT_COUNT = 6;

export interface PageVariant {
  /** 0..VARIANT_COUNT-1: which heading and call-to-action wording. */
  wording: number;
  /** How far the body sections are rotated. */
  rotation: number;
  /** Whether the rotated order is read backwards. */
  reversed: boolean;
}

export function pageVariant(slug: string): PageVariant {
  const hash = Number.parseInt(sha256Hex(slug).slice(0, 8), 16);
  return {
    wording: hash % VARIANT_COUNT,
    rotation: Math.floor(hash / VARIANT_COUNT) % 997,
    reversed: Math.floor(hash / (VARIANT_COUNT * 997)) % 2 === 1,
  };
}

/** The sections in this variant's order: rotated, then possibly reversed. */
export function orderSections<T>(sections: readonly T[], variant: PageVariant): T[] {
  if (sections.length === 0) return [];
  const shift = variant.rotation % sections.length;
  const rotated = [...sections.slice(shift), ...sections.slice(0, shift)];
  return variant.reversed ? rotated.reverse() : rotated;
}
