import { describe, expect, it } from '@jest/globals';
import { hasForeignScript, hasMixedLanguages, isGarbledReply } from './language-check.js';

describe('hasForeignScript', () => {
  it.each([
    ['She smiled 我们 softly and turned away.', true],
    ['Она улыбнулась 微笑 и отвернулась.', true],
    ['He nodded, nói chuyện với tôi, then left the room quickly.', true],
    ['She smiled softly and turned away.', false],
    ['Она улыбнулась и отвернулась. Café, naïve, Ñandú, żółw, đak.', false],
    ['我们一起去吧', false],
  ])('%j -> %s', (text, expected) => {
    expect(hasForeignScript(text)).toBe(expected);
  });

  it('never flags a reply expected in a CJK language or Vietnamese', () => {
    expect(hasForeignScript('OK, 我们 go', 'zh')).toBe(false);
  });
});

describe('hasMixedLanguages', () => {
  it('flags English words leaking into Russian and Spanish', () => {
    expect(
      hasMixedLanguages('Она посмотрела на него and then she said that всё хорошо', 'ru'),
    ).toBe(true);
    expect(hasMixedLanguages('Ella sonrió and said that it was fine, con calma.', 'es')).toBe(true);
  });

  it('tolerates a name or a single loan word, and ignores other languages', () => {
    expect(hasMixedLanguages('Алиса сказала: «Это просто OK, Bob».', 'ru')).toBe(false);
    expect(hasMixedLanguages('Ella me dijo que no, y he vuelto a casa.', 'es')).toBe(false);
    expect(hasMixedLanguages('She said that this is what they were for.', 'en')).toBe(false);
  });
});

describe('isGarbledReply', () => {
  it('combines both checks', () => {
    expect(isGarbledReply('Hello 你好 there friend')).toBe(true);
    expect(isGarbledReply('Привет, the way you are is fine', 'ru')).toBe(true);
    expect(isGarbledReply('Привет, как дела?', 'ru')).toBe(false);
  });
});
