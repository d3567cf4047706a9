import type { Language } from '../../common/languages.js';

/**
 * The instruction after the history that asks the character to write first, in the chat's
 * language (the model answers in the language it is addressed in).
 */
export const PROACTIVE_INSTRUCTION: Record<Language, string> = {
  en:
    '[The user has been away for a while. Reach out to them first, in character, briefly: one ' +
    'or two sentences that fit the story so far. Do not write for the user.]',
  ru:
    '[Пользователь давно не заходил. Напиши ему первым, оставаясь в образе, коротко: одно-два ' +
    'предложения, которые продолжают историю. Не пиши за пользователя.]',
  es:
    '[El usuario lleva un tiempo ausente. Escríbele tú primero, en personaje y brevemente: una ' +
    'o dos frases acordes con la historia. No escribas por el usuario.]',
  fr:
    "[L'utilisateur est absent depuis un moment. Écris-lui le premier, dans ton rôle, " +
    "brièvement : une ou deux phrases dans la suite de l'histoire. N'écris pas à sa place.]",
  de:
    '[Der Nutzer war eine Weile weg. Schreib ihm zuerst, in deiner Rolle und kurz: ein oder ' +
    'zwei Sätze, die zur bisherigen Geschichte passen. Schreib nicht für den Nutzer.]',
  pt:
    '[O usuário está ausente há algum tempo. Escreva para ele primeiro, no personagem e ' +
    'brevemente: uma ou duas frases que sigam a história. Não escreva pelo usuário.]',
  it:
    "[L'utente è assente da un po'. Scrivigli tu per primo, nel personaggio e brevemente: una " +
    'o due frasi in linea con la storia. Non scrivere al posto suo.]',
};

/** Replies of a proactive message are short: one or two sentences. */
export const PROACTIVE_MAX_TOKENS = 200;

/** What the notification quotes of the message. */
export const excerptOf = (content: string, max = 140): string =>
  content.length <= max ? content : `${content.slice(0, max - 1).trimEnd()}…`;
