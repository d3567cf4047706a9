import type { LanguageRules } from './types.js';

// prettier-ignore
export const ES: LanguageRules = {
  terms: [
    { kind: 'minors_sexual', weight: 1, terms: ['pornografía infantil', 'porno infantil', 'abuso sexual infantil'] },
    { kind: 'minors_sexual', weight: 0.6, terms: ['pedófil*', 'pederast*'] },
    {
      kind: 'minor_self',
      weight: 1,
      terms: [
        'menor de edad', 'menores de edad', 'colegiala*', 'prepúber*', 'preadolescente*',
        'menor de 18', 'menos de 18', 'niña de primaria', 'estudiante de secundaria',
      ],
    },
    { kind: 'minor_noun', weight: 0.9, terms: ['niñita*', 'niñito*', 'infantil', 'pequeña niña', 'niña pequeña', 'niño pequeño'] },
    { kind: 'minor_noun', weight: 0.8, terms: ['niñas', 'niños'] },
    // "Nina" and "Nino" are names too.
    { kind: 'minor_noun', weight: 0.6, terms: ['niña', 'niño', 'chiquilla*', 'colegial', 'colegiales'] },
    { kind: 'minor_noun', weight: 0.4, terms: ['hija', 'hijastra', 'sobrina'] },
    { kind: 'minor_weak', weight: 0.5, terms: ['adolescente*', 'jovencita*', 'quinceañera*'] },
    { kind: 'adult', weight: 1, terms: ['adulta', 'adulto', 'adultas', 'adultos', 'mayor de edad', 'mayor de 18'] },
    {
      kind: 'sexual',
      weight: 1,
      terms: [
        'sexo', 'sexual', 'sexuales', 'sexualmente', 'follar*', 'follando', 'folla*', 'porno*',
        'pornográf*', 'orgasmo*', 'pene', 'penes', 'vagina*', 'coño', 'mamada*', 'violar*',
        'violación', 'violada', 'violado', 'masturb*', 'hacer el amor', 'haciendo el amor',
        'coito', 'clítoris', 'semen', 'correrse', 'chupársela', 'felación',
      ],
    },
    {
      kind: 'sexual',
      weight: 0.7,
      terms: [
        'desnud*', 'erótic*', 'cachond*', 'polla', 'pollas', 'tetas', 'pezones', 'pezón', 'lujuri*',
        'seducir', 'seducción', 'excitad*', 'calentona*', 'caliente y mojada',
      ],
    },
    { kind: 'sexual', weight: 0.5, terms: ['sexy', 'sensual', 'íntim*', 'fetiche*'] },
    { kind: 'violence_graphic', weight: 0.9, terms: ['desmembr*', 'decapit*', 'destrip*', 'mutil*', 'vísceras', 'degollad*', 'despellej*'] },
    { kind: 'violence_graphic', weight: 0.6, terms: ['tortur*', 'masacre*', 'carnicería'] },
    {
      kind: 'self_harm',
      weight: 0.9,
      terms: ['matarme', 'suicidarme', 'quitarme la vida', 'cortarme las venas', 'autolesi*', 'ahorcarme'],
    },
    { kind: 'self_harm', weight: 0.6, terms: ['suicid*', 'cortarme', 'sobredosis'] },
    { kind: 'hate', weight: 0.9, terms: ['sudaca*', 'maricón', 'maricones', 'negrata*', 'panchito*', 'judío de mierda', 'moro de mierda'] },
    { kind: 'hate', weight: 0.6, terms: ['marica', 'maricas', 'machorra*', 'subnormal*'] },
    {
      kind: 'illegal',
      weight: 0.9,
      terms: [
        'fabricar una bomba', 'hacer una bomba', 'construir una bomba', 'cocinar metanfetamina',
        'hacer metanfetamina', 'comprar cocaína', 'comprar heroína', 'comprar fentanilo',
        'trata de niños',
      ],
    },
    { kind: 'illegal', weight: 0.6, terms: ['trata de personas', 'lavado de dinero', 'blanqueo de capitales', 'vender drogas'] },
  ],
  ages: {
    numbers: {
      uno: 1, una: 1, dos: 2, tres: 3, cuatro: 4, cinco: 5, seis: 6, siete: 7, ocho: 8,
      nueve: 9, diez: 10, once: 11, doce: 12, trece: 13, catorce: 14, quince: 15,
      dieciséis: 16, diecisiete: 17, dieciocho: 18, diecinueve: 19, veinte: 20,
    },
    units: ['añitos', 'años de edad', 'años recién cumplidos'],
    countedUnits: ['años', 'año'],
    before: ['tiene', 'tengo', 'tienes', 'tenía', 'tenia', 'cumple', 'cumplió', 'de', 'apenas', 'solo'],
    notBefore: ['hace', 'más', 'durante', 'desde', 'por'],
    notAfter: ['atrás', 'después', 'antes', 'de experiencia', 'trabajando'],
    labels: ['edad'],
    grades: [],
  },
};
