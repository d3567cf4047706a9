import { escapeHtml } from '../escape.js';

/**
 * The HTML part of a mail, made from its text: every character escaped, links made
 * clickable, blank lines turned into paragraphs and line breaks kept. Mails are short plain
 * prose with a link or two, so this is all the markup they need; a template engine would
 * add a second copy of every mail to keep in step with its text.
 */

/** http(s) URLs up to whitespace or a character no URL in our mails holds. */
const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+/g;
/** Sentence punctuation right after a link is not part of it. */
const TRAILING_PUNCTUATION = /[.,;:!?)\]]+$/;

function linkify(line: string): string {
  let html = '';
  let last = 0;
  for (const match of line.matchAll(URL_PATTERN)) {
    const url = match[0].replace(TRAILING_PUNCTUATION, '');
    const start = match.index;
    html += escapeHtml(line.slice(last, start));
    html += `<a href="${escapeHtml(url)}">${escapeHtml(url)}</a>`;
    last = start + url.length;
  }
  return html + escapeHtml(line.slice(last));
}

export function htmlFromText(text: string): string {
  const paragraphs = text
    .replace(/\r\n?/g, '\n')
    .trim()
    .split(/\n[ \t]*\n\s*/)
    .filter((paragraph) => paragraph !== '')
    .map((paragraph) => `<p>${paragraph.split('\n').map(linkify).join('<br>\n')}</p>`);
  return (
    '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head>\n' +
    `<body>\n${paragraphs.join('\n')}\n</body></html>\n`
  );
}
