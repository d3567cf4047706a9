import type { Copy } from './copy.js';

export const fr: Copy = {
  you: 'toi',
  nav: {
    home: 'Accueil',
    faq: 'FAQ',
    about: 'À propos',
    terms: 'Conditions',
    privacy: 'Confidentialité',
    campaigns: 'Campagnes',
  },
  home: {
    default: {
      title: 'SweetSin — jeu de rôle en chat avec des personnages IA',
      description:
        "Discutez avec des personnages IA créés par la communauté : héros originaux, rivaux et compagnons qui se souviennent de l'histoire et répondent en sept langues.",
      h1: 'Jeu de rôle en chat avec des personnages IA',
      intro:
        "Choisissez un personnage, lancez la conversation et écrivez l'histoire ensemble. Chaque personnage a sa personnalité, son scénario et sa voix, écrits par des passionnés d'histoires.",
    },
    fiction: {
      title: 'SweetSin — fiction interactive et aventures de jeu de rôle sur table',
      description:
        'Écrivez des histoires avec des personnages IA et jouez des campagnes de jeu de rôle avec un meneur de jeu IA qui lance les dés.',
      h1: 'Fiction interactive avec des personnages IA',
      intro:
        'Entrez dans une histoire, décidez de la suite et jouez des campagnes façon jeu de rôle sur table où les dés tranchent. Les personnages sont écrits par une communauté de conteurs.',
    },
    popular: 'Personnages populaires',
    browseTags: 'Parcourir par thème',
  },
  character: {
    title: '{name} — chat avec un personnage IA | SweetSin',
    headings: [
      'Discutez avec {name}',
      'Faites la connaissance de {name}',
      'Parlez à {name}',
      'Commencez une histoire avec {name}',
      '{name} : jeu de rôle en chat',
      'Dites bonjour à {name}',
    ],
    ctas: [
      'Commencer à discuter',
      "Commencer l'histoire",
      'Dire bonjour',
      'Ouvrir le chat',
      'Lancer le jeu de rôle',
      'Écrire le premier message',
    ],
    sections: {
      about: 'À propos de {name}',
      greeting: 'Premier message',
      personality: 'Personnalité',
      scenario: 'Scénario',
      appearance: 'Apparence',
      highlights: 'Points forts',
      tags: 'Thèmes',
      related: 'Personnages similaires',
    },
    chats: 'Discussions',
    likes: "J'aime",
    otherLanguages: 'Également disponible en',
  },
  tag: {
    title: 'Personnages IA : {tag} | SweetSin',
    description:
      'Des personnages IA avec le thème « {tag} » : choisissez-en un et commencez un jeu de rôle.',
    h1: 'Personnages : {tag}',
    intro:
      "Les personnages que la communauté a associés au thème « {tag} », les plus populaires d'abord. Ouvrez-en un pour découvrir son histoire et commencer à discuter.",
  },
  campaigns: {
    title: 'Campagnes de jeu de rôle avec un meneur de jeu IA | SweetSin',
    description:
      'Des campagnes façon D&D menées par un meneur de jeu IA : décrivez votre héros, faites vos choix et laissez les dés décider.',
    h1: 'Campagnes de jeu de rôle',
    intro:
      'Jouez des aventures façon D&D avec un meneur de jeu IA qui décrit la scène, propose de vrais choix et lance les dés pour les actions risquées.',
  },
  empty: 'Aucun personnage ici pour le moment.',
  faq: {
    title: 'Questions fréquentes | SweetSin',
    description:
      'Réponses aux questions fréquentes sur SweetSin : gratuité, création de personnages, langues prises en charge.',
    h1: 'Questions fréquentes',
    items: [
      {
        question: "Qu'est-ce que SweetSin ?",
        answer:
          'SweetSin est une plateforme de jeu de rôle en chat avec des personnages IA. Les personnages sont écrits par la communauté, et chacun a une personnalité, un scénario et un premier message qui plante le décor.',
      },
      {
        question: 'Est-ce gratuit ?',
        answer:
          "Oui. En invité, vous pouvez envoyer un nombre limité de messages, et un compte gratuit augmente la limite quotidienne. L'offre premium donne des réponses plus longues et davantage de contexte.",
      },
      {
        question: 'Puis-je créer mon propre personnage ?',
        answer:
          'Oui. Les utilisateurs connectés peuvent écrire des personnages, téléverser un avatar et les publier dans le catalogue ou les garder privés.',
      },
      {
        question: 'Quelles langues sont prises en charge ?',
        answer:
          "Les personnages et l'interface sont disponibles en russe, anglais, espagnol, français, allemand, portugais et italien ; les fiches des personnages sont traduites automatiquement.",
      },
      {
        question: 'Comment se jouent les campagnes ?',
        answer:
          "Dans une campagne, l'IA est le meneur de jeu : elle décrit la scène, propose des choix et demande des jets de dés, que le serveur lance équitablement.",
      },
      {
        question: 'Mes conversations sont-elles privées ?',
        answer:
          'Vous seul voyez vos discussions. Nous ne publions pas les conversations, et vous pouvez supprimer une discussion à tout moment.',
      },
    ],
  },
  about: {
    title: 'À propos de SweetSin',
    description:
      "Ce qu'est SweetSin, qui écrit ses personnages et comment fonctionne la plateforme.",
    h1: 'À propos de SweetSin',
    paragraphs: [
      "SweetSin est un lieu pour écrire des histoires à plusieurs mains avec des personnages IA. Des auteurs publient des personnages dotés d'une personnalité, d'un scénario et d'une voix ; les lecteurs engagent la conversation et mènent l'histoire où ils le souhaitent.",
      "Les réponses sont générées par de grands modèles de langage de plusieurs fournisseurs. Les personnages restent dans leur rôle, se souviennent de ce qui s'est passé plus tôt dans la discussion et répondent dans la langue où vous écrivez.",
      "Le catalogue est modéré : chacun peut signaler un personnage, et l'équipe examine chaque signalement.",
    ],
  },
  terms: {
    title: "Conditions d'utilisation | SweetSin",
    description: "Les règles d'utilisation de SweetSin et de publication des personnages.",
    h1: "Conditions d'utilisation",
    paragraphs: [
      "En utilisant SweetSin, vous acceptez ces conditions. Vous devez avoir l'âge requis pour utiliser des services en ligne dans votre pays, et les contenus pour adultes ne sont montrés qu'aux personnes ayant confirmé leur majorité.",
      "Vous êtes responsable des personnages que vous publiez. Ne publiez pas de contenu illégal, sexualisant des mineurs, usurpant l'identité de personnes réelles ou portant atteinte aux droits d'autrui.",
      'Les réponses sont écrites par une IA et relèvent de la fiction. Elles peuvent être inexactes et ne constituent pas un conseil professionnel.',
      'Nous pouvons retirer des personnages ou suspendre des comptes qui enfreignent ces règles. Ces conditions peuvent évoluer ; la version en vigueur est toujours publiée sur cette page.',
    ],
  },
  privacy: {
    title: 'Politique de confidentialité | SweetSin',
    description: 'Quelles données SweetSin conserve, pourquoi, et comment les faire supprimer.',
    h1: 'Politique de confidentialité',
    paragraphs: [
      'Nous conservons ce dont le service a besoin pour fonctionner : votre adresse e-mail, vos réglages, les personnages et personas que vous créez et vos discussions.',
      "Les messages sont envoyés au fournisseur d'IA qui rédige la réponse, et uniquement dans ce but. Nous ne vendons pas de données personnelles et ne montrons pas vos discussions aux autres utilisateurs.",
      'Les visites sont comptées sans vous identifier, et les enregistrements de pages vues sont supprimés au bout de 90 jours.',
      'Vous pouvez supprimer vos discussions à tout moment et nous demander de supprimer votre compte et ses données.',
    ],
  },
  feed: {
    default: {
      title: 'SweetSin — nouveaux personnages IA',
      description: 'Les derniers personnages publiés sur SweetSin.',
    },
    fiction: {
      title: 'SweetSin — nouvelles histoires et nouveaux personnages',
      description: 'Les derniers personnages et campagnes de fiction interactive sur SweetSin.',
    },
  },
  organization: {
    default:
      'SweetSin exploite une plateforme de jeu de rôle en chat avec des personnages IA écrits par sa communauté.',
    fiction:
      'SweetSin exploite une plateforme de fiction interactive avec des personnages IA et des campagnes de jeu de rôle menées par un meneur de jeu IA.',
  },
  website: {
    default: 'Jeu de rôle en chat avec des personnages IA créés par la communauté.',
    fiction: 'Fiction interactive et campagnes de jeu de rôle avec des personnages IA.',
  },
  software: {
    default:
      'Une application web de conversations de jeu de rôle avec des personnages IA, en sept langues.',
    fiction:
      'Une application web de fiction interactive et de campagnes menées par un meneur de jeu IA, en sept langues.',
  },
};
