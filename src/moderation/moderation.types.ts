/**
 * What the moderation module classifies. `minors_sexual` is the one line that is never
 * crossed: it always refuses (its threshold cannot be switched off).
 */
export const MODERATION_CATEGORIES = [
  'minors_sexual',
  'sexual',
  'violence_graphic',
  'self_harm',
  'hate',
  'illegal',
] as const;
export type ModerationCategory = (typeof MODERATION_CATEGORIES)[number];

/** How each category is named to users (refusals) and owners (review reasons). */
export const CATEGORY_LABELS: Record<ModerationCategory, string> = {
  minors_sexual: 'sexual content involving minors',
  sexual: 'sexual content',
  violence_graphic: 'graphic violence',
  self_harm: 'self-harm',
  hate: 'hateful content',
  illegal: 'instructions for illegal acts',
};

/** Where a text is checked: a character's fields, a user's chat message, a model's reply. */
export const MODERATION_STAGES = ['character', 'input', 'output'] as const;
export type ModerationStage = (typeof MODERATION_STAGES)[number];

export type ModerationVerdict = 'allow' | 'review' | 'refuse';

export type CategoryScores = Partial<Record<ModerationCategory, number>>;

/** What a classifier needs besides the text. */
export interface ClassifyContext {
  /** The text belongs to an NSFW character or chat: sexual content is expected there, and a
   *  stated or implied age under 18 is then itself `minors_sexual`. */
  nsfw: boolean;
}

/** One classifier's opinion of one text: scores from 0 to 1 (absent: 0). */
export interface ModerationResult {
  scores: CategoryScores;
  /** For each category scored, a short excerpt of the original text around the evidence. */
  excerpts?: Partial<Record<ModerationCategory, string>>;
}

/**
 * A classifier of text. The built-in rules and a provider's moderation endpoint both are one;
 * the service asks every enabled classifier and keeps the highest score per category.
 */
export interface ModerationClassifier {
  readonly name: string;
  classify(text: string, context: ClassifyContext): Promise<ModerationResult>;
}

/** An image to classify: a PNG, JPEG or WebP (as avatars are stored). */
export interface ModeratedImage {
  data: Buffer;
  mimeType: 'image/png' | 'image/jpeg' | 'image/webp';
}

/**
 * A classifier of images (avatars: uploaded, imported with a card, generated). None ships of
 * its own: with MODERATION_IMAGES the provider endpoint reads them (ProviderClassifier), else
 * there is none and every image passes.
 */
export interface ImageModerationClassifier {
  readonly name: string;
  classify(image: ModeratedImage, context: ClassifyContext): Promise<ModerationResult>;
}

export type HitSource = 'rules' | 'provider';

/** A category that scored at least its review threshold in one field. */
export interface ModerationHit {
  field: string;
  category: ModerationCategory;
  score: number;
  source: HitSource;
  /** Original text around the evidence (rules only). */
  excerpt?: string;
}

export interface ModerationCheck {
  verdict: ModerationVerdict;
  hits: ModerationHit[];
}
