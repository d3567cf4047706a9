import type { Language } from '../../common/languages.js';
import type { ChatMessage } from '../../llm/llm.types.js';
import { stripGameTags } from './dice.js';

/** A chat with more unsummarized messages than this gets its older ones folded in (spec: 25). */
export const SUMMARY_TRIGGER_MESSAGES = 25;
/** The most recent messages always stay verbatim in the context (spec: 15). */
export const SUMMARY_KEEP_RECENT = 15;
/** Cheap, fast providers first: a summary is background work (spec: Groq → Cerebras → OpenRouter). */
export const SUMMARY_PROVIDER_ORDER = ['groq', 'cerebras', 'openrouter'] as const;
export const SUMMARY_TIMEOUT_MS = 30_000;

export const needsSummary = (unsummarizedCount: number): boolean =>
  unsummarizedCount > SUMMARY_TRIGGER_MESSAGES;

/** How many of a chat's unsummarized messages (the oldest ones) go into the summary now. */
export const foldableCount = (unsummarizedCount: number): number =>
  needsSummary(unsummarizedCount) ? unsummarizedCount - SUMMARY_KEEP_RECENT : 0;

export interface SummaryMessage {
  /** Who spoke: the character's or the persona's name. */
  speaker: string;
  content: string;
}

const SUMMARY_TEXTS: Readonly<
  Record<
    Language,
    { system: string; previous: string; none: string; messages: string; edited: string }
  >
> = {
  ru: {
    system:
      'Ты ведёшь память длинной ролевой истории. Объедини предыдущее краткое содержание и новые сообщения в одно обновлённое краткое содержание не длиннее 300 слов — на русском языке, в прошедшем времени, от третьего лица, без комментариев. Сохрани то, что важно для продолжения истории: ключевые события и решения, как изменились отношения и чувства персонажей, обещания, тайны, важные предметы, незавершённые линии и каждую смену места действия. Опусти пустую болтовню и повторяющиеся описания. Закончи одним предложением, которое точно говорит, где персонажи находятся сейчас и что делают.',
    previous: 'Предыдущее краткое содержание:',
    none: '(пока нет)',
    messages: 'Новые сообщения:',
    edited: 'Игрок сам написал или исправил это краткое содержание: сохрани каждый факт из него.',
  },
  en: {
    system:
      'You keep the memory of a long roleplay story. Merge the previous summary and the new messages into one updated summary of at most 300 words, written in English, in the past tense and the third person, without commentary. Keep what matters for continuing the story: key events and decisions, how the relationships and feelings between the characters have changed, promises, secrets, important items, unresolved threads and every change of location. Leave out small talk and repeated descriptions. End with one sentence that states exactly where the characters are now and what they are doing.',
    previous: 'Previous summary:',
    none: '(none yet)',
    messages: 'New messages:',
    edited: 'The player wrote or corrected this summary: keep every fact it states.',
  },
  es: {
    system:
      'Guardas la memoria de una larga historia de rol. Combina el resumen anterior y los mensajes nuevos en un único resumen actualizado de 300 palabras como máximo, en español, en pasado y en tercera persona, sin comentarios. Conserva lo importante para continuar la historia: los hechos y decisiones clave, cómo han cambiado las relaciones y los sentimientos entre los personajes, promesas, secretos, objetos importantes, tramas pendientes y cada cambio de lugar. Omite la charla intrascendente y las descripciones repetidas. Termina con una frase que diga exactamente dónde están ahora los personajes y qué están haciendo.',
    previous: 'Resumen anterior:',
    none: '(todavía ninguno)',
    messages: 'Mensajes nuevos:',
    edited: 'El jugador escribió o corrigió este resumen: conserva cada dato que contiene.',
  },
  fr: {
    system:
      "Tu tiens la mémoire d'une longue histoire de jeu de rôle. Fusionne le résumé précédent et les nouveaux messages en un seul résumé à jour de 300 mots au plus, en français, au passé et à la troisième personne, sans commentaire. Garde ce qui compte pour poursuivre l'histoire : les événements et décisions clés, l'évolution des relations et des sentiments entre les personnages, les promesses, les secrets, les objets importants, les intrigues en suspens et chaque changement de lieu. Laisse de côté les bavardages et les descriptions répétées. Termine par une phrase qui dit exactement où se trouvent les personnages maintenant et ce qu'ils font.",
    previous: 'Résumé précédent :',
    none: "(aucun pour l'instant)",
    messages: 'Nouveaux messages :',
    edited: "Le joueur a écrit ou corrigé ce résumé : garde chaque fait qu'il contient.",
  },
  de: {
    system:
      'Du führst das Gedächtnis einer langen Rollenspielgeschichte. Füge die bisherige Zusammenfassung und die neuen Nachrichten zu einer aktualisierten Zusammenfassung von höchstens 300 Wörtern zusammen, auf Deutsch, im Präteritum und in der dritten Person, ohne Kommentar. Behalte, was für die Fortsetzung wichtig ist: zentrale Ereignisse und Entscheidungen, wie sich Beziehungen und Gefühle zwischen den Figuren verändert haben, Versprechen, Geheimnisse, wichtige Gegenstände, offene Handlungsstränge und jeden Ortswechsel. Lass Smalltalk und wiederholte Beschreibungen weg. Schließe mit einem Satz, der genau sagt, wo die Figuren jetzt sind und was sie tun.',
    previous: 'Bisherige Zusammenfassung:',
    none: '(noch keine)',
    messages: 'Neue Nachrichten:',
    edited:
      'Der Spieler hat diese Zusammenfassung geschrieben oder korrigiert: Behalte jede Tatsache daraus.',
  },
  pt: {
    system:
      'Você guarda a memória de uma longa história de roleplay. Junte o resumo anterior e as mensagens novas em um único resumo atualizado de no máximo 300 palavras, em português, no passado e na terceira pessoa, sem comentários. Mantenha o que importa para continuar a história: acontecimentos e decisões principais, como mudaram as relações e os sentimentos entre os personagens, promessas, segredos, objetos importantes, tramas em aberto e cada mudança de lugar. Deixe de fora conversa fiada e descrições repetidas. Termine com uma frase que diga exatamente onde os personagens estão agora e o que estão fazendo.',
    previous: 'Resumo anterior:',
    none: '(nenhum ainda)',
    messages: 'Mensagens novas:',
    edited: 'O jogador escreveu ou corrigiu este resumo: mantenha cada fato que ele contém.',
  },
  it: {
    system:
      'Custodisci la memoria di una lunga storia di gioco di ruolo. Unisci il riassunto precedente e i nuovi messaggi in un unico riassunto aggiornato di massimo 300 parole, in italiano, al passato e in terza persona, senza commenti. Conserva ciò che serve per continuare la storia: eventi e decisioni chiave, come sono cambiati i rapporti e i sentimenti tra i personaggi, promesse, segreti, oggetti importanti, trame in sospeso e ogni cambio di luogo. Tralascia le chiacchiere e le descrizioni ripetute. Chiudi con una frase che dica esattamente dove si trovano ora i personaggi e cosa stanno facendo.',
    previous: 'Riassunto precedente:',
    none: '(ancora nessuno)',
    messages: 'Nuovi messaggi:',
    edited:
      'Il giocatore ha scritto o corretto questo riassunto: conserva ogni fatto che contiene.',
  },
};

/**
 * The request that folds `messages` (oldest first) into `previousSummary` (spec: summarizer.py);
 * the summary is written in the chat's language and ends with where the characters are now.
 */
export function buildSummaryPrompt(
  previousSummary: string | null,
  messages: readonly SummaryMessage[],
  lang: Language,
  /** The user wrote or corrected `previousSummary`: the model is told to keep it. */
  editedByUser = false,
): ChatMessage[] {
  const texts = SUMMARY_TEXTS[lang];
  const transcript = messages
    .map((message) => `${message.speaker}: ${stripGameTags(message.content)}`)
    .join('\n\n');
  const user = [
    editedByUser && previousSummary?.trim() ? `${texts.previous} ${texts.edited}` : texts.previous,
    previousSummary?.trim() || texts.none,
    '',
    texts.messages,
    transcript,
  ].join('\n');
  return [
    { role: 'system', content: texts.system },
    { role: 'user', content: user },
  ];
}
