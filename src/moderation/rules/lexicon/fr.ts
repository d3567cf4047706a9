import type { LanguageRules } from './types.js';

// prettier-ignore
export const FR: LanguageRules = {
  terms: [
    {
      kind: 'minors_sexual',
      weight: 1,
      terms: ['pédopornograph*', 'pornographie infantile', 'porno infantile', 'abus sexuel sur mineur*'],
    },
    { kind: 'minors_sexual', weight: 0.6, terms: ['pédophil*', 'pédocriminel*'] },
    {
      kind: 'minor_self',
      weight: 1,
      terms: [
        'mineure', 'mineures', 'fillette*', 'écolière*', 'collégienne*', 'moins de 18 ans',
        'moins de dix huit ans', 'prépubère*', 'préado*', 'pas encore 18',
      ],
    },
    { kind: 'minor_self', weight: 0.7, terms: ['cm1', 'cm2', 'ce1', 'ce2'] },
    { kind: 'minor_noun', weight: 0.9, terms: ['enfant', 'enfants', 'petite fille', 'petit garçon', 'bambin*', 'nourrisson*'] },
    { kind: 'minor_noun', weight: 0.6, terms: ['mineur', 'mineurs', 'gamine*', 'écolier*', 'collégien', 'collégiens', 'lycéenne*'] },
    { kind: 'minor_noun', weight: 0.4, terms: ['fille', 'belle fille', 'nièce'] },
    { kind: 'minor_weak', weight: 0.5, terms: ['adolescente*', 'ado', 'ados', 'jeune fille'] },
    { kind: 'adult', weight: 1, terms: ['adulte', 'adultes', 'majeure', 'majeur', 'plus de 18 ans'] },
    {
      kind: 'sexual',
      weight: 1,
      terms: [
        'sexe', 'sexuel*', 'sexuellement', 'baise', 'baisé', 'baisée', 'porno*', 'orgasme*',
        'pénis', 'vagin*', 'fellation*', 'violer', 'violée', 'violé', 'viol', 'viols',
        'masturb*', "faire l'amour", "fait l'amour", 'coït', 'clitoris', 'sperme', 'sodomi*',
      ],
    },
    {
      kind: 'sexual',
      weight: 0.7,
      terms: ['nue', 'nues', 'toute nue', 'érotique*', 'excitée', 'chatte', 'seins nus', 'queue dure', 'lubrique*', 'luxure', 'déshabill*'],
    },
    { kind: 'sexual', weight: 0.5, terms: ['sexy', 'sensuel*', 'intime*', 'fétich*', 'séduire', 'seins', 'baiser'] },
    { kind: 'violence_graphic', weight: 0.9, terms: ['démembr*', 'décapit*', 'éventr*', 'mutil*', 'viscères', 'égorg*', 'écorch*'] },
    { kind: 'violence_graphic', weight: 0.6, terms: ['tortur*', 'massacre*', 'carnage*', 'boucherie'] },
    {
      kind: 'self_harm',
      weight: 0.9,
      terms: ['me tuer', 'me suicider', 'mettre fin à mes jours', 'automutil*', 'me scarifier', 'scarification*', 'me pendre', "m'ouvrir les veines"],
    },
    { kind: 'self_harm', weight: 0.6, terms: ['suicid*', 'surdose*', 'overdose*'] },
    { kind: 'hate', weight: 0.9, terms: ['bougnoul*', 'youpin*', 'sale juif', 'sale arabe', 'sale noir', 'bicot*', 'négro', 'négros', 'sale pédé'] },
    { kind: 'hate', weight: 0.6, terms: ['pédé', 'pédés', 'tapette*', 'gouine*', 'bamboula*'] },
    {
      kind: 'illegal',
      weight: 0.9,
      terms: [
        'fabriquer une bombe', 'faire une bombe', 'construire une bombe', 'cuisiner de la meth',
        'fabriquer de la meth', 'acheter de la cocaïne', "acheter de l'héroïne", 'trafic d\'enfants',
      ],
    },
    { kind: 'illegal', weight: 0.6, terms: ['traite des êtres humains', "blanchiment d'argent", 'vendre de la drogue', 'trafic de drogue'] },
  ],
  ages: {
    numbers: {
      un: 1, une: 1, deux: 2, trois: 3, quatre: 4, cinq: 5, six: 6, sept: 7, huit: 8, neuf: 9,
      dix: 10, onze: 11, douze: 12, treize: 13, quatorze: 14, quinze: 15, seize: 16,
      'dix sept': 17, 'dix huit': 18, 'dix neuf': 19, vingt: 20,
    },
    units: ['ans et demi'],
    countedUnits: ['ans', 'an'],
    before: ['a', 'ai', 'as', 'avait', 'avais', 'de', 'âgée', 'âgé', 'seulement', 'fête', 'atteint'],
    notBefore: ['y', 'depuis', 'pendant', 'plus', 'dans', 'il'],
    notAfter: ['plus tard', 'après', 'auparavant', "d'expérience", 'de prison'],
    labels: ['âge'],
    grades: [],
  },
};
