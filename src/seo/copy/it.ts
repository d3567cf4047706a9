import type { Copy } from './copy.js';

export const it: Copy = {
  you: 'tu',
  nav: {
    home: 'Home',
    faq: 'Domande frequenti',
    about: 'Chi siamo',
    terms: 'Termini',
    privacy: 'Privacy',
    campaigns: 'Campagne',
  },
  home: {
    default: {
      title: 'SweetSin — chat di gioco di ruolo con personaggi IA',
      description:
        'Chatta con personaggi IA creati dalla community: eroi originali, rivali e compagni che ricordano la storia e rispondono in sette lingue.',
      h1: 'Chat di gioco di ruolo con personaggi IA',
      intro:
        'Scegli un personaggio, inizia una conversazione e costruite la storia insieme. Ogni personaggio ha personalità, scenario e voce propri, scritti da persone che amano raccontare storie.',
    },
    fiction: {
      title: 'SweetSin — narrativa interattiva e avventure di gioco di ruolo da tavolo',
      description:
        'Scrivi storie insieme a personaggi IA e gioca campagne di gioco di ruolo da tavolo con un master IA che tira i dadi.',
      h1: 'Narrativa interattiva con personaggi IA',
      intro:
        'Entra in una storia, decidi cosa succede dopo e gioca campagne in stile gioco di ruolo da tavolo in cui decidono i dadi. I personaggi sono scritti da una community di narratori.',
    },
    popular: 'Personaggi popolari',
    browseTags: 'Esplora per tema',
  },
  character: {
    title: '{name} — chat con personaggio IA | SweetSin',
    headings: [
      'Chatta con {name}',
      'Conosci {name}',
      'Parla con {name}',
      'Inizia una storia con {name}',
      '{name}: chat di gioco di ruolo',
      'Saluta {name}',
    ],
    ctas: [
      'Inizia a chattare',
      'Inizia la storia',
      'Saluta',
      'Apri la chat',
      'Inizia il gioco di ruolo',
      'Scrivi il primo messaggio',
    ],
    sections: {
      about: 'Su {name}',
      greeting: 'Primo messaggio',
      personality: 'Personalità',
      scenario: 'Scenario',
      appearance: 'Aspetto',
      highlights: 'In evidenza',
      tags: 'Temi',
      related: 'Personaggi simili',
    },
    chats: 'Chat',
    likes: 'Mi piace',
    otherLanguages: 'Disponibile anche in',
  },
  tag: {
    title: 'Personaggi IA: {tag} | SweetSin',
    description:
      'Personaggi IA con il tema «{tag}»: scegline uno e inizia una chat di gioco di ruolo.',
    h1: 'Personaggi: {tag}',
    intro:
      'I personaggi che la community ha associato al tema «{tag}», prima i più popolari. Aprine uno per leggere la sua storia e iniziare a chattare.',
  },
  campaigns: {
    title: 'Campagne di gioco di ruolo con un master IA | SweetSin',
    description:
      'Campagne in stile D&D guidate da un master IA: descrivi il tuo eroe, fai le tue scelte e lascia decidere i dadi.',
    h1: 'Campagne di gioco di ruolo',
    intro:
      'Gioca avventure in stile D&D con un master IA che descrive la scena, offre scelte vere e tira i dadi per le azioni rischiose.',
  },
  empty: 'Qui non ci sono ancora personaggi.',
  faq: {
    title: 'Domande frequenti | SweetSin',
    description:
      'Risposte alle domande più comuni su SweetSin: se è gratis, come creare un personaggio e quali lingue sono supportate.',
    h1: 'Domande frequenti',
    items: [
      {
        question: "Che cos'è SweetSin?",
        answer:
          'SweetSin è una piattaforma di chat di gioco di ruolo con personaggi IA. I personaggi sono scritti dalla community e ognuno ha una personalità, uno scenario e un primo messaggio che introduce la scena.',
      },
      {
        question: 'È gratis?',
        answer:
          'Sì. Come ospite puoi inviare un numero limitato di messaggi, e un account gratuito aumenta il limite giornaliero. Il piano premium offre risposte più lunghe e più contesto.',
      },
      {
        question: 'Posso creare un mio personaggio?',
        answer:
          'Sì. Gli utenti registrati possono scrivere personaggi, caricare un avatar e pubblicarli nel catalogo o tenerli privati.',
      },
      {
        question: 'Quali lingue sono supportate?',
        answer:
          'Personaggi e interfaccia sono disponibili in russo, inglese, spagnolo, francese, tedesco, portoghese e italiano; le schede dei personaggi vengono tradotte automaticamente.',
      },
      {
        question: 'Come si giocano le campagne?',
        answer:
          "In una campagna l'IA fa da master: descrive la scena, propone scelte e chiede tiri di dado, che il server esegue in modo equo.",
      },
      {
        question: 'Le mie conversazioni sono private?',
        answer:
          'Solo tu vedi le tue chat. Non pubblichiamo le conversazioni e puoi eliminare una chat in qualsiasi momento.',
      },
    ],
  },
  about: {
    title: 'Informazioni su SweetSin',
    description: "Che cos'è SweetSin, chi scrive i personaggi e come funziona la piattaforma.",
    h1: 'Informazioni su SweetSin',
    paragraphs: [
      'SweetSin è un luogo per creare storie a più mani con personaggi IA. Gli autori pubblicano personaggi con personalità, scenario e voce propri; i lettori iniziano a conversare con loro e portano la storia dove vogliono.',
      'Le risposte sono generate da grandi modelli linguistici di diversi fornitori. I personaggi restano nel ruolo, ricordano ciò che è successo prima nella chat e rispondono nella lingua in cui scrivi.',
      'Il catalogo è moderato: chiunque può segnalare un personaggio e il team esamina ogni segnalazione.',
    ],
  },
  terms: {
    title: 'Termini di utilizzo | SweetSin',
    description: 'Le regole per usare SweetSin e pubblicare personaggi.',
    h1: 'Termini di utilizzo',
    paragraphs: [
      "Usando SweetSin accetti questi termini. Devi avere l'età necessaria per usare servizi online nel tuo paese, e i contenuti per adulti sono mostrati solo a chi conferma di essere maggiorenne.",
      'Sei responsabile dei personaggi che pubblichi. Non pubblicare contenuti illegali, che sessualizzano minori, che impersonano persone reali o che violano i diritti altrui.',
      "Le risposte sono scritte da un'IA e sono finzione. Possono essere imprecise e non costituiscono una consulenza professionale.",
      'Possiamo rimuovere personaggi o sospendere account che violano queste regole. Possiamo modificare questi termini; la versione in vigore è sempre pubblicata in questa pagina.',
    ],
  },
  privacy: {
    title: 'Informativa sulla privacy | SweetSin',
    description: 'Quali dati conserva SweetSin, perché e come farli eliminare.',
    h1: 'Informativa sulla privacy',
    paragraphs: [
      'Conserviamo ciò che serve al funzionamento del servizio: il tuo indirizzo email, le tue impostazioni, i personaggi e le persona che crei e le tue chat.',
      'I messaggi vengono inviati al fornitore di IA che scrive la risposta, e solo a quello scopo. Non vendiamo dati personali e non mostriamo le tue chat ad altri utenti.',
      'Le visite vengono contate senza identificarti, e i registri delle pagine visitate vengono eliminati dopo 90 giorni.',
      'Puoi eliminare le tue chat in qualsiasi momento e chiederci di cancellare il tuo account e i relativi dati.',
    ],
  },
  feed: {
    default: {
      title: 'SweetSin — nuovi personaggi IA',
      description: 'Gli ultimi personaggi pubblicati su SweetSin.',
    },
    fiction: {
      title: 'SweetSin — nuove storie e personaggi',
      description: 'Gli ultimi personaggi e campagne di narrativa interattiva su SweetSin.',
    },
  },
  organization: {
    default:
      'SweetSin gestisce una piattaforma di chat di gioco di ruolo con personaggi IA scritti dalla sua community.',
    fiction:
      'SweetSin gestisce una piattaforma di narrativa interattiva con personaggi IA e campagne di gioco di ruolo da tavolo guidate da un master IA.',
  },
  website: {
    default: 'Chat di gioco di ruolo con personaggi IA creati dalla community.',
    fiction: 'Narrativa interattiva e campagne di gioco di ruolo da tavolo con personaggi IA.',
  },
  software: {
    default: "Un'app web per conversazioni di gioco di ruolo con personaggi IA, in sette lingue.",
    fiction:
      "Un'app web di narrativa interattiva e campagne guidate da un master IA, in sette lingue.",
  },
};
