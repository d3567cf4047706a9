import { Injectable, Logger } from '@nestjs/common';
import {
  CatalogueMaintenanceService,
  type RelationCandidate,
  type RelationLabels,
} from '../../characters/catalogue-maintenance.service.js';
import { RELATION_TYPES, type RelationType } from '../../characters/entities/relation.entity.js';
import { LANGUAGES } from '../../common/languages.js';
import { LlmService } from '../../llm/llm.service.js';
import { askForJson, type Checked } from '../ask-json.js';
import { type AutonomousTask, type TaskResult, WEEK_MS } from '../autonomous-task.js';
import { humanizeText } from '../text-humanizer.js';

export const MIN_SHARED_TAGS = 2;
export const MAX_RELATIONS_PER_CHARACTER = 3;
export const MAX_PAIRS_PER_RUN = 20;
/** Candidates looked at per run: some fail the caps or get no valid answer. */
const CANDIDATES_PER_RUN = MAX_PAIRS_PER_RUN * 2;
const MAX_LABEL_LENGTH = 60;

interface Relation {
  type: RelationType;
  labels: { a: RelationLabels; b: RelationLabels };
}

function checkLabels(value: unknown, key: string, problems: string[]): RelationLabels {
  const labels = {} as RelationLabels;
  for (const lang of LANGUAGES) {
    const label = (value as Record<string, unknown> | null)?.[lang];
    if (typeof label !== 'string' || !label.trim() || label.trim().length > MAX_LABEL_LENGTH) {
      problems.push(`${key}.${lang} must be a label of 1-${MAX_LABEL_LENGTH} characters`);
    } else {
      labels[lang] = humanizeText(label.trim());
    }
  }
  return labels;
}

/** The relation the model chose, or the problems. Pure, so it is unit tested. */
export function checkRelation(json: Record<string, unknown>): Checked<Relation> {
  const problems: string[] = [];
  const type = json.type;
  if (!(RELATION_TYPES as readonly unknown[]).includes(type)) {
    problems.push(`type must be one of ${RELATION_TYPES.join(', ')}`);
  }
  const a = checkLabels(json.label_for_a, 'label_for_a', problems);
  const b = checkLabels(json.label_for_b, 'label_for_b', problems);
  return problems.length > 0
    ? { problems: problems.join('; ') }
    : { value: { type: type as RelationType, labels: { a, b } } };
}

const INSTRUCTIONS = [
  'You connect two characters of a roleplay catalogue with one relationship that makes both',
  `more interesting. Choose its type from: ${RELATION_TYPES.join(', ')}.`,
  'Write short labels (a few words, like "Childhood rival" or "Older sister") in each',
  `language: ${LANGUAGES.join(', ')}.`,
  "label_for_a is shown on A's page and names what B is to A; label_for_b names what A is to B.",
  'Answer with one JSON object and nothing else:',
  '{"type": "...", "label_for_a": {"ru": "...", ...}, "label_for_b": {"ru": "...", ...}}',
].join('\n');

const describePair = ({ a, b, sharedTags }: RelationCandidate) =>
  [
    `A: ${a.name}. ${a.description}`,
    `B: ${b.name}. ${b.description}`,
    `Shared tags: ${sharedTags.join(', ')}`,
  ].join('\n');

/**
 * Weekly: relations between characters sharing two or more tags (spec:
 * relationship_builder.py), stored in both directions. At most 3 relations per character and
 * 20 new pairs per run; the database enforces the per-character cap as it inserts.
 */
@Injectable()
export class RelationshipsTask implements AutonomousTask {
  readonly name = 'relationships';
  readonly description = `Relates up to ${MAX_PAIRS_PER_RUN} pairs of characters sharing ${MIN_SHARED_TAGS}+ tags (at most ${MAX_RELATIONS_PER_CHARACTER} relations each)`;
  readonly intervalMs = WEEK_MS;
  private readonly logger = new Logger(RelationshipsTask.name);

  constructor(
    private readonly llm: LlmService,
    private readonly catalogue: CatalogueMaintenanceService,
  ) {}

  async run(): Promise<TaskResult> {
    const candidates = await this.catalogue.relationCandidates({
      minSharedTags: MIN_SHARED_TAGS,
      maxPerCharacter: MAX_RELATIONS_PER_CHARACTER,
      limit: CANDIDATES_PER_RUN,
    });
    let pairs = 0;
    let capped = 0;
    let invalid = 0;
    // Relations made in this run, so a character that is full is not sent to the model again.
    const added = new Map<string, number>();
    const full = (id: string, had: number) =>
      had + (added.get(id) ?? 0) >= MAX_RELATIONS_PER_CHARACTER;
    for (const candidate of candidates) {
      if (pairs >= MAX_PAIRS_PER_RUN) break;
      const { a, b, relationCounts } = candidate;
      if (full(a.id, relationCounts.a) || full(b.id, relationCounts.b)) {
        capped++;
        continue;
      }
      const asked = await askForJson(
        this.llm,
        [
          { role: 'system', content: INSTRUCTIONS },
          { role: 'user', content: describePair(candidate) },
        ],
        checkRelation,
        { temperature: 0.8, maxTokens: 800 },
      );
      if ('problems' in asked) {
        this.logger.warn(`No valid relation for ${a.id} and ${b.id}: ${asked.problems}`);
        invalid++;
        continue;
      }
      const related = await this.catalogue.relate(
        { a: a.id, b: b.id },
        asked.value.type,
        asked.value.labels,
        MAX_RELATIONS_PER_CHARACTER,
      );
      if (!related) {
        capped++;
        continue;
      }
      pairs++;
      for (const id of [a.id, b.id]) added.set(id, (added.get(id) ?? 0) + 1);
    }
    return { candidates: candidates.length, pairs, capped, invalid };
  }
}
