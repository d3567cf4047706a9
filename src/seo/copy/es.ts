import type { Copy } from './copy.js';

export const es: Copy = {
  you: 'tú',
  nav: {
    home: 'Inicio',
    faq: 'Preguntas frecuentes',
    about: 'Acerca de',
    terms: 'Términos',
    privacy: 'Privacidad',
    campaigns: 'Campañas',
  },
  home: {
    default: {
      title: 'SweetSin — chat de rol con personajes de IA',
      description:
        'Chatea con personajes de IA creados por la comunidad: héroes originales, rivales y compañeros que recuerdan la historia y responden en siete idiomas.',
      h1: 'Chat de rol con personajes de IA',
      intro:
        'Elige un personaje, inicia una conversación y dale forma a la historia en compañía. Cada personaje tiene personalidad, escenario y voz propios, escritos por personas a las que les encanta contar historias.',
    },
    fiction: {
      title: 'SweetSin — ficción interactiva y aventuras de rol de mesa',
      description:
        'Escribe historias junto a personajes de IA y juega campañas de rol de mesa con un máster de IA que tira los dados.',
      h1: 'Ficción interactiva con personajes de IA',
      intro:
        'Entra en una historia, decide qué pasa después y juega campañas al estilo del rol de mesa en las que deciden los dados. Los personajes los escribe una comunidad de narradores.',
    },
    popular: 'Personajes populares',
    browseTags: 'Explorar por temática',
  },
  character: {
    title: '{name} — chat con personaje de IA | SweetSin',
    headings: [
      'Chatea con {name}',
      'Conoce a {name}',
      'Habla con {name}',
      'Empieza una historia con {name}',
      '{name}: chat de rol',
      'Saluda a {name}',
    ],
    ctas: [
      'Empezar a chatear',
      'Comenzar la historia',
      'Saludar',
      'Abrir el chat',
      'Empezar el rol',
      'Escribir el primer mensaje',
    ],
    sections: {
      about: 'Sobre {name}',
      greeting: 'Primer mensaje',
      personality: 'Personalidad',
      scenario: 'Escenario',
      appearance: 'Apariencia',
      highlights: 'Lo más destacado',
      tags: 'Temáticas',
      related: 'Personajes similares',
    },
    chats: 'Chats',
    likes: 'Me gusta',
    otherLanguages: 'También disponible en',
  },
  tag: {
    title: 'Personajes de IA: {tag} | SweetSin',
    description: 'Personajes de IA con la etiqueta «{tag}»: elige uno y empieza un chat de rol.',
    h1: 'Personajes: {tag}',
    intro:
      'Personajes que la comunidad etiquetó como «{tag}», primero los más populares. Abre uno para leer su historia y empezar a chatear.',
  },
  campaigns: {
    title: 'Campañas de rol de mesa con un máster de IA | SweetSin',
    description:
      'Campañas al estilo D&D dirigidas por un máster de IA: describe a tu héroe, toma decisiones y deja que decidan los dados.',
    h1: 'Campañas de rol de mesa',
    intro:
      'Juega aventuras al estilo D&D con un máster de IA que describe la escena, ofrece decisiones reales y tira los dados en las acciones arriesgadas.',
  },
  empty: 'Aún no hay personajes aquí.',
  faq: {
    title: 'Preguntas frecuentes | SweetSin',
    description:
      'Respuestas a las preguntas más comunes sobre SweetSin: si es gratis, cómo crear un personaje y qué idiomas admite.',
    h1: 'Preguntas frecuentes',
    items: [
      {
        question: '¿Qué es SweetSin?',
        answer:
          'SweetSin es una plataforma de chat de rol con personajes de IA. Los personajes los escribe la comunidad y cada uno tiene personalidad, escenario y un primer mensaje que plantea la escena.',
      },
      {
        question: '¿Es gratis?',
        answer:
          'Sí. Como invitado puedes enviar un número limitado de mensajes, y una cuenta gratuita amplía el límite diario. El plan premium ofrece respuestas más largas y más contexto.',
      },
      {
        question: '¿Puedo crear mi propio personaje?',
        answer:
          'Sí. Los usuarios registrados pueden escribir personajes, subir un avatar y publicarlos en el catálogo o mantenerlos privados.',
      },
      {
        question: '¿Qué idiomas admite?',
        answer:
          'Los personajes y la interfaz están disponibles en ruso, inglés, español, francés, alemán, portugués e italiano; las fichas de personaje se traducen automáticamente.',
      },
      {
        question: '¿Cómo se juegan las campañas de rol de mesa?',
        answer:
          'En una campaña, la IA actúa como máster: describe la escena, ofrece opciones y pide tiradas de dados, que el servidor realiza de forma justa.',
      },
      {
        question: '¿Mis conversaciones son privadas?',
        answer:
          'Solo tú ves tus chats. No publicamos conversaciones y puedes borrar un chat cuando quieras.',
      },
    ],
  },
  about: {
    title: 'Acerca de SweetSin',
    description: 'Qué es SweetSin, quién escribe sus personajes y cómo funciona la plataforma.',
    h1: 'Acerca de SweetSin',
    paragraphs: [
      'SweetSin es un espacio para contar historias en colaboración con personajes de IA. Los autores publican personajes con personalidad, escenario y voz propia; los lectores conversan con ellos y llevan la historia a donde quieran.',
      'Las respuestas las generan grandes modelos de lenguaje de varios proveedores. Los personajes no salen de su papel, recuerdan lo ocurrido antes en el chat y responden en el idioma en que escribes.',
      'El catálogo está moderado: cualquiera puede denunciar un personaje y el equipo revisa cada denuncia.',
    ],
  },
  terms: {
    title: 'Términos de uso | SweetSin',
    description: 'Las normas para usar SweetSin y publicar personajes.',
    h1: 'Términos de uso',
    paragraphs: [
      'Al usar SweetSin aceptas estos términos. Debes tener la edad necesaria para usar servicios en línea en tu país, y el contenido para adultos solo se muestra a quienes confirman ser mayores de edad.',
      'Eres responsable de los personajes que publicas. No publiques contenido ilegal, que sexualice a menores, que suplante a personas reales o que infrinja derechos ajenos.',
      'Las respuestas las escribe una IA y son ficción. Pueden ser inexactas y no constituyen asesoramiento profesional.',
      'Podemos retirar personajes o suspender cuentas que incumplan estas normas. Podemos cambiar estos términos; la versión vigente siempre está publicada en esta página.',
    ],
  },
  privacy: {
    title: 'Política de privacidad | SweetSin',
    description: 'Qué datos guarda SweetSin, para qué y cómo eliminarlos.',
    h1: 'Política de privacidad',
    paragraphs: [
      'Guardamos lo que el servicio necesita para funcionar: tu correo electrónico, tus ajustes, los personajes y personas que creas y tus chats.',
      'Los mensajes se envían al proveedor de IA que escribe la respuesta, y solo con ese fin. No vendemos datos personales ni mostramos tus chats a otros usuarios.',
      'Las visitas se cuentan sin identificarte, y los registros de páginas vistas se eliminan a los 90 días.',
      'Puedes borrar tus chats en cualquier momento y pedirnos que eliminemos tu cuenta y sus datos.',
    ],
  },
  feed: {
    default: {
      title: 'SweetSin — nuevos personajes de IA',
      description: 'Los personajes más recientes publicados en SweetSin.',
    },
    fiction: {
      title: 'SweetSin — nuevas historias y personajes',
      description: 'Los personajes y campañas más recientes de ficción interactiva en SweetSin.',
    },
  },
  organization: {
    default:
      'SweetSin gestiona una plataforma de chat de rol con personajes de IA escritos por su comunidad.',
    fiction:
      'SweetSin gestiona una plataforma de ficción interactiva con personajes de IA y campañas de rol de mesa dirigidas por un máster de IA.',
  },
  website: {
    default: 'Chat de rol con personajes de IA creados por la comunidad.',
    fiction: 'Ficción interactiva y campañas de rol de mesa con personajes de IA.',
  },
  software: {
    default:
      'Una aplicación web para conversaciones de rol con personajes de IA, en siete idiomas.',
    fiction:
      'Una aplicación web de ficción interactiva y campañas de rol de mesa con un máster de IA, en siete idiomas.',
  },
};
