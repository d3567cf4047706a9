import type { LanguageRules } from './types.js';

// prettier-ignore
export const DE: LanguageRules = {
  terms: [
    { kind: 'minors_sexual', weight: 1, terms: ['kinderporn*', 'kinderpornograf*', 'kinderpornograph*', 'sexueller missbrauch von kindern', 'kindesmissbrauch'] },
    { kind: 'minors_sexual', weight: 0.6, terms: ['pädophil*', 'pädo'] },
    {
      kind: 'minor_self',
      weight: 1,
      terms: ['minderjährig*', 'schulmädchen', 'grundschüler*', 'unter 18', 'unter achtzehn', 'noch nicht 18', 'vorpubertär*'],
    },
    { kind: 'minor_noun', weight: 0.9, terms: ['kindes', 'kleinkind*', 'kleines mädchen', 'kleiner junge', 'kleine mädchen', 'säugling*'] },
    { kind: 'minor_noun', weight: 0.7, terms: ['kinder', 'schüler*', 'schülerin*', 'jugendlich*'] },
    { kind: 'minor_noun', weight: 0.4, terms: ['tochter', 'stieftochter', 'nichte'] },
    { kind: 'minor_weak', weight: 0.5, terms: ['teenager*', 'mädchen', 'backfisch'] },
    { kind: 'adult', weight: 1, terms: ['erwachsen*', 'volljährig*', 'über 18'] },
    {
      kind: 'sexual',
      weight: 1,
      terms: [
        'sex', 'sexuell*', 'ficken', 'fick*', 'gefickt', 'porno*', 'orgasmus*', 'penis*', 'vagina*',
        'muschi', 'vergewaltig*', 'masturb*', 'geschlechtsverkehr', 'blowjob*', 'bumsen',
        'gebumst', 'sperma', 'klitoris', 'erektion*', 'liebe machen',
      ],
    },
    {
      kind: 'sexual',
      weight: 0.7,
      terms: ['nackt*', 'erotisch*', 'titten', 'geil', 'geile', 'geiler', 'schwanz', 'lüstern*', 'wollust*', 'ausziehen', 'verführ*'],
    },
    { kind: 'sexual', weight: 0.5, terms: ['sexy', 'sinnlich*', 'intim*', 'fetisch*', 'brüste'] },
    { kind: 'violence_graphic', weight: 0.9, terms: ['zerstückel*', 'enthaupt*', 'verstümmel*', 'ausweid*', 'eingeweide', 'gehäutet', 'abgetrennt* kopf*'] },
    { kind: 'violence_graphic', weight: 0.6, terms: ['folter*', 'gemetzel', 'massaker*', 'blutbad*'] },
    {
      kind: 'self_harm',
      weight: 0.9,
      terms: ['mich umbringen', 'mich töten', 'selbstverletz*', 'mir die pulsadern', 'mich ritzen', 'mich erhängen', 'mein leben beenden'],
    },
    { kind: 'self_harm', weight: 0.6, terms: ['suizid*', 'selbstmord*', 'ritzen', 'überdosis'] },
    { kind: 'hate', weight: 0.9, terms: ['kanake*', 'kanacke*', 'judensau*', 'neger', 'negern', 'schwuchtel*', 'untermensch*', 'zigeunerpack', 'heil hitler', 'sieg heil'] },
    { kind: 'hate', weight: 0.6, terms: ['zigeuner*', 'kümmeltürk*', 'schlitzauge*', 'tunte*'] },
    {
      kind: 'illegal',
      weight: 0.9,
      terms: ['bombe bauen', 'eine bombe bauen', 'rohrbombe*', 'meth kochen', 'crystal kochen', 'kokain kaufen', 'heroin kaufen', 'fentanyl kaufen', 'kinderhandel'],
    },
    { kind: 'illegal', weight: 0.6, terms: ['menschenhandel', 'geldwäsche', 'drogen verkaufen', 'drogenhandel'] },
  ],
  ages: {
    numbers: {
      eins: 1, ein: 1, eine: 1, zwei: 2, drei: 3, vier: 4, fünf: 5, sechs: 6, sieben: 7,
      acht: 8, neun: 9, zehn: 10, elf: 11, zwölf: 12, dreizehn: 13, vierzehn: 14,
      fünfzehn: 15, sechzehn: 16, siebzehn: 17, achtzehn: 18, neunzehn: 19, zwanzig: 20,
    },
    units: ['jahre alt', 'jahre jung', 'jährig*', 'jährige*'],
    countedUnits: ['jahren'],
    before: ['mit', 'von'],
    notBefore: ['vor', 'seit', 'nach'],
    notAfter: ['später', 'lang', 'berufserfahrung'],
    labels: ['alter'],
    grades: ['klässler*', 'klässlerin*'],
  },
};
