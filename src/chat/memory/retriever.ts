/**
 * The Nest token of the Retriever in use: FullTextRetriever, or EmbeddingRerankRetriever when
 * an embeddings endpoint is configured (recallRetriever).
 */
export const RETRIEVER = Symbol('Retriever');

/** What recall is asked: passages of a chat relevant to its newest turn. */
export interface RecallQuery {
  chatId: string;
  /** The newest turn's text: what the passages should be relevant to. */
  text: string;
  /** Only messages before this one (older than the context window). */
  beforeId: number;
  /** The most passages returned. */
  limit: number;
}

export interface RecalledPassage {
  messageId: number;
  role: 'user' | 'assistant' | 'system';
  characterId: string | null;
  content: string;
}

/**
 * Finds passages of a chat's past. One interface whatever does the finding: full text
 * (FullTextRetriever), re-ranked by stored embeddings (EmbeddingRerankRetriever); a pgvector
 * index could stand in for the re-ranking of very long histories later.
 */
export interface Retriever {
  /** How it finds passages, for the start-up log and the admins. */
  readonly mode: string;
  recall(query: RecallQuery): Promise<RecalledPassage[]>;
}

/** Words a query is made of: letters and digits, 4 or more, at most `max`, longest first. */
export function queryWords(text: string, max = 8): string[] {
  const words = new Set(
    (text.toLowerCase().match(/[\p{L}\p{N}]{4,}/gu) ?? []).filter((word) => word.length <= 40),
  );
  return [...words].sort((a, b) => b.length - a.length).slice(0, max);
}
