import type {
  ClassifyContext,
  ModerationCategory,
  ModerationClassifier,
  ModerationResult,
} from '../moderation.types.js';
import { excerptOf, scanText } from './rules-engine.js';

/**
 * The built-in rules: keyword and pattern lists in the seven languages over folded text
 * (rules/normalize.ts), compiled once at start-up. Synchronous and cheap (bench/moderation.ts:
 * well under 0.5 ms per KB), so the output scanner can run them on every sentence.
 */
export class RulesClassifier implements ModerationClassifier {
  readonly name = 'rules';

  classify(text: string, context: ClassifyContext): Promise<ModerationResult> {
    return Promise.resolve(this.classifySync(text, context));
  }

  classifySync(text: string, context: ClassifyContext): ModerationResult {
    const { scores, evidence } = scanText(text, context.nsfw);
    const excerpts: Partial<Record<ModerationCategory, string>> = {};
    for (const [category, { start, end }] of Object.entries(evidence)) {
      excerpts[category as ModerationCategory] = excerptOf(text, start, end);
    }
    return { scores, excerpts };
  }
}
