import type { Language } from '../../common/languages.js';

/** Headings of what a chat remembers beyond its recent messages, in the chat's language. */
const MEMORY_TEXTS: Readonly<
  Record<Language, { notes: string; facts: string; campaignFacts: string; recalled: string }>
> = {
  ru: {
    notes: 'Заметки игрока об этой истории (всегда держи их в уме):',
    facts: 'Что {{char}} помнит о собеседнике и их общей истории:',
    campaignFacts: 'Что Мастер игры помнит об игроке и его кампании:',
    recalled: 'Из более ранней части этой истории (дословно):',
  },
  en: {
    notes: "The player's notes on this story (always keep them in mind):",
    facts: '{{char}} remembers about the user and their story together:',
    campaignFacts: 'The Game Master remembers about the player and their campaign:',
    recalled: 'From earlier in this story (word for word):',
  },
  es: {
    notes: 'Notas del jugador sobre esta historia (tenlas siempre presentes):',
    facts: 'Lo que {{char}} recuerda del usuario y de su historia juntos:',
    campaignFacts: 'Lo que el Máster recuerda del jugador y de su campaña:',
    recalled: 'De antes en esta historia (textual):',
  },
  fr: {
    notes: 'Notes du joueur sur cette histoire (garde-les toujours en tête) :',
    facts: "Ce dont {{char}} se souvient de l'utilisateur et de leur histoire commune :",
    campaignFacts: 'Ce dont le Maître du jeu se souvient du joueur et de sa campagne :',
    recalled: 'Plus tôt dans cette histoire (mot pour mot) :',
  },
  de: {
    notes: 'Notizen des Spielers zu dieser Geschichte (behalte sie immer im Kopf):',
    facts: '{{char}} erinnert sich an den Nutzer und ihre gemeinsame Geschichte:',
    campaignFacts: 'Der Spielleiter erinnert sich an den Spieler und seine Kampagne:',
    recalled: 'Aus einem früheren Teil dieser Geschichte (wörtlich):',
  },
  pt: {
    notes: 'Notas do jogador sobre esta história (tenha-as sempre em mente):',
    facts: 'O que {{char}} lembra do usuário e da história dos dois:',
    campaignFacts: 'O que o Mestre lembra do jogador e da campanha dele:',
    recalled: 'De antes nesta história (palavra por palavra):',
  },
  it: {
    notes: 'Note del giocatore su questa storia (tienile sempre a mente):',
    facts: "Ciò che {{char}} ricorda dell'utente e della loro storia insieme:",
    campaignFacts: 'Ciò che il Master ricorda del giocatore e della sua campagna:',
    recalled: 'Da prima in questa storia (parola per parola):',
  },
};

const bullets = (lines: readonly string[]): string => lines.map((line) => `- ${line}`).join('\n');

/**
 * The memory block a prompt carries after its system prompt: the facts the character keeps
 * about the user, then the notes the user pinned; null when there is neither. In a campaign
 * the character is a setting, so its Game Master keeps them.
 */
export function formatMemoryBlock(
  input: {
    facts: readonly string[];
    notes: readonly string[];
    characterName: string;
    campaign?: boolean;
  },
  lang: Language,
): string | null {
  const texts = MEMORY_TEXTS[lang];
  const parts: string[] = [];
  if (input.facts.length > 0) {
    const heading = input.campaign
      ? texts.campaignFacts
      : texts.facts.replace('{{char}}', input.characterName);
    parts.push(`${heading}\n${bullets(input.facts)}`);
  }
  if (input.notes.length > 0) parts.push(`${texts.notes}\n${bullets(input.notes)}`);
  return parts.length > 0 ? parts.join('\n\n') : null;
}

/** A recalled passage is cut to this many characters: several fit, none crowds out the rest. */
export const MAX_RECALLED_CHARS = 600;

/** Recalled passages of the chat's past, each with who said it; null when there are none. */
export function formatRecalled(
  passages: ReadonlyArray<{ speaker: string; content: string }>,
  lang: Language,
): string | null {
  if (passages.length === 0) return null;
  const lines = passages.map(({ speaker, content }) => {
    const text =
      content.length > MAX_RECALLED_CHARS ? `${content.slice(0, MAX_RECALLED_CHARS)}…` : content;
    return `${speaker}: ${text}`;
  });
  return `${MEMORY_TEXTS[lang].recalled}\n${lines.join('\n\n')}`;
}
