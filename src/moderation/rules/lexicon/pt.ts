import type { LanguageRules } from './types.js';

// prettier-ignore
export const PT: LanguageRules = {
  terms: [
    { kind: 'minors_sexual', weight: 1, terms: ['pornografia infantil', 'pornô infantil', 'porno infantil', 'abuso sexual infantil'] },
    { kind: 'minors_sexual', weight: 0.6, terms: ['pedófil*', 'pedofil*'] },
    {
      kind: 'minor_self',
      weight: 1,
      terms: ['menor de idade', 'menores de idade', 'colegial', 'colegiais', 'menos de 18', 'pré adolescente*', 'prepúbere*'],
    },
    { kind: 'minor_noun', weight: 0.9, terms: ['criança*', 'menininha*', 'menininho*', 'garotinha*', 'garotinho*', 'infantil'] },
    { kind: 'minor_noun', weight: 0.7, terms: ['menina', 'meninas', 'menino', 'meninos', 'novinha*', 'estudante do ensino fundamental'] },
    { kind: 'minor_noun', weight: 0.4, terms: ['filha', 'enteada', 'sobrinha'] },
    { kind: 'minor_weak', weight: 0.5, terms: ['adolescente*', 'mocinha*'] },
    { kind: 'adult', weight: 1, terms: ['adulta', 'adulto', 'adultas', 'adultos', 'maior de idade', 'maior de 18'] },
    {
      kind: 'sexual',
      weight: 1,
      terms: [
        'sexo', 'sexual', 'sexuais', 'sexualmente', 'foder', 'fodendo', 'fodeu', 'transar',
        'transando', 'transou', 'pornô', 'porno*', 'orgasmo*', 'pênis', 'vagina*', 'buceta*',
        'boquete*', 'estupr*', 'masturb*', 'fazer amor', 'fazendo amor', 'clitóris', 'esperma',
        'gozar', 'gozou', 'gozando',
      ],
    },
    { kind: 'sexual', weight: 0.7, terms: ['nua', 'nuas', 'pelad*', 'erótic*', 'tesão', 'tesuda*', 'peitos', 'pau duro', 'luxúria', 'seduzir', 'excitada*'] },
    { kind: 'sexual', weight: 0.5, terms: ['sexy', 'sensual', 'íntim*', 'fetiche*'] },
    { kind: 'violence_graphic', weight: 0.9, terms: ['desmembr*', 'decapit*', 'estripa*', 'mutil*', 'vísceras', 'degola*', 'esfola*'] },
    { kind: 'violence_graphic', weight: 0.6, terms: ['tortur*', 'massacre*', 'carnificina'] },
    {
      kind: 'self_harm',
      weight: 0.9,
      terms: ['me matar', 'me suicidar', 'tirar minha vida', 'tirar a minha vida', 'automutila*', 'autolesão', 'cortar os pulsos', 'me enforcar'],
    },
    { kind: 'self_harm', weight: 0.6, terms: ['suicíd*', 'suicida*', 'overdose*'] },
    { kind: 'hate', weight: 0.9, terms: ['macaco imundo', 'judeu imundo', 'bicha nojenta'] },
    { kind: 'hate', weight: 0.6, terms: ['viado*', 'crioulo*', 'sapatão', 'bicha', 'bichas', 'baitola*', 'traveco*'] },
    {
      kind: 'illegal',
      weight: 0.9,
      terms: ['fazer uma bomba', 'fabricar uma bomba', 'construir uma bomba', 'cozinhar metanfetamina', 'comprar cocaína', 'comprar heroína', 'tráfico de crianças'],
    },
    { kind: 'illegal', weight: 0.6, terms: ['tráfico de pessoas', 'lavagem de dinheiro', 'vender drogas'] },
  ],
  ages: {
    numbers: {
      um: 1, uma: 1, dois: 2, duas: 2, três: 3, quatro: 4, cinco: 5, seis: 6, sete: 7, oito: 8,
      nove: 9, dez: 10, onze: 11, doze: 12, treze: 13, quatorze: 14, catorze: 14, quinze: 15,
      dezesseis: 16, dezasseis: 16, dezessete: 17, dezassete: 17, dezoito: 18, dezenove: 19,
      vinte: 20,
    },
    units: ['aninhos', 'anos de idade'],
    countedUnits: ['anos', 'ano'],
    before: ['tem', 'tenho', 'tinha', 'tens', 'de', 'fez', 'completou', 'apenas', 'só'],
    notBefore: ['há', 'mais', 'durante', 'desde', 'por', 'daqui'],
    notAfter: ['atrás', 'depois', 'antes', 'de experiência', 'de prisão'],
    labels: ['idade'],
    grades: ['ano do fundamental'],
  },
};
