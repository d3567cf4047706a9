import { describe, expect, it } from '@jest/globals';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { escapeHtml, escapeXml, jsonForScript, stripInvalidChars } from '../../common/escape.js';
import { safeHtml, safeXml, trusted } from './markup.js';

const HOSTILE = `<script>alert(1)</script> "quoted" 'single' & ampersand </SCRIPT><!-- \u2028\u2029`;

describe('escapeHtml', () => {
  it('leaves no markup-significant character unescaped', () => {
    const escaped = escapeHtml(HOSTILE);
    expect(escaped).not.toMatch(/[<>"']/);
    expect(escaped).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(escaped).toContain('&quot;quoted&quot; &#39;single&#39; &amp; ampersand');
  });

  it('does not double-escape what the safeHtml tag already escaped once', () => {
    expect(safeHtml`<p>${'a & b'}</p>`.value).toBe('<p>a &amp; b</p>');
    expect(safeHtml`<p>${safeHtml`<em>${'<x>'}</em>`}</p>`.value).toBe('<p><em>&lt;x&gt;</em></p>');
  });

  it('escapes every interpolation of the safeHtml tag unless it is markup', () => {
    const name = '"><img src=x onerror=alert(1)>';
    const page = safeHtml`<a title="${name}">${[name, null, false, undefined, 3]}</a>${trusted('<br>')}`;
    expect(page.value).toBe(
      '<a title="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;">&quot;&gt;&lt;img src=x onerror=alert(1)&gt;3</a><br>',
    );
  });
});

describe('escapeXml', () => {
  it('produces text an XML parser reads back unchanged', () => {
    const text = `${HOSTILE} ]]> \u0001\u0008 bell \uFFFE \uD800 lone`;
    const document = safeXml`<root attr="${text}"><v>${text}</v></root>`.value;
    expect(XMLValidator.validate(document)).toBe(true);
    const parsed = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '@',
      processEntities: true,
      htmlEntities: false,
      trimValues: false,
    }).parse(document) as { root: { v: string; '@attr': string } };
    expect(parsed.root.v).toBe(stripInvalidChars(text));
    expect(parsed.root['@attr']).toBe(stripInvalidChars(text));
    expect(escapeXml("'")).toBe('&apos;');
  });

  it('drops the characters XML 1.0 forbids and keeps valid pairs and whitespace', () => {
    expect(stripInvalidChars('a\u0000b\u001Fc\uFFFFd\uDC00e')).toBe('abcde');
    expect(stripInvalidChars('tab\tnl\ncr\r 😀 ü')).toBe('tab\tnl\ncr\r 😀 ü');
  });
});

describe('jsonForScript', () => {
  const value = { name: HOSTILE, nested: ['</script><script>alert(2)</script>'] };

  it('cannot end the script element or open a comment, whatever the data', () => {
    const json = jsonForScript(value);
    expect(json).not.toMatch(/[<>&\u2028\u2029]/);
    expect(json.toLowerCase()).not.toContain('</script');
    expect(json).not.toContain('<!--');
  });

  it('is still JSON describing the same value', () => {
    expect(JSON.parse(jsonForScript(value))).toEqual(value);
  });
});
