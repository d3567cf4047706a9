import type { Language } from '../../common/languages.js';
import type { ChatMessage } from '../../llm/llm.types.js';

/** What follows the reply being continued, the last message of a continue prompt. */
const CONTINUE_NUDGE: Readonly<Record<Language, string>> = {
  ru: 'Продолжи своё последнее сообщение ровно с того места, где оно обрывается. Не повторяй уже написанное и не начинай заново: пиши только то, что идёт дальше.',
  en: 'Continue your last message from exactly where it stops. Do not repeat anything it already says and do not start over: write only what comes next.',
  es: 'Continúa tu último mensaje exactamente desde donde se interrumpe. No repitas nada de lo que ya dice ni empieces de nuevo: escribe solo lo que viene después.',
  fr: "Poursuis ton dernier message exactement là où il s'arrête. Ne répète rien de ce qu'il dit déjà et ne recommence pas : écris seulement la suite.",
  de: 'Setze deine letzte Nachricht genau dort fort, wo sie aufhört. Wiederhole nichts von dem, was schon dasteht, und fang nicht von vorn an: Schreib nur, wie es weitergeht.',
  pt: 'Continue sua última mensagem exatamente de onde ela para. Não repita nada do que ela já diz nem recomece: escreva só o que vem a seguir.',
  it: 'Continua il tuo ultimo messaggio esattamente da dove si interrompe. Non ripetere nulla di ciò che dice già e non ricominciare: scrivi solo il seguito.',
};

/**
 * A continue prompt: the reply's prompt, which ends with the reply itself (the speaker's own
 * line, as assistant), then a short instruction to carry on from there without repeating it.
 */
export const withContinueNudge = (messages: ChatMessage[], language: Language): ChatMessage[] => [
  ...messages,
  { role: 'system', content: CONTINUE_NUDGE[language] },
];
