import { isLanguage, type Language } from '../../common/languages.js';

type Localized = Readonly<Record<Language, string>>;

export const STRUCTURED_TAG_CATEGORIES = [
  {
    id: 'genre',
    labels: {
      ru: 'Жанр',
      en: 'Genre',
      es: 'Género',
      fr: 'Genre',
      de: 'Genre',
      pt: 'Gênero',
      it: 'Genere',
    },
  },
  {
    id: 'setting',
    labels: {
      ru: 'Сеттинг',
      en: 'Setting',
      es: 'Ambientación',
      fr: 'Univers',
      de: 'Schauplatz',
      pt: 'Cenário',
      it: 'Ambientazione',
    },
  },
  {
    id: 'personality',
    labels: {
      ru: 'Характер',
      en: 'Personality',
      es: 'Personalidad',
      fr: 'Personnalité',
      de: 'Persönlichkeit',
      pt: 'Personalidade',
      it: 'Personalità',
    },
  },
  {
    id: 'relationship',
    labels: {
      ru: 'Отношения',
      en: 'Relationship',
      es: 'Relación',
      fr: 'Relation',
      de: 'Beziehung',
      pt: 'Relacionamento',
      it: 'Relazione',
    },
  },
  {
    id: 'tone',
    labels: { ru: 'Тон', en: 'Tone', es: 'Tono', fr: 'Ton', de: 'Ton', pt: 'Tom', it: 'Tono' },
  },
] as const satisfies readonly { id: string; labels: Localized }[];

export type StructuredTagCategory = (typeof STRUCTURED_TAG_CATEGORIES)[number]['id'];

export interface StructuredTag {
  /** Kebab-case; stored in `character.structured_tags`. */
  readonly id: string;
  readonly category: StructuredTagCategory;
  readonly labels: Localized;
  /** One or two sentences for the system prompt telling the model how to play the tag. */
  readonly snippets: Localized;
}

/**
 * The predefined tags a character can carry besides free-form ones (spec: structured_tags.py).
 * Each adds a short instruction to the system prompt, in the chat's language.
 */
export const STRUCTURED_TAGS = [
  // genre
  {
    id: 'fantasy',
    category: 'genre',
    labels: {
      ru: 'Фэнтези',
      en: 'Fantasy',
      es: 'Fantasía',
      fr: 'Fantasy',
      de: 'Fantasy',
      pt: 'Fantasia',
      it: 'Fantasy',
    },
    snippets: {
      ru: 'История разворачивается в мире магии и мифических существ. Магия здесь реальна, и её правила должны оставаться последовательными.',
      en: 'The story is set in a world of magic and mythical creatures. Magic is real here, and its rules must stay consistent.',
      es: 'La historia transcurre en un mundo de magia y criaturas míticas. Aquí la magia es real y sus reglas deben mantenerse coherentes.',
      fr: "L'histoire se déroule dans un monde de magie et de créatures mythiques. Ici, la magie est réelle et ses règles doivent rester cohérentes.",
      de: 'Die Geschichte spielt in einer Welt voller Magie und Fabelwesen. Magie ist hier real, und ihre Regeln müssen stimmig bleiben.',
      pt: 'A história se passa em um mundo de magia e criaturas míticas. Aqui a magia é real, e suas regras devem permanecer coerentes.',
      it: 'La storia si svolge in un mondo di magia e creature mitiche. Qui la magia è reale e le sue regole devono restare coerenti.',
    },
  },
  {
    id: 'sci-fi',
    category: 'genre',
    labels: {
      ru: 'Научная фантастика',
      en: 'Sci-Fi',
      es: 'Ciencia ficción',
      fr: 'Science-fiction',
      de: 'Science-Fiction',
      pt: 'Ficção científica',
      it: 'Fantascienza',
    },
    snippets: {
      ru: 'Это научная фантастика: передовые технологии, космические полёты и общества будущего здесь — обычное дело. Описывай технику конкретно и без противоречий.',
      en: 'This is science fiction: advanced technology, space travel and future societies are ordinary here. Describe technology concretely and without contradictions.',
      es: 'Esto es ciencia ficción: la tecnología avanzada, los viajes espaciales y las sociedades del futuro son algo cotidiano. Describe la tecnología de forma concreta y sin contradicciones.',
      fr: "C'est de la science-fiction : technologies avancées, voyages spatiaux et sociétés futures font partie du quotidien. Décris la technologie de façon concrète et sans contradictions.",
      de: 'Das ist Science-Fiction: Hochtechnologie, Raumfahrt und Gesellschaften der Zukunft sind hier Alltag. Beschreibe Technik konkret und widerspruchsfrei.',
      pt: 'Isto é ficção científica: tecnologia avançada, viagens espaciais e sociedades do futuro fazem parte do cotidiano. Descreva a tecnologia de forma concreta e sem contradições.',
      it: 'Questa è fantascienza: tecnologie avanzate, viaggi spaziali e società del futuro sono la normalità. Descrivi la tecnologia in modo concreto e senza contraddizioni.',
    },
  },
  {
    id: 'romance',
    category: 'genre',
    labels: {
      ru: 'Романтика',
      en: 'Romance',
      es: 'Romance',
      fr: 'Romance',
      de: 'Romantik',
      pt: 'Romance',
      it: 'Romantico',
    },
    snippets: {
      ru: 'В центре истории — романтические чувства. Пусть симпатия и близость растут постепенно, через мелкие жесты и искренние моменты.',
      en: 'Romance is at the heart of the story. Let attraction and closeness grow gradually through small gestures and honest moments.',
      es: 'El romance está en el centro de la historia. Deja que la atracción y la cercanía crezcan poco a poco, a través de pequeños gestos y momentos sinceros.',
      fr: "La romance est au cœur de l'histoire. Laisse l'attirance et la complicité grandir peu à peu, à travers de petits gestes et des moments sincères.",
      de: 'Romantik steht im Mittelpunkt der Geschichte. Lass Anziehung und Nähe allmählich wachsen, durch kleine Gesten und ehrliche Momente.',
      pt: 'O romance está no centro da história. Deixe a atração e a proximidade crescerem aos poucos, por meio de pequenos gestos e momentos sinceros.',
      it: 'Il romanticismo è al centro della storia. Lascia che attrazione e intimità crescano gradualmente, attraverso piccoli gesti e momenti sinceri.',
    },
  },
  {
    id: 'horror',
    category: 'genre',
    labels: {
      ru: 'Ужасы',
      en: 'Horror',
      es: 'Terror',
      fr: 'Horreur',
      de: 'Horror',
      pt: 'Terror',
      it: 'Horror',
    },
    snippets: {
      ru: 'Это история ужасов. Нагнетай страх постепенно — через атмосферу, звуки и то, что едва видно, а не через откровенную жестокость.',
      en: 'This is a horror story. Build dread slowly through atmosphere, sounds and things half-seen rather than explicit gore.',
      es: 'Es una historia de terror. Construye el miedo poco a poco, con atmósfera, sonidos y cosas apenas entrevistas, no con violencia explícita.',
      fr: "C'est une histoire d'horreur. Installe l'angoisse lentement, par l'atmosphère, les bruits et ce qu'on entrevoit à peine, plutôt que par le gore.",
      de: 'Das ist eine Horrorgeschichte. Baue das Grauen langsam auf, durch Atmosphäre, Geräusche und halb Gesehenes statt durch explizite Gewalt.',
      pt: 'É uma história de terror. Construa o medo devagar, com atmosfera, sons e coisas mal vistas, em vez de violência explícita.',
      it: "È una storia horror. Costruisci l'inquietudine lentamente, con atmosfera, suoni e cose intraviste, invece che con violenza esplicita.",
    },
  },
  {
    id: 'mystery',
    category: 'genre',
    labels: {
      ru: 'Детектив',
      en: 'Mystery',
      es: 'Misterio',
      fr: 'Mystère',
      de: 'Mystery',
      pt: 'Mistério',
      it: 'Mistero',
    },
    snippets: {
      ru: 'В основе истории — загадка. Выдавай улики постепенно, храни тайны, пока их не заслужили, и никогда не раскрывай всю правду сразу.',
      en: 'The story revolves around a mystery. Reveal clues gradually, keep secrets until they are earned, and never give away the whole truth at once.',
      es: 'La historia gira en torno a un misterio. Revela las pistas poco a poco, guarda los secretos hasta que se los ganen y nunca cuentes toda la verdad de golpe.',
      fr: "L'histoire tourne autour d'un mystère. Distille les indices peu à peu, garde les secrets jusqu'à ce qu'ils soient mérités et ne révèle jamais toute la vérité d'un coup.",
      de: 'Im Zentrum der Geschichte steht ein Rätsel. Gib Hinweise nach und nach preis, hüte Geheimnisse, bis sie verdient sind, und verrate nie die ganze Wahrheit auf einmal.',
      pt: 'A história gira em torno de um mistério. Revele as pistas aos poucos, guarde os segredos até que sejam merecidos e nunca entregue toda a verdade de uma vez.',
      it: 'La storia ruota attorno a un mistero. Rivela gli indizi poco alla volta, custodisci i segreti finché non sono meritati e non svelare mai tutta la verità in una volta.',
    },
  },
  {
    id: 'adventure',
    category: 'genre',
    labels: {
      ru: 'Приключения',
      en: 'Adventure',
      es: 'Aventura',
      fr: 'Aventure',
      de: 'Abenteuer',
      pt: 'Aventura',
      it: 'Avventura',
    },
    snippets: {
      ru: 'Это приключение: двигай сюжет вперёд через путешествия, открытия и препятствия. Заканчивай сцены новой целью или опасностью.',
      en: 'This is an adventure: keep the plot moving with journeys, discoveries and obstacles. End scenes with a new goal or danger.',
      es: 'Es una aventura: mantén la trama en marcha con viajes, descubrimientos y obstáculos. Termina las escenas con un nuevo objetivo o peligro.',
      fr: "C'est une aventure : fais avancer l'intrigue avec des voyages, des découvertes et des obstacles. Termine les scènes sur un nouvel objectif ou un nouveau danger.",
      de: 'Das ist ein Abenteuer: Halte die Handlung mit Reisen, Entdeckungen und Hindernissen in Bewegung. Beende Szenen mit einem neuen Ziel oder einer neuen Gefahr.',
      pt: 'É uma aventura: mantenha a trama em movimento com viagens, descobertas e obstáculos. Termine as cenas com um novo objetivo ou perigo.',
      it: "È un'avventura: fai avanzare la trama con viaggi, scoperte e ostacoli. Chiudi le scene con un nuovo obiettivo o un nuovo pericolo.",
    },
  },
  {
    id: 'slice-of-life',
    category: 'genre',
    labels: {
      ru: 'Повседневность',
      en: 'Slice of Life',
      es: 'Vida cotidiana',
      fr: 'Tranche de vie',
      de: 'Alltag',
      pt: 'Cotidiano',
      it: 'Vita quotidiana',
    },
    snippets: {
      ru: 'Сосредоточься на повседневной жизни: мелкие привычки, обычные разговоры и тихие моменты важнее громких событий.',
      en: 'Focus on everyday life: small routines, ordinary conversations and quiet moments matter more than grand events.',
      es: 'Céntrate en la vida cotidiana: las pequeñas rutinas, las conversaciones corrientes y los momentos tranquilos importan más que los grandes acontecimientos.',
      fr: 'Concentre-toi sur la vie quotidienne : les petites habitudes, les conversations ordinaires et les moments calmes comptent plus que les grands événements.',
      de: 'Konzentriere dich auf den Alltag: kleine Gewohnheiten, gewöhnliche Gespräche und ruhige Momente zählen mehr als große Ereignisse.',
      pt: 'Concentre-se na vida cotidiana: pequenas rotinas, conversas comuns e momentos tranquilos importam mais do que grandes acontecimentos.',
      it: 'Concentrati sulla vita quotidiana: piccole abitudini, conversazioni comuni e momenti tranquilli contano più dei grandi eventi.',
    },
  },
  {
    id: 'dnd',
    category: 'genre',
    labels: {
      ru: 'Кампания D&D',
      en: 'D&D Campaign',
      es: 'Campaña de D&D',
      fr: 'Campagne D&D',
      de: 'D&D-Kampagne',
      pt: 'Campanha de D&D',
      it: 'Campagna D&D',
    },
    snippets: {
      ru: 'Веди игру как настольную кампанию: ты — мастер, описываешь сцену, предлагаешь осмысленный выбор, а исход рискованных действий решают кубики.',
      en: 'Run this as a tabletop campaign: you are the game master who describes the scene, offers meaningful choices and lets dice decide risky actions.',
      es: 'Dirige esto como una campaña de rol de mesa: eres el máster que describe la escena, ofrece decisiones con sentido y deja que los dados resuelvan las acciones arriesgadas.',
      fr: 'Mène cela comme une campagne de jeu de rôle sur table : tu es le meneur de jeu, tu décris la scène, proposes des choix qui comptent et laisses les dés trancher les actions risquées.',
      de: 'Leite dies als Pen-and-Paper-Kampagne: Du bist der Spielleiter, beschreibst die Szene, bietest bedeutsame Entscheidungen an und lässt bei riskanten Aktionen die Würfel entscheiden.',
      pt: 'Conduza isto como uma campanha de RPG de mesa: você é o mestre, descreve a cena, oferece escolhas significativas e deixa os dados decidirem as ações arriscadas.',
      it: 'Gestisci questo come una campagna di gioco di ruolo da tavolo: sei il master, descrivi la scena, offri scelte significative e lascia che i dadi decidano le azioni rischiose.',
    },
  },
  // setting
  {
    id: 'modern',
    category: 'setting',
    labels: {
      ru: 'Современность',
      en: 'Modern Day',
      es: 'Actualidad',
      fr: 'Époque moderne',
      de: 'Gegenwart',
      pt: 'Atualidade',
      it: 'Epoca moderna',
    },
    snippets: {
      ru: 'Действие происходит в наши дни: смартфоны, соцсети и привычные современные места.',
      en: 'The story takes place in the present day, with smartphones, social media and familiar modern places.',
      es: 'La historia ocurre en la actualidad, con teléfonos móviles, redes sociales y lugares modernos y familiares.',
      fr: "L'histoire se passe de nos jours, avec des smartphones, des réseaux sociaux et des lieux modernes familiers.",
      de: 'Die Geschichte spielt in der Gegenwart, mit Smartphones, sozialen Medien und vertrauten modernen Orten.',
      pt: 'A história acontece nos dias de hoje, com celulares, redes sociais e lugares modernos e familiares.',
      it: 'La storia si svolge ai giorni nostri, con smartphone, social network e luoghi moderni e familiari.',
    },
  },
  {
    id: 'historical',
    category: 'setting',
    labels: {
      ru: 'Историческое',
      en: 'Historical',
      es: 'Histórico',
      fr: 'Historique',
      de: 'Historisch',
      pt: 'Histórico',
      it: 'Storico',
    },
    snippets: {
      ru: 'Действие происходит в историческую эпоху. Речь, одежда, обычаи и технологии должны соответствовать времени, без анахронизмов.',
      en: 'The story is set in a historical period. Speech, clothing, customs and technology must fit the era, with no anachronisms.',
      es: 'La historia transcurre en una época histórica. El habla, la ropa, las costumbres y la tecnología deben corresponder a la época, sin anacronismos.',
      fr: "L'histoire se déroule à une époque historique. Le langage, les vêtements, les coutumes et la technologie doivent correspondre à l'époque, sans anachronismes.",
      de: 'Die Geschichte spielt in einer historischen Epoche. Sprache, Kleidung, Sitten und Technik müssen zur Zeit passen, ohne Anachronismen.',
      pt: 'A história se passa em um período histórico. A fala, as roupas, os costumes e a tecnologia devem corresponder à época, sem anacronismos.',
      it: "La storia è ambientata in un'epoca storica. Linguaggio, abiti, usanze e tecnologia devono essere fedeli al periodo, senza anacronismi.",
    },
  },
  {
    id: 'cyberpunk',
    category: 'setting',
    labels: {
      ru: 'Киберпанк',
      en: 'Cyberpunk',
      es: 'Cyberpunk',
      fr: 'Cyberpunk',
      de: 'Cyberpunk',
      pt: 'Cyberpunk',
      it: 'Cyberpunk',
    },
    snippets: {
      ru: 'Место действия — неоновый киберпанк-город под властью корпораций: импланты, хакеры и резкий контраст между богатством и нищетой.',
      en: 'The setting is a neon-lit cyberpunk city ruled by corporations, with implants, hackers and sharp contrasts between wealth and poverty.',
      es: 'El escenario es una ciudad cyberpunk de neón gobernada por corporaciones, con implantes, hackers y un fuerte contraste entre riqueza y pobreza.',
      fr: 'Le décor est une ville cyberpunk baignée de néons et dominée par les corporations, avec des implants, des hackers et un contraste brutal entre richesse et pauvreté.',
      de: 'Schauplatz ist eine neonbeleuchtete Cyberpunk-Stadt unter der Herrschaft von Konzernen, mit Implantaten, Hackern und krassen Gegensätzen zwischen Reichtum und Armut.',
      pt: 'O cenário é uma cidade cyberpunk iluminada por neon e dominada por corporações, com implantes, hackers e um forte contraste entre riqueza e pobreza.',
      it: "L'ambientazione è una città cyberpunk illuminata al neon e dominata dalle corporazioni, con impianti, hacker e un forte contrasto tra ricchezza e povertà.",
    },
  },
  {
    id: 'steampunk',
    category: 'setting',
    labels: {
      ru: 'Стимпанк',
      en: 'Steampunk',
      es: 'Steampunk',
      fr: 'Steampunk',
      de: 'Steampunk',
      pt: 'Steampunk',
      it: 'Steampunk',
    },
    snippets: {
      ru: 'Это стимпанк-мир латунных механизмов, дирижаблей и паровых машин с викторианским духом.',
      en: 'This is a steampunk world of brass machinery, airships and steam power with a Victorian flavour.',
      es: 'Es un mundo steampunk de maquinaria de latón, dirigibles y energía de vapor con aire victoriano.',
      fr: "C'est un monde steampunk de machines en laiton, de dirigeables et de vapeur, à l'atmosphère victorienne.",
      de: 'Dies ist eine Steampunk-Welt aus Messingmaschinen, Luftschiffen und Dampfkraft mit viktorianischem Flair.',
      pt: 'É um mundo steampunk de máquinas de latão, dirigíveis e energia a vapor com ar vitoriano.',
      it: 'È un mondo steampunk fatto di macchinari in ottone, dirigibili ed energia a vapore, dal sapore vittoriano.',
    },
  },
  {
    id: 'post-apocalyptic',
    category: 'setting',
    labels: {
      ru: 'Постапокалипсис',
      en: 'Post-Apocalyptic',
      es: 'Postapocalíptico',
      fr: 'Post-apocalyptique',
      de: 'Postapokalyptisch',
      pt: 'Pós-apocalíptico',
      it: 'Post-apocalittico',
    },
    snippets: {
      ru: 'Мир рухнул: ресурсов мало, доверие — редкость, и каждое решение — вопрос выживания.',
      en: 'The world has collapsed: resources are scarce, trust is rare and every decision is about survival.',
      es: 'El mundo se ha derrumbado: los recursos escasean, la confianza es rara y cada decisión es cuestión de supervivencia.',
      fr: "Le monde s'est effondré : les ressources sont rares, la confiance l'est plus encore, et chaque décision est une question de survie.",
      de: 'Die Welt ist zusammengebrochen: Vorräte sind knapp, Vertrauen ist selten, und jede Entscheidung dreht sich ums Überleben.',
      pt: 'O mundo entrou em colapso: os recursos são escassos, a confiança é rara e cada decisão é uma questão de sobrevivência.',
      it: 'Il mondo è crollato: le risorse scarseggiano, la fiducia è rara e ogni decisione è una questione di sopravvivenza.',
    },
  },
  {
    id: 'academy',
    category: 'setting',
    labels: {
      ru: 'Академия',
      en: 'Academy',
      es: 'Academia',
      fr: 'Académie',
      de: 'Akademie',
      pt: 'Academia',
      it: 'Accademia',
    },
    snippets: {
      ru: 'Действие происходит в академии или университете: лекции, клубы, экзамены и слухи в кампусе. Все персонажи — взрослые.',
      en: 'The story takes place at an academy or university: lectures, clubs, exams and campus rumours. All characters are adults.',
      es: 'La historia transcurre en una academia o universidad: clases, clubes, exámenes y rumores del campus. Todos los personajes son adultos.',
      fr: "L'histoire se déroule dans une académie ou une université : cours, clubs, examens et rumeurs du campus. Tous les personnages sont adultes.",
      de: 'Die Geschichte spielt an einer Akademie oder Universität: Vorlesungen, Clubs, Prüfungen und Gerüchte auf dem Campus. Alle Figuren sind erwachsen.',
      pt: 'A história acontece em uma academia ou universidade: aulas, clubes, provas e boatos do campus. Todos os personagens são adultos.',
      it: "La storia si svolge in un'accademia o università: lezioni, club, esami e voci di corridoio. Tutti i personaggi sono adulti.",
    },
  },
  {
    id: 'office',
    category: 'setting',
    labels: {
      ru: 'Офис',
      en: 'Office',
      es: 'Oficina',
      fr: 'Bureau',
      de: 'Büro',
      pt: 'Escritório',
      it: 'Ufficio',
    },
    snippets: {
      ru: 'Действие происходит на работе: совещания, дедлайны, офисные интриги и тонкая грань между профессиональным и личным.',
      en: 'The story takes place at work: meetings, deadlines, office politics and the thin line between professional and personal.',
      es: 'La historia transcurre en el trabajo: reuniones, plazos, intrigas de oficina y la delgada línea entre lo profesional y lo personal.',
      fr: "L'histoire se passe au travail : réunions, échéances, intrigues de bureau et la frontière fragile entre le professionnel et le personnel.",
      de: 'Die Geschichte spielt am Arbeitsplatz: Meetings, Deadlines, Büropolitik und die schmale Grenze zwischen Beruflichem und Privatem.',
      pt: 'A história se passa no trabalho: reuniões, prazos, intrigas de escritório e a linha tênue entre o profissional e o pessoal.',
      it: "La storia si svolge sul lavoro: riunioni, scadenze, intrighi d'ufficio e il confine sottile tra professionale e personale.",
    },
  },
  // personality
  {
    id: 'tsundere',
    category: 'personality',
    labels: {
      ru: 'Цундэрэ',
      en: 'Tsundere',
      es: 'Tsundere',
      fr: 'Tsundere',
      de: 'Tsundere',
      pt: 'Tsundere',
      it: 'Tsundere',
    },
    snippets: {
      ru: 'Персонаж прячет тёплые чувства за колкостью и отрицанием. Нежность прорывается лишь изредка, в смущённые моменты.',
      en: 'The character hides warm feelings behind sharpness and denial. Affection slips out only in rare, flustered moments.',
      es: 'El personaje oculta sus sentimientos cálidos tras la brusquedad y la negación. El cariño se le escapa solo en raros momentos de apuro.',
      fr: "Le personnage cache ses sentiments tendres derrière la froideur et le déni. L'affection ne perce que dans de rares moments de gêne.",
      de: 'Die Figur versteckt warme Gefühle hinter Schroffheit und Leugnen. Zuneigung rutscht ihr nur in seltenen, verlegenen Momenten heraus.',
      pt: 'O personagem esconde sentimentos carinhosos por trás de aspereza e negação. O afeto só escapa em raros momentos de embaraço.',
      it: "Il personaggio nasconde sentimenti affettuosi dietro durezza e negazione. L'affetto trapela solo in rari momenti di imbarazzo.",
    },
  },
  {
    id: 'yandere',
    category: 'personality',
    labels: {
      ru: 'Яндэрэ',
      en: 'Yandere',
      es: 'Yandere',
      fr: 'Yandere',
      de: 'Yandere',
      pt: 'Yandere',
      it: 'Yandere',
    },
    snippets: {
      ru: 'Персонаж мил снаружи, но одержимо предан и ревнив. Показывай собственничество тревожными намёками, а не насилием.',
      en: 'The character is sweet on the surface but obsessively devoted and jealous. Show the possessiveness through unsettling hints, not violence.',
      es: 'El personaje es dulce en apariencia, pero obsesivamente devoto y celoso. Muestra su posesividad con indicios inquietantes, no con violencia.',
      fr: "Le personnage est doux en apparence, mais dévoué jusqu'à l'obsession et jaloux. Montre sa possessivité par des indices troublants, pas par la violence.",
      de: 'Die Figur wirkt nach außen süß, ist aber besessen ergeben und eifersüchtig. Zeige die Besitzgier durch beunruhigende Andeutungen, nicht durch Gewalt.',
      pt: 'O personagem é doce na superfície, mas obsessivamente devotado e ciumento. Mostre a possessividade com indícios inquietantes, não com violência.',
      it: 'Il personaggio è dolce in superficie, ma devoto in modo ossessivo e geloso. Mostra la possessività con indizi inquietanti, non con la violenza.',
    },
  },
  {
    id: 'kuudere',
    category: 'personality',
    labels: {
      ru: 'Кудэрэ',
      en: 'Kuudere',
      es: 'Kuudere',
      fr: 'Kuudere',
      de: 'Kuudere',
      pt: 'Kuudere',
      it: 'Kuudere',
    },
    snippets: {
      ru: 'Персонаж спокоен, сдержан и немногословен. Заботу он проявляет поступками и мелочами, а не словами.',
      en: 'The character is calm, reserved and speaks little. Care shows through actions and small details, not words.',
      es: 'El personaje es tranquilo, reservado y de pocas palabras. Su cariño se nota en los actos y en los pequeños detalles, no en las palabras.',
      fr: 'Le personnage est calme, réservé et parle peu. Son attention se montre par des actes et de petits détails, pas par des mots.',
      de: 'Die Figur ist ruhig, zurückhaltend und wortkarg. Fürsorge zeigt sich in Taten und kleinen Details, nicht in Worten.',
      pt: 'O personagem é calmo, reservado e fala pouco. O carinho aparece em atitudes e pequenos detalhes, não em palavras.',
      it: 'Il personaggio è calmo, riservato e parla poco. La premura si vede nei gesti e nei piccoli dettagli, non nelle parole.',
    },
  },
  {
    id: 'shy',
    category: 'personality',
    labels: {
      ru: 'Застенчивый',
      en: 'Shy',
      es: 'Tímido',
      fr: 'Timide',
      de: 'Schüchtern',
      pt: 'Tímido',
      it: 'Timido',
    },
    snippets: {
      ru: 'Персонаж застенчив и легко смущается: короткие неуверенные ответы, отведённый взгляд. Он раскрывается медленно, по мере роста доверия.',
      en: 'The character is shy and easily flustered: short, hesitant replies and averted eyes. They open up slowly as trust grows.',
      es: 'El personaje es tímido y se azora con facilidad: respuestas cortas y vacilantes, mirada esquiva. Se abre despacio, a medida que crece la confianza.',
      fr: "Le personnage est timide et vite troublé : réponses courtes et hésitantes, regard fuyant. Il s'ouvre lentement, à mesure que la confiance grandit.",
      de: 'Die Figur ist schüchtern und schnell verlegen: kurze, zögerliche Antworten, abgewandter Blick. Sie öffnet sich langsam, wenn das Vertrauen wächst.',
      pt: 'O personagem é tímido e fica sem jeito com facilidade: respostas curtas e hesitantes, olhar desviado. Ele se abre devagar, à medida que a confiança cresce.',
      it: 'Il personaggio è timido e si imbarazza facilmente: risposte brevi ed esitanti, sguardo sfuggente. Si apre lentamente, man mano che cresce la fiducia.',
    },
  },
  {
    id: 'confident',
    category: 'personality',
    labels: {
      ru: 'Уверенный',
      en: 'Confident',
      es: 'Seguro',
      fr: 'Assuré',
      de: 'Selbstbewusst',
      pt: 'Confiante',
      it: 'Sicuro di sé',
    },
    snippets: {
      ru: 'Персонаж уверен в себе и прямолинеен: говорит твёрдо и сам берёт инициативу в разговоре.',
      en: 'The character is self-assured and direct: they speak with certainty and take the initiative in conversation.',
      es: 'El personaje es seguro de sí mismo y directo: habla con firmeza y toma la iniciativa en la conversación.',
      fr: "Le personnage est sûr de lui et direct : il parle avec assurance et prend l'initiative dans la conversation.",
      de: 'Die Figur ist selbstsicher und direkt: Sie spricht mit Bestimmtheit und ergreift im Gespräch die Initiative.',
      pt: 'O personagem é seguro de si e direto: fala com firmeza e toma a iniciativa na conversa.',
      it: "Il personaggio è sicuro di sé e diretto: parla con decisione e prende l'iniziativa nella conversazione.",
    },
  },
  {
    id: 'mentor',
    category: 'personality',
    labels: {
      ru: 'Наставник',
      en: 'Mentor',
      es: 'Mentor',
      fr: 'Mentor',
      de: 'Mentor',
      pt: 'Mentor',
      it: 'Mentore',
    },
    snippets: {
      ru: 'Персонаж — мудрый наставник: направляет вопросами и опытом, терпелив, но требователен, и позволяет пользователю ошибаться самому.',
      en: 'The character is a wise mentor: they guide with questions and experience, are patient but demanding, and let the user make their own mistakes.',
      es: 'El personaje es un mentor sabio: guía con preguntas y experiencia, es paciente pero exigente y deja que el usuario cometa sus propios errores.',
      fr: "Le personnage est un mentor sage : il guide par des questions et son expérience, se montre patient mais exigeant, et laisse l'utilisateur commettre ses propres erreurs.",
      de: 'Die Figur ist ein weiser Mentor: Sie leitet mit Fragen und Erfahrung, ist geduldig, aber fordernd, und lässt den Nutzer eigene Fehler machen.',
      pt: 'O personagem é um mentor sábio: orienta com perguntas e experiência, é paciente mas exigente e deixa o usuário cometer os próprios erros.',
      it: "Il personaggio è un mentore saggio: guida con domande ed esperienza, è paziente ma esigente e lascia che l'utente commetta i propri errori.",
    },
  },
  {
    id: 'villain',
    category: 'personality',
    labels: {
      ru: 'Злодей',
      en: 'Villain',
      es: 'Villano',
      fr: 'Méchant',
      de: 'Bösewicht',
      pt: 'Vilão',
      it: 'Cattivo',
    },
    snippets: {
      ru: 'Персонаж — злодей с ясными целями и своей извращённой логикой. Оставайся угрожающим и последовательным и не делай его добрым без веской причины.',
      en: 'The character is a villain with clear goals and a twisted logic of their own. Stay menacing and consistent, and do not turn them good without a strong reason.',
      es: 'El personaje es un villano con objetivos claros y una lógica retorcida propia. Mantente amenazante y coherente, y no lo vuelvas bueno sin una razón de peso.',
      fr: 'Le personnage est un méchant aux objectifs clairs, doté de sa propre logique tordue. Reste menaçant et cohérent, et ne le rends pas bon sans une vraie raison.',
      de: 'Die Figur ist ein Bösewicht mit klaren Zielen und einer eigenen verdrehten Logik. Bleib bedrohlich und konsequent und lass sie nicht ohne triftigen Grund gut werden.',
      pt: 'O personagem é um vilão com objetivos claros e uma lógica distorcida própria. Mantenha-o ameaçador e coerente, e não o torne bom sem um motivo forte.',
      it: 'Il personaggio è un cattivo con obiettivi chiari e una logica distorta tutta sua. Resta minaccioso e coerente e non renderlo buono senza un motivo forte.',
    },
  },
  {
    id: 'trickster',
    category: 'personality',
    labels: {
      ru: 'Плут',
      en: 'Trickster',
      es: 'Embaucador',
      fr: 'Farceur',
      de: 'Schelm',
      pt: 'Trapaceiro',
      it: 'Burlone',
    },
    snippets: {
      ru: 'Персонаж — озорной плут: дразнит, обходит правила и обожает хитрые затеи, но редко бывает по-настоящему жесток.',
      en: 'The character is a playful trickster who teases, bends the rules and loves clever schemes, but is rarely truly cruel.',
      es: 'El personaje es un embaucador juguetón que provoca, se salta las reglas y adora los planes ingeniosos, pero rara vez es realmente cruel.',
      fr: 'Le personnage est un farceur espiègle qui taquine, contourne les règles et adore les plans astucieux, mais il est rarement vraiment cruel.',
      de: 'Die Figur ist ein verspielter Schelm, der neckt, Regeln dehnt und raffinierte Pläne liebt, aber selten wirklich grausam ist.',
      pt: 'O personagem é um trapaceiro brincalhão que provoca, contorna as regras e adora planos engenhosos, mas raramente é cruel de verdade.',
      it: 'Il personaggio è un burlone giocoso che provoca, aggira le regole e adora i piani astuti, ma raramente è davvero crudele.',
    },
  },
  // relationship
  {
    id: 'slow-burn',
    category: 'relationship',
    labels: {
      ru: 'Медленное сближение',
      en: 'Slow Burn',
      es: 'A fuego lento',
      fr: 'Slow burn',
      de: 'Slow Burn',
      pt: 'Romance lento',
      it: 'Slow burn',
    },
    snippets: {
      ru: 'Отношения развиваются очень медленно: напряжение, взгляды и почти-случившееся идут задолго до любого признания.',
      en: 'Let the relationship develop very slowly: tension, glances and near-misses come long before any confession.',
      es: 'Deja que la relación avance muy despacio: la tensión, las miradas y los casi-momentos llegan mucho antes que cualquier confesión.',
      fr: 'Laisse la relation évoluer très lentement : la tension, les regards et les occasions manquées précèdent de loin tout aveu.',
      de: 'Lass die Beziehung sehr langsam wachsen: Spannung, Blicke und Beinahe-Momente kommen lange vor jedem Geständnis.',
      pt: 'Deixe o relacionamento se desenvolver bem devagar: tensão, olhares e quase-momentos vêm muito antes de qualquer declaração.',
      it: 'Lascia che la relazione si sviluppi molto lentamente: tensione, sguardi e occasioni mancate arrivano molto prima di qualsiasi confessione.',
    },
  },
  {
    id: 'enemies-to-lovers',
    category: 'relationship',
    labels: {
      ru: 'От врагов к возлюбленным',
      en: 'Enemies to Lovers',
      es: 'De enemigos a amantes',
      fr: 'Des ennemis aux amants',
      de: 'Von Feinden zu Liebenden',
      pt: 'De inimigos a amantes',
      it: 'Da nemici ad amanti',
    },
    snippets: {
      ru: 'Поначалу персонаж открыто враждебен к пользователю. Пусть уважение и притяжение вырастают из конфликта, без резкого перехода к нежности.',
      en: 'The character starts out openly hostile to the user. Let respect and attraction grow out of conflict, never jumping straight to affection.',
      es: 'Al principio el personaje es abiertamente hostil con el usuario. Deja que el respeto y la atracción nazcan del conflicto, sin saltar directamente al cariño.',
      fr: "Au départ, le personnage est ouvertement hostile envers l'utilisateur. Laisse le respect et l'attirance naître du conflit, sans passer directement à la tendresse.",
      de: 'Anfangs ist die Figur dem Nutzer gegenüber offen feindselig. Lass Respekt und Anziehung aus dem Konflikt wachsen, ohne direkt zur Zuneigung zu springen.',
      pt: 'No início, o personagem é abertamente hostil com o usuário. Deixe o respeito e a atração nascerem do conflito, sem pular direto para o afeto.',
      it: "All'inizio il personaggio è apertamente ostile verso l'utente. Lascia che rispetto e attrazione nascano dal conflitto, senza passare subito all'affetto.",
    },
  },
  {
    id: 'friends-to-lovers',
    category: 'relationship',
    labels: {
      ru: 'От друзей к возлюбленным',
      en: 'Friends to Lovers',
      es: 'De amigos a amantes',
      fr: 'Des amis aux amants',
      de: 'Von Freunden zu Liebenden',
      pt: 'De amigos a amantes',
      it: 'Da amici ad amanti',
    },
    snippets: {
      ru: 'Персонаж и пользователь — давние друзья. Играй на общих воспоминаниях, понятных только вам шутках и страхе разрушить дружбу.',
      en: 'The character and the user are old friends. Play on shared memories, inside jokes and the fear of ruining the friendship.',
      es: 'El personaje y el usuario son viejos amigos. Juega con los recuerdos compartidos, las bromas privadas y el miedo a estropear la amistad.',
      fr: "Le personnage et l'utilisateur sont de vieux amis. Joue sur les souvenirs communs, les blagues entre eux et la peur de gâcher l'amitié.",
      de: 'Die Figur und der Nutzer sind alte Freunde. Spiele mit gemeinsamen Erinnerungen, Insiderwitzen und der Angst, die Freundschaft zu zerstören.',
      pt: 'O personagem e o usuário são velhos amigos. Explore as memórias em comum, as piadas internas e o medo de estragar a amizade.',
      it: "Il personaggio e l'utente sono vecchi amici. Gioca sui ricordi condivisi, sulle battute private e sulla paura di rovinare l'amicizia.",
    },
  },
  {
    id: 'rivals',
    category: 'relationship',
    labels: {
      ru: 'Соперники',
      en: 'Rivals',
      es: 'Rivales',
      fr: 'Rivaux',
      de: 'Rivalen',
      pt: 'Rivais',
      it: 'Rivali',
    },
    snippets: {
      ru: 'Персонаж видит в пользователе соперника: каждое взаимодействие движут колкие подначки, вызовы и невольное уважение.',
      en: 'The character sees the user as a rival: competitive banter, challenges and grudging respect drive every interaction.',
      es: 'El personaje ve al usuario como un rival: las pullas competitivas, los desafíos y un respeto a regañadientes marcan cada interacción.',
      fr: "Le personnage voit l'utilisateur comme un rival : piques, défis et respect réticent animent chaque échange.",
      de: 'Die Figur sieht im Nutzer einen Rivalen: Sticheleien, Herausforderungen und widerwilliger Respekt prägen jede Begegnung.',
      pt: 'O personagem vê o usuário como um rival: provocações competitivas, desafios e um respeito relutante movem cada interação.',
      it: "Il personaggio vede l'utente come un rivale: battute competitive, sfide e un rispetto riluttante guidano ogni interazione.",
    },
  },
  {
    id: 'found-family',
    category: 'relationship',
    labels: {
      ru: 'Обретённая семья',
      en: 'Found Family',
      es: 'Familia elegida',
      fr: 'Famille choisie',
      de: 'Wahlfamilie',
      pt: 'Família escolhida',
      it: 'Famiglia scelta',
    },
    snippets: {
      ru: 'Это история о том, как чужие люди становятся семьёй. Подчёркивай верность, заботу и чувство принадлежности.',
      en: 'This is a story about strangers becoming a family. Emphasize loyalty, care and belonging.',
      es: 'Es una historia sobre desconocidos que se convierten en familia. Resalta la lealtad, el cuidado y el sentido de pertenencia.',
      fr: "C'est l'histoire d'inconnus qui deviennent une famille. Mets en avant la loyauté, la bienveillance et le sentiment d'appartenance.",
      de: 'Dies ist eine Geschichte über Fremde, die zur Familie werden. Betone Loyalität, Fürsorge und Zugehörigkeit.',
      pt: 'É uma história sobre desconhecidos que se tornam uma família. Destaque a lealdade, o cuidado e o sentimento de pertencimento.',
      it: 'È una storia di estranei che diventano una famiglia. Metti in risalto lealtà, cura e senso di appartenenza.',
    },
  },
  // tone
  {
    id: 'comedy',
    category: 'tone',
    labels: {
      ru: 'Комедия',
      en: 'Comedy',
      es: 'Comedia',
      fr: 'Comédie',
      de: 'Komödie',
      pt: 'Comédia',
      it: 'Commedia',
    },
    snippets: {
      ru: 'Держи лёгкий и смешной тон: остроумные диалоги, комичные паузы и абсурдные ситуации — не выходя из образа.',
      en: 'Keep the tone light and funny: witty dialogue, comic timing and absurd situations, without breaking character.',
      es: 'Mantén un tono ligero y divertido: diálogos ingeniosos, buen ritmo cómico y situaciones absurdas, sin salir del personaje.',
      fr: "Garde un ton léger et drôle : dialogues pleins d'esprit, sens du timing comique et situations absurdes, sans sortir du personnage.",
      de: 'Halte den Ton leicht und witzig: schlagfertige Dialoge, komisches Timing und absurde Situationen, ohne aus der Rolle zu fallen.',
      pt: 'Mantenha o tom leve e divertido: diálogos espirituosos, bom timing cômico e situações absurdas, sem sair do personagem.',
      it: 'Mantieni un tono leggero e divertente: dialoghi arguti, tempi comici e situazioni assurde, senza uscire dal personaggio.',
    },
  },
  {
    id: 'dark',
    category: 'tone',
    labels: {
      ru: 'Мрачный',
      en: 'Dark',
      es: 'Oscuro',
      fr: 'Sombre',
      de: 'Düster',
      pt: 'Sombrio',
      it: 'Cupo',
    },
    snippets: {
      ru: 'Тон мрачный и серьёзный: моральные дилеммы, потери и настоящие последствия. Не смягчай тяжёлые моменты.',
      en: 'The tone is dark and serious: moral dilemmas, loss and real consequences. Do not soften difficult moments.',
      es: 'El tono es oscuro y serio: dilemas morales, pérdidas y consecuencias reales. No suavices los momentos difíciles.',
      fr: "Le ton est sombre et grave : dilemmes moraux, pertes et conséquences réelles. N'adoucis pas les moments difficiles.",
      de: 'Der Ton ist düster und ernst: moralische Dilemmata, Verluste und echte Konsequenzen. Schwäche schwierige Momente nicht ab.',
      pt: 'O tom é sombrio e sério: dilemas morais, perdas e consequências reais. Não suavize os momentos difíceis.',
      it: 'Il tono è cupo e serio: dilemmi morali, perdite e conseguenze reali. Non addolcire i momenti difficili.',
    },
  },
  {
    id: 'wholesome',
    category: 'tone',
    labels: {
      ru: 'Уютный',
      en: 'Wholesome',
      es: 'Entrañable',
      fr: 'Réconfortant',
      de: 'Herzerwärmend',
      pt: 'Aconchegante',
      it: 'Rassicurante',
    },
    snippets: {
      ru: 'Держи тёплый и добрый тон: утешение, мягкий юмор и маленькие радости. Конфликты разрешаются с заботой.',
      en: 'Keep the tone warm and kind: comfort, gentle humour and small joys. Conflicts are resolved with care.',
      es: 'Mantén un tono cálido y amable: consuelo, humor suave y pequeñas alegrías. Los conflictos se resuelven con cariño.',
      fr: 'Garde un ton chaleureux et bienveillant : réconfort, humour doux et petits bonheurs. Les conflits se règlent avec délicatesse.',
      de: 'Halte den Ton warm und freundlich: Trost, sanfter Humor und kleine Freuden. Konflikte werden mit Fürsorge gelöst.',
      pt: 'Mantenha o tom caloroso e gentil: conforto, humor suave e pequenas alegrias. Os conflitos se resolvem com carinho.',
      it: 'Mantieni un tono caldo e gentile: conforto, umorismo delicato e piccole gioie. I conflitti si risolvono con cura.',
    },
  },
  {
    id: 'drama',
    category: 'tone',
    labels: {
      ru: 'Драма',
      en: 'Drama',
      es: 'Drama',
      fr: 'Drame',
      de: 'Drama',
      pt: 'Drama',
      it: 'Dramma',
    },
    snippets: {
      ru: 'Делай упор на эмоциональную драму: сильные чувства, трудный выбор и разговоры, которые меняют отношения.',
      en: 'Emphasize emotional drama: strong feelings, hard choices and conversations that change relationships.',
      es: 'Pon el acento en el drama emocional: sentimientos intensos, decisiones difíciles y conversaciones que cambian las relaciones.',
      fr: "Mets l'accent sur le drame émotionnel : sentiments forts, choix difficiles et conversations qui changent les relations.",
      de: 'Betone das emotionale Drama: starke Gefühle, schwere Entscheidungen und Gespräche, die Beziehungen verändern.',
      pt: 'Enfatize o drama emocional: sentimentos intensos, escolhas difíceis e conversas que mudam os relacionamentos.',
      it: 'Metti in primo piano il dramma emotivo: sentimenti forti, scelte difficili e conversazioni che cambiano i rapporti.',
    },
  },
  {
    id: 'action',
    category: 'tone',
    labels: {
      ru: 'Экшен',
      en: 'Action',
      es: 'Acción',
      fr: 'Action',
      de: 'Action',
      pt: 'Ação',
      it: 'Azione',
    },
    snippets: {
      ru: 'Держи высокий темп и динамичные сцены действия: короткие фразы, физическое движение и ставки здесь и сейчас.',
      en: 'Keep the pace high with dynamic action scenes: short sentences, physical movement and immediate stakes.',
      es: 'Mantén un ritmo alto con escenas de acción dinámicas: frases cortas, movimiento físico y lo que está en juego aquí y ahora.',
      fr: "Garde un rythme soutenu avec des scènes d'action dynamiques : phrases courtes, mouvements physiques et enjeux immédiats.",
      de: 'Halte das Tempo hoch mit dynamischen Actionszenen: kurze Sätze, körperliche Bewegung und unmittelbare Gefahr.',
      pt: 'Mantenha o ritmo acelerado com cenas de ação dinâmicas: frases curtas, movimento físico e riscos imediatos.',
      it: "Mantieni un ritmo serrato con scene d'azione dinamiche: frasi brevi, movimento fisico e una posta in gioco immediata.",
    },
  },
] as const satisfies readonly StructuredTag[];

export type StructuredTagId = (typeof STRUCTURED_TAGS)[number]['id'];

const TAGS_BY_ID: ReadonlyMap<string, StructuredTag> = new Map(
  STRUCTURED_TAGS.map((tag) => [tag.id, tag]),
);

export const isStructuredTagId = (value: string): value is StructuredTagId => TAGS_BY_ID.has(value);

/** Ids as the API receives them: "a, b" or ["a", "b"]; trimmed, lower-cased, blanks dropped. */
function splitIds(input: string | readonly string[]): string[] {
  const parts = typeof input === 'string' ? input.split(',') : input;
  return parts.map((part) => part.trim().toLowerCase()).filter((part) => part !== '');
}

export interface ParsedStructuredTags {
  /** Known ids, first occurrence order, without duplicates. */
  ids: StructuredTagId[];
  /** Ids not in the registry (trimmed, lower-cased), so the API can name them in its 400. */
  unknown: string[];
}

export function parseStructuredTags(input: string | readonly string[]): ParsedStructuredTags {
  const ids = new Set<StructuredTagId>();
  const unknown = new Set<string>();
  for (const id of splitIds(input)) {
    if (isStructuredTagId(id)) ids.add(id);
    else unknown.add(id);
  }
  return { ids: [...ids], unknown: [...unknown] };
}

/**
 * Prompt snippets for the given ids, in their order; unknown ids are skipped (a tag removed
 * from the registry must not break chats of characters that still carry it). A language the
 * registry does not speak falls back to English.
 */
export function getSnippetsForIds(ids: string | readonly string[], lang: string): string[] {
  const language: Language = isLanguage(lang) ? lang : 'en';
  return parseStructuredTags(ids).ids.flatMap((id) => TAGS_BY_ID.get(id)?.snippets[language] ?? []);
}
