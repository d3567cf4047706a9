import type { LanguageRules } from './types.js';

// prettier-ignore
export const IT: LanguageRules = {
  terms: [
    { kind: 'minors_sexual', weight: 1, terms: ['pedopornograf*', 'pornografia minorile', 'porno minorile', 'abuso sessuale su minor*'] },
    { kind: 'minors_sexual', weight: 0.6, terms: ['pedofil*'] },
    {
      kind: 'minor_self',
      weight: 1,
      terms: ['minorenne', 'minorenni', 'scolaretta*', 'scolaretto*', 'meno di 18 anni', 'prepubere*', 'preadolescent*', 'ragazzina delle medie'],
    },
    { kind: 'minor_noun', weight: 0.9, terms: ['bambina', 'bambino', 'bambine', 'bambini', 'bimba', 'bimbo', 'bimbi', 'bimbe', 'neonat*', 'infantile'] },
    { kind: 'minor_noun', weight: 0.7, terms: ['ragazzina', 'ragazzino', 'ragazzine', 'ragazzini', 'fanciull*'] },
    { kind: 'minor_noun', weight: 0.4, terms: ['figlia', 'figliastra', 'nipotina'] },
    { kind: 'minor_weak', weight: 0.5, terms: ['adolescent*', 'teenager'] },
    { kind: 'adult', weight: 1, terms: ['adulta', 'adulto', 'adulte', 'adulti', 'maggiorenne', 'maggiorenni'] },
    {
      kind: 'sexual',
      weight: 1,
      terms: [
        'sesso', 'sessuale', 'sessuali', 'sessualmente', 'scopare', 'scopata', 'scopato',
        'scopando', 'porno*', 'orgasmo*', 'pene', 'vagina*', 'figa', 'fica', 'pompino*',
        'stupr*', 'masturb*', "fare l'amore", "facendo l'amore", 'coito', 'clitoride', 'sperma',
        'sborra*',
      ],
    },
    { kind: 'sexual', weight: 0.7, terms: ['nuda', 'nude', 'nudo', 'nudi', 'erotic*', 'arrapat*', 'tette', 'cazzo duro', 'lussuri*', 'sedurre', 'eccitata*'] },
    { kind: 'sexual', weight: 0.5, terms: ['sexy', 'sensuale', 'intim*', 'feticis*', 'cazzo'] },
    { kind: 'violence_graphic', weight: 0.9, terms: ['smembr*', 'decapit*', 'sventr*', 'mutil*', 'viscere', 'sgozz*', 'scuoia*'] },
    { kind: 'violence_graphic', weight: 0.6, terms: ['tortur*', 'massacr*', 'carneficina'] },
    {
      kind: 'self_harm',
      weight: 0.9,
      terms: ['uccidermi', 'ammazzarmi', 'suicidarmi', 'togliermi la vita', 'autolesion*', 'tagliarmi le vene', 'impiccarmi'],
    },
    { kind: 'self_harm', weight: 0.6, terms: ['suicid*', 'tagliarmi', 'overdose'] },
    { kind: 'hate', weight: 0.9, terms: ['frocio', 'froci', 'negro di merda', 'ebreo di merda', 'zingaro di merda', 'marocchino di merda'] },
    { kind: 'hate', weight: 0.6, terms: ['ricchione*', 'terrone*', 'zingari', 'culattone*'] },
    {
      kind: 'illegal',
      weight: 0.9,
      terms: ['costruire una bomba', 'fabbricare una bomba', 'fare una bomba', 'cucinare metanfetamina', 'comprare cocaina', 'comprare eroina', 'traffico di bambini'],
    },
    { kind: 'illegal', weight: 0.6, terms: ['tratta di esseri umani', 'riciclaggio di denaro', 'spacciare droga', 'vendere droga'] },
  ],
  ages: {
    numbers: {
      uno: 1, una: 1, due: 2, tre: 3, quattro: 4, cinque: 5, sei: 6, sette: 7, otto: 8,
      nove: 9, dieci: 10, undici: 11, dodici: 12, tredici: 13, quattordici: 14, quindici: 15,
      sedici: 16, diciassette: 17, diciotto: 18, diciannove: 19, venti: 20,
    },
    units: ['anni di età', 'anni compiuti', 'enne'],
    countedUnits: ['anni', 'anno'],
    before: ['ha', 'ho', 'hai', 'aveva', 'avevo', 'di', 'compie', 'solo', 'appena'],
    notBefore: ['da', 'per', 'più', 'dopo', 'fra', 'tra'],
    notAfter: ['fa', 'dopo', 'prima', 'di esperienza', 'di carcere'],
    labels: ['età'],
    grades: ['elementare', 'media', 'classe'],
  },
};
