/**
 * Escaping for the three contexts SEO output puts user text into. Characters XML 1.0 forbids
 * (C0 controls other than tab/newline/return, lone surrogates, U+FFFE/U+FFFF) are dropped
 * first: one of them in a character's description would make a whole sitemap unparsable.
 */
const NOT_XML_CHAR =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export const stripInvalidChars = (text: string): string => text.replace(NOT_XML_CHAR, '');

const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Safe in HTML text and in quoted attribute values. */
export const escapeHtml = (text: string): string =>
  stripInvalidChars(text).replace(/[&<>"']/g, (ch) => HTML_ENTITIES[ch]);

const XML_ENTITIES: Record<string, string> = { ...HTML_ENTITIES, "'": '&apos;' };

/** Safe in XML text and in quoted attribute values. */
export const escapeXml = (text: string): string =>
  stripInvalidChars(text).replace(/[&<>"']/g, (ch) => XML_ENTITIES[ch]);

const SCRIPT_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/**
 * JSON for the inside of a <script type="application/ld+json"> element. The HTML parser ends a
 * script at the first "</script" whatever JSON thinks, so <, > and & become \u escapes (still
 * the same JSON string values); U+2028/2029 are escaped for consumers that read it as JavaScript.
 */
export const jsonForScript = (value: unknown): string =>
  stripInvalidChars(JSON.stringify(value)).replace(
    /[<>&\u2028\u2029]/g,
    (ch) => SCRIPT_ESCAPES[ch],
  );
