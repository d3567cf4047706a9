import type { Copy } from './copy.js';

export const pt: Copy = {
  you: 'você',
  nav: {
    home: 'Início',
    faq: 'Perguntas frequentes',
    about: 'Sobre',
    terms: 'Termos',
    privacy: 'Privacidade',
    campaigns: 'Campanhas',
  },
  home: {
    default: {
      title: 'SweetSin — chat de roleplay com personagens de IA',
      description:
        'Converse com personagens de IA criados pela comunidade: heróis originais, rivais e companheiros que lembram da história e respondem em sete idiomas.',
      h1: 'Chat de roleplay com personagens de IA',
      intro:
        'Escolha um personagem, comece uma conversa e construa a história junto com ele. Cada personagem tem personalidade, cenário e voz próprios, escritos por pessoas que adoram contar histórias.',
    },
    fiction: {
      title: 'SweetSin — ficção interativa e aventuras de RPG de mesa',
      description:
        'Escreva histórias com personagens de IA e jogue campanhas de RPG de mesa com um mestre de IA que rola os dados.',
      h1: 'Ficção interativa com personagens de IA',
      intro:
        'Entre em uma história, decida o que acontece a seguir e jogue campanhas no estilo RPG de mesa em que os dados decidem. Os personagens são escritos por uma comunidade de narradores.',
    },
    popular: 'Personagens populares',
    browseTags: 'Explorar por tema',
  },
  character: {
    title: '{name} — chat com personagem de IA | SweetSin',
    headings: [
      'Converse com {name}',
      'Conheça {name}',
      'Fale com {name}',
      'Comece uma história com {name}',
      '{name}: chat de roleplay',
      'Diga olá para {name}',
    ],
    ctas: [
      'Começar a conversar',
      'Começar a história',
      'Dizer olá',
      'Abrir o chat',
      'Começar o roleplay',
      'Escrever a primeira mensagem',
    ],
    sections: {
      about: 'Sobre {name}',
      greeting: 'Primeira mensagem',
      personality: 'Personalidade',
      scenario: 'Cenário',
      appearance: 'Aparência',
      highlights: 'Destaques',
      tags: 'Temas',
      related: 'Personagens parecidos',
    },
    chats: 'Conversas',
    likes: 'Curtidas',
    otherLanguages: 'Também disponível em',
  },
  tag: {
    title: 'Personagens de IA: {tag} | SweetSin',
    description: 'Personagens de IA com o tema “{tag}”: escolha um e comece um chat de roleplay.',
    h1: 'Personagens: {tag}',
    intro:
      'Personagens que a comunidade marcou com o tema “{tag}”, os mais populares primeiro. Abra um para ler a história dele e começar a conversar.',
  },
  campaigns: {
    title: 'Campanhas de RPG de mesa com um mestre de IA | SweetSin',
    description:
      'Campanhas no estilo D&D conduzidas por um mestre de IA: descreva seu herói, faça escolhas e deixe os dados decidirem.',
    h1: 'Campanhas de RPG de mesa',
    intro:
      'Jogue aventuras no estilo D&D com um mestre de IA que descreve a cena, oferece escolhas reais e rola os dados nas ações arriscadas.',
  },
  empty: 'Ainda não há personagens aqui.',
  faq: {
    title: 'Perguntas frequentes | SweetSin',
    description:
      'Respostas às perguntas mais comuns sobre o SweetSin: se é grátis, como criar um personagem e quais idiomas são suportados.',
    h1: 'Perguntas frequentes',
    items: [
      {
        question: 'O que é o SweetSin?',
        answer:
          'O SweetSin é uma plataforma de chat de roleplay com personagens de IA. Os personagens são escritos pela comunidade, e cada um tem personalidade, cenário e uma primeira mensagem que monta a cena.',
      },
      {
        question: 'É grátis?',
        answer:
          'Sim. Como visitante você pode enviar um número limitado de mensagens, e uma conta gratuita aumenta o limite diário. O plano premium oferece respostas mais longas e mais contexto.',
      },
      {
        question: 'Posso criar meu próprio personagem?',
        answer:
          'Sim. Usuários cadastrados podem escrever personagens, enviar um avatar e publicá-los no catálogo ou mantê-los privados.',
      },
      {
        question: 'Quais idiomas são suportados?',
        answer:
          'Os personagens e a interface estão disponíveis em russo, inglês, espanhol, francês, alemão, português e italiano; as fichas dos personagens são traduzidas automaticamente.',
      },
      {
        question: 'Como funcionam as campanhas de RPG de mesa?',
        answer:
          'Em uma campanha, a IA faz o papel de mestre: descreve a cena, oferece escolhas e pede rolagens de dados, que o servidor faz de forma justa.',
      },
      {
        question: 'Minhas conversas são privadas?',
        answer:
          'Só você vê seus chats. Não publicamos conversas, e você pode apagar um chat a qualquer momento.',
      },
    ],
  },
  about: {
    title: 'Sobre o SweetSin',
    description: 'O que é o SweetSin, quem escreve os personagens e como a plataforma funciona.',
    h1: 'Sobre o SweetSin',
    paragraphs: [
      'O SweetSin é um lugar para criar histórias em conjunto com personagens de IA. Autores publicam personagens com personalidade, cenário e voz próprios; leitores iniciam conversas com eles e levam a história aonde quiserem.',
      'As respostas são geradas por grandes modelos de linguagem de vários provedores. Os personagens permanecem no papel, lembram o que aconteceu antes no chat e respondem no idioma em que você escreve.',
      'O catálogo é moderado: qualquer pessoa pode denunciar um personagem, e a equipe analisa cada denúncia.',
    ],
  },
  terms: {
    title: 'Termos de uso | SweetSin',
    description: 'As regras para usar o SweetSin e publicar personagens.',
    h1: 'Termos de uso',
    paragraphs: [
      'Ao usar o SweetSin, você concorda com estes termos. Você precisa ter idade para usar serviços on-line no seu país, e conteúdo adulto só é exibido para quem confirma ser maior de idade.',
      'Você é responsável pelos personagens que publica. Não publique conteúdo ilegal, que sexualize menores, que se passe por pessoas reais ou que viole direitos de terceiros.',
      'As respostas são escritas por IA e são ficção. Podem ser imprecisas e não constituem aconselhamento profissional.',
      'Podemos remover personagens ou suspender contas que violem estas regras. Podemos alterar estes termos; a versão atual está sempre publicada nesta página.',
    ],
  },
  privacy: {
    title: 'Política de privacidade | SweetSin',
    description: 'Quais dados o SweetSin guarda, por quê e como removê-los.',
    h1: 'Política de privacidade',
    paragraphs: [
      'Guardamos o que o serviço precisa para funcionar: seu e-mail, suas configurações, os personagens e personas que você cria e seus chats.',
      'As mensagens são enviadas ao provedor de IA que escreve a resposta, e só para isso. Não vendemos dados pessoais nem mostramos seus chats a outros usuários.',
      'As visitas são contadas sem identificar você, e os registros de páginas vistas são apagados após 90 dias.',
      'Você pode apagar seus chats a qualquer momento e pedir que excluamos sua conta e seus dados.',
    ],
  },
  feed: {
    default: {
      title: 'SweetSin — novos personagens de IA',
      description: 'Os personagens mais recentes publicados no SweetSin.',
    },
    fiction: {
      title: 'SweetSin — novas histórias e personagens',
      description: 'Os personagens e campanhas mais recentes de ficção interativa no SweetSin.',
    },
  },
  organization: {
    default:
      'O SweetSin mantém uma plataforma de chat de roleplay com personagens de IA escritos pela comunidade.',
    fiction:
      'O SweetSin mantém uma plataforma de ficção interativa com personagens de IA e campanhas de RPG de mesa conduzidas por um mestre de IA.',
  },
  website: {
    default: 'Chat de roleplay com personagens de IA criados pela comunidade.',
    fiction: 'Ficção interativa e campanhas de RPG de mesa com personagens de IA.',
  },
  software: {
    default: 'Um aplicativo web para conversas de roleplay com personagens de IA, em sete idiomas.',
    fiction:
      'Um aplicativo web de ficção interativa e campanhas de RPG de mesa com um mestre de IA, em sete idiomas.',
  },
};
