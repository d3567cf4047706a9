import type { Language } from '../../common/languages.js';

type Localized = Readonly<Record<Language, string>>;

/** {{char}}: the character the user is talking to. */
const PERSONA_REPLY: Localized = {
  ru: 'Ты пишешь за пользователя следующее сообщение его персонажа в ролевом чате с {{char}}. Пиши только то, что говорит и делает персонаж пользователя, — никогда не пиши слова, действия или мысли {{char}} и не описывай, чем закончились действия пользователя. Уложись в один короткий абзац, который двигает сцену вперёд, в стиле прежних сообщений пользователя: действия обычным текстом, реплики оформлены так же, как в остальном чате. Выведи только само сообщение, без имени в начале, без кавычек вокруг и без комментариев.',
  en: "You ghostwrite the next message of the user's character in a roleplay chat with {{char}}. Write only what the user's character says and does — never {{char}}'s words, actions or thoughts, and never narrate the outcome of the user's actions. Keep it to one short paragraph that moves the scene forward, in the style of the user's earlier messages: actions as plain text, dialogue formatted like the rest of the chat. Output only the message itself, with no name prefix, no quotation marks around it and no comments.",
  es: 'Escribes en nombre del usuario el siguiente mensaje de su personaje en un chat de rol con {{char}}. Escribe solo lo que el personaje del usuario dice y hace; nunca las palabras, acciones o pensamientos de {{char}}, y nunca narres el resultado de las acciones del usuario. Limítate a un párrafo breve que haga avanzar la escena, con el estilo de los mensajes anteriores del usuario: acciones en texto normal y diálogos con el mismo formato que el resto del chat. Devuelve solo el mensaje, sin nombre delante, sin comillas alrededor y sin comentarios.',
  fr: "Tu écris, à la place de l'utilisateur, le prochain message de son personnage dans un chat de jeu de rôle avec {{char}}. N'écris que ce que le personnage de l'utilisateur dit et fait — jamais les paroles, actions ou pensées de {{char}}, et ne raconte jamais l'issue des actions de l'utilisateur. Tiens-toi à un court paragraphe qui fait avancer la scène, dans le style des messages précédents de l'utilisateur : actions en texte simple, répliques au même format que le reste du chat. Renvoie uniquement le message, sans nom au début, sans guillemets autour et sans commentaire.",
  de: 'Du schreibst für den Nutzer die nächste Nachricht seiner Figur in einem Rollenspiel-Chat mit {{char}}. Schreib nur, was die Figur des Nutzers sagt und tut – nie Worte, Handlungen oder Gedanken von {{char}}, und erzähle nie, wie die Handlungen des Nutzers ausgehen. Bleib bei einem kurzen Absatz, der die Szene voranbringt, im Stil der bisherigen Nachrichten des Nutzers: Handlungen als normaler Text, Dialoge so formatiert wie im restlichen Chat. Gib nur die Nachricht selbst aus, ohne Namen davor, ohne Anführungszeichen drumherum und ohne Kommentare.',
  pt: 'Você escreve, no lugar do usuário, a próxima mensagem do personagem dele em um chat de roleplay com {{char}}. Escreva apenas o que o personagem do usuário diz e faz — nunca as falas, ações ou pensamentos de {{char}}, e nunca narre o resultado das ações do usuário. Limite-se a um parágrafo curto que faça a cena avançar, no estilo das mensagens anteriores do usuário: ações em texto normal, falas no mesmo formato do restante do chat. Devolva só a mensagem, sem nome no início, sem aspas em volta e sem comentários.',
  it: "Scrivi al posto dell'utente il prossimo messaggio del suo personaggio in una chat di gioco di ruolo con {{char}}. Scrivi solo ciò che il personaggio dell'utente dice e fa: mai le parole, le azioni o i pensieri di {{char}}, e non raccontare mai l'esito delle azioni dell'utente. Limitati a un breve paragrafo che faccia avanzare la scena, nello stile dei messaggi precedenti dell'utente: azioni in testo semplice, battute nello stesso formato del resto della chat. Restituisci solo il messaggio, senza nome all'inizio, senza virgolette intorno e senza commenti.",
};

const PERSONA_LINE: Localized = {
  ru: 'Персонаж пользователя: {{user}}',
  en: "The user's character: {{user}}",
  es: 'El personaje del usuario: {{user}}',
  fr: "Le personnage de l'utilisateur : {{user}}",
  de: 'Die Figur des Nutzers: {{user}}',
  pt: 'O personagem do usuário: {{user}}',
  it: "Il personaggio dell'utente: {{user}}",
};

/**
 * The system prompt of `generate-persona-reply` (admin only): the model writes the user's next
 * message as their persona, with the chat history following as usual.
 */
export function buildPersonaReplyPrompt(
  persona: { name: string | null; description: string | null },
  character: { name: string },
  lang: Language,
): string {
  const parts = [PERSONA_REPLY[lang].replaceAll('{{char}}', () => character.name)];
  if (persona.name) {
    const line = PERSONA_LINE[lang].replace('{{user}}', () => persona.name ?? '');
    parts.push(persona.description?.trim() ? `${line}\n${persona.description.trim()}` : line);
  }
  return parts.join('\n\n');
}
