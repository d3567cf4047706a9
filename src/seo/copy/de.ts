import type { Copy } from './copy.js';

export const de: Copy = {
  you: 'du',
  nav: {
    home: 'Start',
    faq: 'Häufige Fragen',
    about: 'Über uns',
    terms: 'Nutzungsbedingungen',
    privacy: 'Datenschutz',
    campaigns: 'Kampagnen',
  },
  home: {
    default: {
      title: 'SweetSin — Rollenspiel-Chat mit KI-Charakteren',
      description:
        'Chatte mit KI-Charakteren aus der Community: eigene Helden, Rivalen und Gefährten, die sich an die Geschichte erinnern und in sieben Sprachen antworten.',
      h1: 'Rollenspiel-Chat mit KI-Charakteren',
      intro:
        'Wähle einen Charakter, beginne ein Gespräch und gestaltet die Geschichte gemeinsam. Jeder Charakter hat eine eigene Persönlichkeit, ein Szenario und eine eigene Stimme – geschrieben von Menschen, die gern Geschichten erzählen.',
    },
    fiction: {
      title: 'SweetSin — interaktive Geschichten und Pen-and-Paper-Abenteuer',
      description:
        'Schreibe Geschichten mit KI-Charakteren und spiele Pen-and-Paper-Kampagnen mit einem KI-Spielleiter, der die Würfel wirft.',
      h1: 'Interaktive Geschichten mit KI-Charakteren',
      intro:
        'Tauche in eine Geschichte ein, entscheide, wie es weitergeht, und spiele Kampagnen wie am Spieltisch, bei denen die Würfel entscheiden. Die Charaktere schreibt eine Community von Erzählerinnen und Erzählern.',
    },
    popular: 'Beliebte Charaktere',
    browseTags: 'Nach Themen stöbern',
  },
  character: {
    title: '{name} — Chat mit KI-Charakter | SweetSin',
    headings: [
      'Chatte mit {name}',
      'Lerne {name} kennen',
      'Sprich mit {name}',
      'Beginne eine Geschichte mit {name}',
      '{name}: Rollenspiel-Chat',
      'Sag Hallo zu {name}',
    ],
    ctas: [
      'Chat starten',
      'Geschichte beginnen',
      'Hallo sagen',
      'Chat öffnen',
      'Rollenspiel starten',
      'Erste Nachricht schreiben',
    ],
    sections: {
      about: 'Über {name}',
      greeting: 'Erste Nachricht',
      personality: 'Persönlichkeit',
      scenario: 'Szenario',
      appearance: 'Aussehen',
      highlights: 'Highlights',
      tags: 'Themen',
      related: 'Ähnliche Charaktere',
    },
    chats: 'Chats',
    likes: 'Likes',
    otherLanguages: 'Auch verfügbar auf',
  },
  tag: {
    title: 'KI-Charaktere: {tag} | SweetSin',
    description:
      'KI-Charaktere zum Thema »{tag}«: Wähle einen aus und starte einen Rollenspiel-Chat.',
    h1: 'Charaktere: {tag}',
    intro:
      'Charaktere, die die Community mit dem Thema »{tag}« markiert hat, die beliebtesten zuerst. Öffne einen, um seine Geschichte zu lesen und den Chat zu beginnen.',
  },
  campaigns: {
    title: 'Pen-and-Paper-Kampagnen mit KI-Spielleiter | SweetSin',
    description:
      'Kampagnen im D&D-Stil mit einem KI-Spielleiter: Beschreibe deinen Helden, triff Entscheidungen und lass die Würfel entscheiden.',
    h1: 'Pen-and-Paper-Kampagnen',
    intro:
      'Spiele Abenteuer im D&D-Stil mit einem KI-Spielleiter, der die Szene beschreibt, echte Entscheidungen anbietet und bei riskanten Aktionen würfelt.',
  },
  empty: 'Hier gibt es noch keine Charaktere.',
  faq: {
    title: 'Häufige Fragen | SweetSin',
    description:
      'Antworten auf häufige Fragen zu SweetSin: Kosten, eigene Charaktere und unterstützte Sprachen.',
    h1: 'Häufige Fragen',
    items: [
      {
        question: 'Was ist SweetSin?',
        answer:
          'SweetSin ist eine Plattform für Rollenspiel-Chats mit KI-Charakteren. Die Charaktere schreibt die Community, und jeder hat eine Persönlichkeit, ein Szenario und eine erste Nachricht, die die Szene eröffnet.',
      },
      {
        question: 'Ist es kostenlos?',
        answer:
          'Ja. Als Gast kannst du eine begrenzte Zahl von Nachrichten senden, ein kostenloses Konto erhöht das Tageslimit. Der Premium-Tarif bietet längere Antworten und mehr Kontext.',
      },
      {
        question: 'Kann ich einen eigenen Charakter erstellen?',
        answer:
          'Ja. Angemeldete Nutzer können Charaktere schreiben, einen Avatar hochladen und sie im Katalog veröffentlichen oder privat behalten.',
      },
      {
        question: 'Welche Sprachen werden unterstützt?',
        answer:
          'Charaktere und Oberfläche gibt es auf Russisch, Englisch, Spanisch, Französisch, Deutsch, Portugiesisch und Italienisch; Charakterkarten werden automatisch übersetzt.',
      },
      {
        question: 'Wie laufen Pen-and-Paper-Kampagnen ab?',
        answer:
          'In einer Kampagne ist die KI der Spielleiter: Sie beschreibt die Szene, bietet Entscheidungen an und verlangt Würfelwürfe, die der Server fair auswürfelt.',
      },
      {
        question: 'Sind meine Gespräche privat?',
        answer:
          'Deine Chats siehst nur du. Wir veröffentlichen keine Gespräche, und du kannst einen Chat jederzeit löschen.',
      },
    ],
  },
  about: {
    title: 'Über SweetSin',
    description:
      'Was SweetSin ist, wer die Charaktere schreibt und wie die Plattform funktioniert.',
    h1: 'Über SweetSin',
    paragraphs: [
      'SweetSin ist ein Ort für gemeinsames Erzählen mit KI-Charakteren. Autorinnen und Autoren veröffentlichen Charaktere mit Persönlichkeit, Szenario und eigener Stimme; Leserinnen und Leser beginnen Gespräche mit ihnen und führen die Geschichte, wohin sie wollen.',
      'Die Antworten erzeugen große Sprachmodelle mehrerer Anbieter. Die Charaktere bleiben in ihrer Rolle, erinnern sich an Früheres im Chat und antworten in der Sprache, in der du schreibst.',
      'Der Katalog wird moderiert: Jeder kann einen Charakter melden, und das Team prüft jede Meldung.',
    ],
  },
  terms: {
    title: 'Nutzungsbedingungen | SweetSin',
    description: 'Die Regeln für die Nutzung von SweetSin und das Veröffentlichen von Charakteren.',
    h1: 'Nutzungsbedingungen',
    paragraphs: [
      'Mit der Nutzung von SweetSin stimmst du diesen Bedingungen zu. Du musst alt genug sein, um in deinem Land Online-Dienste zu nutzen, und Inhalte für Erwachsene sehen nur Personen, die ihre Volljährigkeit bestätigt haben.',
      'Du bist für die Charaktere verantwortlich, die du veröffentlichst. Veröffentliche keine Inhalte, die illegal sind, Minderjährige sexualisieren, reale Personen imitieren oder Rechte anderer verletzen.',
      'Die Antworten schreibt eine KI, und sie sind Fiktion. Sie können ungenau sein und sind keine fachliche Beratung.',
      'Wir können Charaktere entfernen oder Konten sperren, die gegen diese Regeln verstoßen. Wir können diese Bedingungen ändern; die aktuelle Fassung steht immer auf dieser Seite.',
    ],
  },
  privacy: {
    title: 'Datenschutzerklärung | SweetSin',
    description: 'Welche Daten SweetSin speichert, wozu und wie du sie löschen lassen kannst.',
    h1: 'Datenschutzerklärung',
    paragraphs: [
      'Wir speichern, was der Dienst zum Funktionieren braucht: deine E-Mail-Adresse, deine Einstellungen, die Charaktere und Personas, die du erstellst, und deine Chats.',
      'Nachrichten gehen an den KI-Anbieter, der die Antwort schreibt, und nur zu diesem Zweck. Wir verkaufen keine personenbezogenen Daten und zeigen deine Chats keinen anderen Nutzern.',
      'Besuche werden gezählt, ohne dich zu identifizieren, und Aufzeichnungen von Seitenaufrufen werden nach 90 Tagen gelöscht.',
      'Du kannst deine Chats jederzeit löschen und uns bitten, dein Konto samt Daten zu löschen.',
    ],
  },
  feed: {
    default: {
      title: 'SweetSin — neue KI-Charaktere',
      description: 'Die neuesten auf SweetSin veröffentlichten Charaktere.',
    },
    fiction: {
      title: 'SweetSin — neue Geschichten und Charaktere',
      description:
        'Die neuesten Charaktere und Kampagnen für interaktive Geschichten auf SweetSin.',
    },
  },
  organization: {
    default:
      'SweetSin betreibt eine Rollenspiel-Chat-Plattform mit KI-Charakteren aus seiner Community.',
    fiction:
      'SweetSin betreibt eine Plattform für interaktive Geschichten mit KI-Charakteren und Pen-and-Paper-Kampagnen unter einem KI-Spielleiter.',
  },
  website: {
    default: 'Rollenspiel-Chat mit KI-Charakteren aus der Community.',
    fiction: 'Interaktive Geschichten und Pen-and-Paper-Kampagnen mit KI-Charakteren.',
  },
  software: {
    default: 'Eine Web-App für Rollenspiel-Gespräche mit KI-Charakteren, in sieben Sprachen.',
    fiction:
      'Eine Web-App für interaktive Geschichten und Kampagnen mit KI-Spielleiter, in sieben Sprachen.',
  },
};
