import { sha256Hex } from '../../common/hash.js';
import type { Language } from '../../common/languages.js';
import { stripGameTags } from './dice.js';
import { DND_POST_HISTORY } from './dnd.js';

type Localized = Readonly<Record<Language, string>>;

/** Escalation starts once the chat has this many messages (spec: "after 12+ messages"). */
export const ESCALATION_AFTER_MESSAGES = 12;
/** How much of the previous reply the anti-echo instruction quotes. */
export const ANTI_ECHO_WORDS = 8;
/** A cap on the quoted opening, for replies whose "words" are huge unbroken strings. */
const ANTI_ECHO_MAX_CHARS = 160;

/** The base of every roleplay post-history (spec: `_POST_HISTORY_CORE`). */
export const POST_HISTORY_CORE: Localized = {
  ru: '[Напоминание: оставайся в образе. Третье лицо, литературная проза, прямая речь оформлена как указано, *звёздочки* — только для мыслей. Реагируй на последнее сообщение пользователя, не повторяя и не пересказывая его, добавь хотя бы одно новое физическое действие и двигай историю вперёд. Никогда не пиши слова или действия пользователя. Соблюдай заданную длину ответа.]',
  en: "[Reminder: stay in character. Third person, literary prose, dialogue formatted as instructed, *asterisks* only for thoughts. React to the user's last message without repeating or paraphrasing it, add at least one new physical action, and move the story forward. Never write the user's words or actions. Keep to the reply length you were given.]",
  es: '[Recordatorio: mantente en el personaje. Tercera persona, prosa literaria, diálogos con el formato indicado y *asteriscos* solo para pensamientos. Reacciona al último mensaje del usuario sin repetirlo ni parafrasearlo, añade al menos una acción física nueva y haz avanzar la historia. Nunca escribas las palabras ni las acciones del usuario. Respeta la longitud de respuesta indicada.]',
  fr: "[Rappel : reste dans ton personnage. Troisième personne, prose littéraire, dialogues au format demandé, *astérisques* seulement pour les pensées. Réagis au dernier message de l'utilisateur sans le répéter ni le paraphraser, ajoute au moins une nouvelle action physique et fais avancer l'histoire. N'écris jamais les paroles ni les actions de l'utilisateur. Respecte la longueur de réponse demandée.]",
  de: '[Erinnerung: Bleib in deiner Rolle. Dritte Person, literarische Prosa, Dialoge wie vorgegeben formatiert, *Sternchen* nur für Gedanken. Reagiere auf die letzte Nachricht des Nutzers, ohne sie zu wiederholen oder zu paraphrasieren, füge mindestens eine neue körperliche Handlung hinzu und bring die Geschichte voran. Schreib nie Worte oder Handlungen des Nutzers. Halte die vorgegebene Antwortlänge ein.]',
  pt: '[Lembrete: permaneça no personagem. Terceira pessoa, prosa literária, falas no formato indicado, *asteriscos* só para pensamentos. Reaja à última mensagem do usuário sem repeti-la nem parafraseá-la, acrescente pelo menos uma ação física nova e faça a história avançar. Nunca escreva as falas ou as ações do usuário. Respeite o tamanho de resposta indicado.]',
  it: "[Promemoria: resta nel personaggio. Terza persona, prosa letteraria, dialoghi nel formato indicato, *asterischi* solo per i pensieri. Reagisci all'ultimo messaggio dell'utente senza ripeterlo né parafrasarlo, aggiungi almeno un'azione fisica nuova e fai avanzare la storia. Non scrivere mai le parole o le azioni dell'utente. Rispetta la lunghezza di risposta indicata.]",
};

export const POST_HISTORY_VARIANT_KINDS = [
  'setting',
  'action',
  'dialogue',
  'subtext',
  'personality',
] as const;
export type PostHistoryVariantKind = (typeof POST_HISTORY_VARIANT_KINDS)[number];

/**
 * One focus per reply, picked by a hash of the chat and its message count (spec:
 * `_POST_HISTORY_VARIANTS`): replies vary in shape, though two in a row can share one.
 */
export const POST_HISTORY_VARIANTS: Readonly<Record<PostHistoryVariantKind, Localized>> = {
  setting: {
    ru: 'Акцент этого ответа: начни с обстановки — одной конкретной чувственной детали места (свет, звук, запах, температура), которая важна сейчас или только что изменилась.',
    en: 'Focus for this reply: open with the setting — one concrete sensory detail of the place (light, sound, smell, temperature) that matters right now or has just changed.',
    es: 'Enfoque de esta respuesta: empieza por el ambiente, con un detalle sensorial concreto del lugar (luz, sonido, olor, temperatura) que importe ahora o acabe de cambiar.',
    fr: 'Axe de cette réponse : ouvre sur le décor — un détail sensoriel concret du lieu (lumière, son, odeur, température) qui compte maintenant ou vient de changer.',
    de: 'Schwerpunkt dieser Antwort: Beginne mit der Umgebung – einem konkreten Sinneseindruck des Ortes (Licht, Geräusch, Geruch, Temperatur), der gerade wichtig ist oder sich eben verändert hat.',
    pt: 'Foco desta resposta: comece pelo ambiente, com um detalhe sensorial concreto do lugar (luz, som, cheiro, temperatura) que importe agora ou tenha acabado de mudar.',
    it: "Focus di questa risposta: apri con l'ambiente, un dettaglio sensoriale concreto del luogo (luce, suono, odore, temperatura) che conta adesso o è appena cambiato.",
  },
  action: {
    ru: 'Акцент этого ответа: начни с решительного физического действия твоего персонажа, которое меняет ситуацию.',
    en: 'Focus for this reply: open with a decisive physical action by your character that changes the situation.',
    es: 'Enfoque de esta respuesta: empieza con una acción física decidida de tu personaje que cambie la situación.',
    fr: 'Axe de cette réponse : ouvre sur une action physique décisive de ton personnage qui change la situation.',
    de: 'Schwerpunkt dieser Antwort: Beginne mit einer entschlossenen körperlichen Handlung deiner Figur, die die Lage verändert.',
    pt: 'Foco desta resposta: comece com uma ação física decidida do seu personagem que mude a situação.',
    it: "Focus di questa risposta: apri con un'azione fisica decisa del tuo personaggio che cambia la situazione.",
  },
  dialogue: {
    ru: 'Акцент этого ответа: начни с реплики, которая показывает, чего твой персонаж хочет прямо сейчас.',
    en: 'Focus for this reply: open with a line of dialogue that shows what your character wants right now.',
    es: 'Enfoque de esta respuesta: empieza con una línea de diálogo que muestre lo que tu personaje quiere ahora mismo.',
    fr: 'Axe de cette réponse : ouvre sur une réplique qui montre ce que ton personnage veut à cet instant.',
    de: 'Schwerpunkt dieser Antwort: Beginne mit einer Dialogzeile, die zeigt, was deine Figur genau jetzt will.',
    pt: 'Foco desta resposta: comece com uma fala que mostre o que o seu personagem quer agora mesmo.',
    it: 'Focus di questa risposta: apri con una battuta che mostri cosa vuole il tuo personaggio in questo momento.',
  },
  subtext: {
    ru: 'Акцент этого ответа: пусть ведёт подтекст — персонаж говорит меньше, чем чувствует; покажи этот разрыв через жест, паузу или отведённый взгляд.',
    en: 'Focus for this reply: let subtext lead — your character says less than they feel; show the gap through a gesture, a pause or a glance away.',
    es: 'Enfoque de esta respuesta: deja que mande el subtexto; tu personaje dice menos de lo que siente, y esa distancia se ve en un gesto, una pausa o una mirada esquiva.',
    fr: "Axe de cette réponse : laisse le sous-texte mener — ton personnage dit moins qu'il ne ressent ; montre cet écart par un geste, un silence ou un regard qui se détourne.",
    de: 'Schwerpunkt dieser Antwort: Lass den Subtext führen – deine Figur sagt weniger, als sie fühlt; zeig diese Lücke durch eine Geste, eine Pause oder einen abgewandten Blick.',
    pt: 'Foco desta resposta: deixe o subtexto conduzir — o personagem diz menos do que sente; mostre essa distância com um gesto, uma pausa ou um olhar desviado.',
    it: 'Focus di questa risposta: lascia guidare il sottotesto; il personaggio dice meno di quanto prova, e questa distanza si vede in un gesto, una pausa o uno sguardo che sfugge.',
  },
  personality: {
    ru: 'Акцент этого ответа: пусть одна яркая черта персонажа — привычка, причуда, страх или слабость — определит, что произойдёт дальше.',
    en: 'Focus for this reply: let one distinctive trait of your character — a habit, quirk, fear or flaw — shape what happens next.',
    es: 'Enfoque de esta respuesta: deja que un rasgo distintivo de tu personaje (una costumbre, una manía, un miedo o un defecto) determine lo que pasa a continuación.',
    fr: 'Axe de cette réponse : laisse un trait marquant de ton personnage — une habitude, une manie, une peur ou un défaut — décider de la suite.',
    de: 'Schwerpunkt dieser Antwort: Lass einen markanten Zug deiner Figur – eine Gewohnheit, eine Marotte, eine Angst oder eine Schwäche – bestimmen, was als Nächstes passiert.',
    pt: 'Foco desta resposta: deixe um traço marcante do seu personagem — um hábito, uma mania, um medo ou um defeito — definir o que acontece a seguir.',
    it: "Focus di questa risposta: lascia che un tratto distintivo del tuo personaggio (un'abitudine, una fissazione, una paura o un difetto) decida cosa succede dopo.",
  },
};

/** {{opening}}: the first words of the previous reply. */
export const ANTI_ECHO: Localized = {
  ru: 'Твой прошлый ответ начинался так: «{{opening}}». Начни этот по-другому — с другого слова и другой конструкции.',
  en: 'Your previous reply began with: "{{opening}}". Begin this one differently — a different first word and a different sentence structure.',
  es: 'Tu respuesta anterior empezaba así: "{{opening}}". Empieza esta de otra manera, con otra primera palabra y otra estructura.',
  fr: 'Ta réponse précédente commençait par : « {{opening}} ». Commence celle-ci autrement, avec un autre premier mot et une autre construction.',
  de: 'Deine vorige Antwort begann mit: "{{opening}}". Beginne diese anders – mit einem anderen ersten Wort und einem anderen Satzbau.',
  pt: 'Sua resposta anterior começava assim: "{{opening}}". Comece esta de outro jeito, com outra primeira palavra e outra estrutura.',
  it: 'La tua risposta precedente iniziava così: "{{opening}}". Inizia questa in modo diverso, con un\'altra prima parola e un\'altra struttura.',
};

export const ESCALATION: Localized = {
  ru: 'Сцена длится уже долго: пусть сейчас что-то произойдёт — событие, открытие, решение или осложнение, которое меняет ситуацию. Не застревай в одном моменте и не повторяй тот же ход.',
  en: 'The scene has run for a while: make something happen now — an event, a revelation, a decision or a complication that changes the situation. Do not linger in the same moment or repeat the same beat.',
  es: 'La escena ya lleva un rato: haz que ocurra algo ahora, un suceso, una revelación, una decisión o una complicación que cambie la situación. No te quedes en el mismo momento ni repitas el mismo paso.',
  fr: "La scène dure depuis un moment : fais arriver quelque chose maintenant — un événement, une révélation, une décision ou une complication qui change la situation. Ne t'attarde pas sur le même instant et ne répète pas le même temps fort.",
  de: 'Die Szene läuft schon eine Weile: Lass jetzt etwas geschehen – ein Ereignis, eine Enthüllung, eine Entscheidung oder eine Komplikation, die die Lage verändert. Verharre nicht im selben Moment und wiederhole nicht denselben Schritt.',
  pt: 'A cena já se estende há algum tempo: faça algo acontecer agora — um acontecimento, uma revelação, uma decisão ou uma complicação que mude a situação. Não fique preso ao mesmo momento nem repita o mesmo passo.',
  it: "La scena va avanti da un po': fai succedere qualcosa adesso, un evento, una rivelazione, una decisione o una complicazione che cambi la situazione. Non indugiare nello stesso momento e non ripetere lo stesso passaggio.",
};

/** Adult chats only: the vocabulary reminder that fights models' drift into euphemism. */
export const NSFW_REMINDER: Localized = {
  ru: 'Здесь допустим откровенный контент. В сексуальных сценах называй части тела и действия прямо, откровенными анатомическими словами; никаких эвфемизмов вроде «его естество», «её лоно», «мужское достоинство» или «они слились воедино». Грязные разговоры уместны, если подходят персонажу. Пиши как профессиональный автор эротической прозы: конкретно, телесно, в нужном темпе и всегда голосом самого персонажа.',
  en: 'Explicit content is allowed here. In sexual scenes, name body parts and acts directly with explicit anatomical words; no euphemisms such as "manhood", "womanhood", "core" or "they became one". Dirty talk is welcome when it fits the character. Write like a professional erotica author: concrete, physical, well paced, and always in the character\'s own voice.',
  es: 'Aquí se permite contenido explícito. En las escenas sexuales, nombra las partes del cuerpo y los actos de forma directa, con palabras anatómicas explícitas; nada de eufemismos como "su hombría", "su feminidad", "su centro" o "se volvieron uno". El lenguaje sucio es bienvenido si encaja con el personaje. Escribe como un autor profesional de erótica: concreto, físico, con buen ritmo y siempre con la voz propia del personaje.',
  fr: "Le contenu explicite est autorisé ici. Dans les scènes sexuelles, nomme les parties du corps et les actes directement, avec des mots anatomiques explicites ; pas d'euphémismes comme « sa virilité », « sa féminité », « son intimité » ou « ils ne firent plus qu'un ». Les mots crus sont bienvenus s'ils correspondent au personnage. Écris comme un auteur professionnel d'érotisme : concret, charnel, bien rythmé, et toujours avec la voix du personnage.",
  de: 'Explizite Inhalte sind hier erlaubt. Benenne in Sexszenen Körperteile und Handlungen direkt, mit expliziten anatomischen Wörtern; keine Euphemismen wie "seine Männlichkeit", "ihre Weiblichkeit", "ihre Mitte" oder "sie wurden eins". Dirty Talk ist willkommen, wenn er zur Figur passt. Schreib wie ein professioneller Erotikautor: konkret, körperlich, mit gutem Tempo und immer in der eigenen Stimme der Figur.',
  pt: 'Conteúdo explícito é permitido aqui. Nas cenas de sexo, nomeie partes do corpo e atos diretamente, com palavras anatômicas explícitas; nada de eufemismos como "sua masculinidade", "sua feminilidade", "seu centro" ou "tornaram-se um só". Falar sujo é bem-vindo quando combina com o personagem. Escreva como um autor profissional de literatura erótica: concreto, físico, com ritmo e sempre com a voz própria do personagem.',
  it: 'Qui sono ammessi contenuti espliciti. Nelle scene di sesso nomina le parti del corpo e gli atti in modo diretto, con parole anatomiche esplicite; niente eufemismi come "la sua virilità", "la sua femminilità", "il suo centro" o "divennero una cosa sola". Il linguaggio sporco è benvenuto se si addice al personaggio. Scrivi come un autore professionista di narrativa erotica: concreto, fisico, con il giusto ritmo e sempre con la voce del personaggio.',
};

/** Fiction-mode sites (SITE_MODE=fiction): literary, general-audience storytelling. */
export const FICTION_POST_HISTORY: Localized = {
  ru: '[Напоминание автору: продолжай историю как художественную прозу — ярко, точно и в рамках, подходящих для широкой аудитории. Сохраняй голос рассказчика и точку зрения, реагируй на последнее сообщение пользователя, не повторяя его, двигай сюжет в каждом ответе и заканчивай моментом, который приглашает пользователя к следующему шагу. Никогда не пиши слова и решения персонажа пользователя.]',
  en: "[Author's reminder: continue the story as literary fiction — vivid, precise and suitable for a general audience. Keep the narrative voice and point of view, react to the user's last message without repeating it, advance the plot with every reply, and end on a moment that invites the user's next move. Never write the words or decisions of the user's character.]",
  es: '[Recordatorio de autor: continúa la historia como ficción literaria, vívida, precisa y apta para todos los públicos. Mantén la voz narrativa y el punto de vista, reacciona al último mensaje del usuario sin repetirlo, haz avanzar la trama en cada respuesta y termina en un momento que invite al usuario a dar el siguiente paso. Nunca escribas las palabras ni las decisiones del personaje del usuario.]',
  fr: "[Rappel d'auteur : poursuis l'histoire comme une œuvre de fiction littéraire, vivante, précise et adaptée à un large public. Garde la voix narrative et le point de vue, réagis au dernier message de l'utilisateur sans le répéter, fais avancer l'intrigue à chaque réponse et termine sur un moment qui invite l'utilisateur à agir. N'écris jamais les paroles ni les décisions du personnage de l'utilisateur.]",
  de: '[Hinweis für den Autor: Setze die Geschichte als literarische Fiktion fort – lebendig, präzise und für ein allgemeines Publikum geeignet. Halte Erzählstimme und Perspektive bei, reagiere auf die letzte Nachricht des Nutzers, ohne sie zu wiederholen, bring die Handlung mit jeder Antwort voran und ende mit einem Moment, der den Nutzer zum nächsten Schritt einlädt. Schreib nie Worte oder Entscheidungen der Figur des Nutzers.]',
  pt: '[Lembrete de autor: continue a história como ficção literária, vívida, precisa e adequada a todos os públicos. Mantenha a voz narrativa e o ponto de vista, reaja à última mensagem do usuário sem repeti-la, faça a trama avançar a cada resposta e termine num momento que convide o usuário ao próximo passo. Nunca escreva as falas ou as decisões do personagem do usuário.]',
  it: "[Promemoria per l'autore: continua la storia come narrativa letteraria, vivida, precisa e adatta a un pubblico generale. Mantieni la voce narrante e il punto di vista, reagisci all'ultimo messaggio dell'utente senza ripeterlo, fai avanzare la trama a ogni risposta e chiudi su un momento che inviti l'utente alla mossa successiva. Non scrivere mai le parole o le decisioni del personaggio dell'utente.]",
};

/**
 * The fiction reminder of an explicit chat (an NSFW character, an adult user): the system
 * prompt allows adult content there, so this one does not ask for a general audience.
 */
export const FICTION_ADULT_POST_HISTORY: Localized = {
  ru: '[Напоминание автору: продолжай историю как художественную прозу для взрослых читателей — ярко и точно. Сохраняй голос рассказчика и точку зрения, реагируй на последнее сообщение пользователя, не повторяя его, двигай сюжет в каждом ответе и заканчивай моментом, который приглашает пользователя к следующему шагу. Никогда не пиши слова и решения персонажа пользователя.]',
  en: "[Author's reminder: continue the story as literary fiction for adult readers — vivid and precise. Keep the narrative voice and point of view, react to the user's last message without repeating it, advance the plot with every reply, and end on a moment that invites the user's next move. Never write the words or decisions of the user's character.]",
  es: '[Recordatorio de autor: continúa la historia como ficción literaria para lectores adultos, vívida y precisa. Mantén la voz narrativa y el punto de vista, reacciona al último mensaje del usuario sin repetirlo, haz avanzar la trama en cada respuesta y termina en un momento que invite al usuario a dar el siguiente paso. Nunca escribas las palabras ni las decisiones del personaje del usuario.]',
  fr: "[Rappel d'auteur : poursuis l'histoire comme une œuvre de fiction littéraire pour lecteurs adultes, vivante et précise. Garde la voix narrative et le point de vue, réagis au dernier message de l'utilisateur sans le répéter, fais avancer l'intrigue à chaque réponse et termine sur un moment qui invite l'utilisateur à agir. N'écris jamais les paroles ni les décisions du personnage de l'utilisateur.]",
  de: '[Hinweis für den Autor: Setze die Geschichte als literarische Fiktion für erwachsene Leser fort – lebendig und präzise. Halte Erzählstimme und Perspektive bei, reagiere auf die letzte Nachricht des Nutzers, ohne sie zu wiederholen, bring die Handlung mit jeder Antwort voran und ende mit einem Moment, der den Nutzer zum nächsten Schritt einlädt. Schreib nie Worte oder Entscheidungen der Figur des Nutzers.]',
  pt: '[Lembrete de autor: continue a história como ficção literária para leitores adultos, vívida e precisa. Mantenha a voz narrativa e o ponto de vista, reaja à última mensagem do usuário sem repeti-la, faça a trama avançar a cada resposta e termine num momento que convide o usuário ao próximo passo. Nunca escreva as falas ou as decisões do personagem do usuário.]',
  it: "[Promemoria per l'autore: continua la storia come narrativa letteraria per lettori adulti, vivida e precisa. Mantieni la voce narrante e il punto di vista, reagisci all'ultimo messaggio dell'utente senza ripeterlo, fai avanzare la trama a ogni risposta e chiudi su un momento che inviti l'utente alla mossa successiva. Non scrivere mai le parole o le decisioni del personaggio dell'utente.]",
};

export type StoryMode = 'roleplay' | 'dnd' | 'fiction';

export interface PostHistoryOptions {
  language: Language;
  chatId: string;
  messageCount: number;
  lastAssistantText: string | null;
  mode: StoryMode;
  /**
   * NSFW character and adult user: adds the explicit-vocabulary reminder; in fiction, the
   * literary reminder for adult readers instead of the general-audience one.
   */
  explicit: boolean;
}

/**
 * Which of the five variants a turn gets: stable for a chat and message count (a retried
 * generation reads the same instruction) and different from the turn before. The spec's
 * `hash(chat_id + msg_count) % 5` repeats the previous turn's variant one time in five; here
 * the chat's hash picks a start and a step (1–4, coprime with 5), and each turn (two messages)
 * moves one step on, so consecutive turns never share a variant and every five turns use all
 * five, while chats still differ at the same count.
 */
export function variantIndex(chatId: string, messageCount: number): number {
  const variants = POST_HISTORY_VARIANT_KINDS.length;
  const hash = parseInt(sha256Hex(chatId).slice(0, 8), 16);
  const start = hash % variants;
  const step = 1 + (Math.floor(hash / variants) % (variants - 1));
  const turn = Math.floor(messageCount / 2);
  return (start + turn * step) % variants;
}

/** The first words of a reply, game tags removed; empty when it has none. */
export function openingWords(text: string, count = ANTI_ECHO_WORDS): string {
  const words = stripGameTags(text).split(/\s+/).filter(Boolean).slice(0, count);
  return words.join(' ').slice(0, ANTI_ECHO_MAX_CHARS);
}

/** The instruction placed right after the history, closest to generation (spec: service.py). */
export function buildPostHistory(options: PostHistoryOptions): string {
  const { language: lang, mode } = options;
  const parts: string[] = [];
  if (mode === 'dnd') parts.push(DND_POST_HISTORY[lang]);
  else if (mode === 'fiction') {
    parts.push((options.explicit ? FICTION_ADULT_POST_HISTORY : FICTION_POST_HISTORY)[lang]);
  } else {
    const kind = POST_HISTORY_VARIANT_KINDS[variantIndex(options.chatId, options.messageCount)];
    parts.push(POST_HISTORY_CORE[lang], POST_HISTORY_VARIANTS[kind][lang]);
  }
  const opening = options.lastAssistantText ? openingWords(options.lastAssistantText) : '';
  if (opening) parts.push(ANTI_ECHO[lang].replace('{{opening}}', () => opening));
  if (options.messageCount >= ESCALATION_AFTER_MESSAGES) parts.push(ESCALATION[lang]);
  if (options.explicit && mode !== 'fiction') parts.push(NSFW_REMINDER[lang]);
  return parts.join('\n');
}
