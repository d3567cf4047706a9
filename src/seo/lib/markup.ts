import { escapeHtml, escapeXml } from '../../common/escape.js';

/**
 * Markup built by the `safeHtml` and `safeXml` template tags below. Every interpolated value
 * is escaped unless it is Markup itself, so user text cannot reach a page unescaped by
 * accident. (Not named `html`: Prettier would reformat such templates as HTML documents.)
 */
export class Markup {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

type Interpolation = Markup | string | number | null | undefined | false | readonly Interpolation[];

function tag(escape: (text: string) => string) {
  const render = (value: Interpolation): string => {
    if (value === null || value === undefined || value === false) return '';
    if (value instanceof Markup) return value.value;
    if (Array.isArray(value)) return value.map(render).join('');
    return escape(String(value));
  };
  return (strings: TemplateStringsArray, ...values: Interpolation[]): Markup =>
    new Markup(strings.reduce((out, text, i) => out + render(values[i - 1]) + text));
}

export const safeHtml = tag(escapeHtml);
export const safeXml = tag(escapeXml);

/** Markup from a string that is known to be safe (a constant, or built by a tag above). */
export const trusted = (value: string): Markup => new Markup(value);
