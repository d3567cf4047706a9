import type { LanguageRules } from './types.js';

// prettier-ignore
export const EN: LanguageRules = {
  terms: [
    {
      kind: 'minors_sexual',
      weight: 1,
      terms: ['lolicon', 'shotacon', 'child porn*', 'kiddie porn*', 'csam', 'jailbait', 'pedobait'],
    },
    { kind: 'minors_sexual', weight: 0.6, terms: ['pedophil*', 'paedophil*', 'pedo', 'molest* child*'] },
    {
      kind: 'minor_self',
      weight: 1,
      terms: [
        'loli', 'lolis', 'shota', 'shotas', 'underage*', 'under 18', 'under eighteen', 'preteen*',
        'pre teen*', 'prepubescent', 'schoolgirl*', 'schoolboy*', 'school girl*', 'school boy*',
        'middle schooler*', 'grade schooler*', 'elementary schooler*', 'not yet 18',
        'not yet eighteen', 'jr high', 'junior high student*',
      ],
    },
    { kind: 'minor_self', weight: 0.7, terms: ['pubescent', 'middle school', 'elementary school', 'tween', 'tweens', 'lolita'] },
    {
      kind: 'minor_noun',
      weight: 0.9,
      terms: ['child', 'children', 'toddler*', 'infant*', 'little girl*', 'little boy*', 'kindergartner*'],
    },
    { kind: 'minor_noun', weight: 0.7, terms: ['kid', 'kids', 'minor', 'minors', 'young girl*', 'young boy*', 'highschooler*', 'high schooler*'] },
    { kind: 'minor_noun', weight: 0.4, terms: ['daughter', 'stepdaughter', 'niece'] },
    { kind: 'minor_weak', weight: 0.5, terms: ['teen', 'teens', 'teenage*', 'teenager*', 'barely legal'] },
    { kind: 'adult', weight: 1, terms: ['adult', 'adults', 'grown woman', 'grown man', 'over 18', 'over eighteen', 'grown up', 'grownup'] },
    {
      kind: 'sexual',
      weight: 1,
      terms: [
        'sex', 'sexual', 'sexually', 'porn*', 'fuck*', 'orgasm*', 'cum', 'cumming', 'penis*',
        'vagina*', 'pussy', 'blowjob*', 'handjob*', 'intercourse', 'masturbat*', 'rape', 'raped',
        'raping', 'rapes', 'rapist*', 'molest*', 'cunnilingus', 'fellatio', 'erection*',
        'have sex', 'having sex', 'make love', 'making love', 'clit*', 'genital*', 'dildo*',
      ],
    },
    {
      kind: 'sexual',
      weight: 0.7,
      terms: [
        'nude', 'nudes', 'naked', 'erotic*', 'horny', 'lewd', 'nsfw', 'cock', 'cocks', 'dick',
        'nipple*', 'seduce*', 'seducing', 'grope*', 'groping', 'fondl*', 'undress*', 'kinky',
        'bdsm', 'fetish*', 'aroused', 'arousal', 'lust*', 'strip tease', 'striptease',
      ],
    },
    { kind: 'sexual', weight: 0.5, terms: ['sexy', 'breasts', 'boobs'] },
    {
      kind: 'violence_graphic',
      weight: 0.9,
      terms: [
        'gore', 'gory', 'dismember*', 'decapitat*', 'behead*', 'disembowel*', 'eviscerat*',
        'mutilat*', 'flay*', 'entrails', 'severed head*', 'severed limb*', 'gouged out', 'snuff',
      ],
    },
    { kind: 'violence_graphic', weight: 0.6, terms: ['tortur*', 'guts', 'bloodbath', 'massacre*', 'slaughter*'] },
    {
      kind: 'self_harm',
      weight: 0.9,
      terms: [
        'kill myself', 'killing myself', 'kill yourself', 'kys', 'self harm*', 'selfharm*',
        'cut myself', 'cutting myself', 'slit my wrist*', 'end my life', 'suicidal', 'pro ana',
        'proana', 'hang myself',
      ],
    },
    { kind: 'self_harm', weight: 0.6, terms: ['suicide*', 'overdose*', 'self injury', 'self injur*'] },
    {
      kind: 'hate',
      weight: 0.9,
      terms: [
        'nigger*', 'faggot*', 'kike', 'kikes', 'chink', 'chinks', 'spic', 'spics', 'wetback*',
        'gas the jews', 'heil hitler', 'sieg heil', 'white power', 'untermensch*', 'raghead*',
        'sandnigger*',
      ],
    },
    { kind: 'hate', weight: 0.6, terms: ['nigga*', 'fag', 'fags', 'tranny', 'trannies', 'subhuman*', 'ethnic cleansing', 'retard', 'retards'] },
    {
      kind: 'illegal',
      weight: 0.9,
      terms: [
        'make meth', 'cook meth', 'cooking meth', 'synthesize meth*', 'pipe bomb*', 'make a bomb',
        'build a bomb', 'making a bomb', 'nerve agent*', 'sarin', 'ricin', 'child trafficking',
        'buy cocaine', 'buy heroin', 'buy fentanyl',
      ],
    },
    {
      kind: 'illegal',
      weight: 0.6,
      terms: [
        'human trafficking', 'money laundering', 'launder money', 'credit card fraud',
        'ghost gun*', 'sell drugs', 'selling drugs', 'hitman for hire', 'hire a hitman',
      ],
    },
  ],
  ages: {
    numbers: {
      one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
      eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16,
      seventeen: 17, eighteen: 18, nineteen: 19, twenty: 20,
    },
    units: [
      'years old', 'year old', 'yrs old', 'yr old', 'yo', 'y o', 'years young', 'year olds',
      'years of age',
    ],
    countedUnits: [],
    before: [],
    notBefore: [],
    notAfter: [],
    labels: ['age', 'aged', 'ages'],
    grades: ['grade', 'grader', 'graders'],
  },
};
