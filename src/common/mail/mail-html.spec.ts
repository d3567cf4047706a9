import { describe, expect, it } from '@jest/globals';
import { escapeHtml } from '../escape.js';
import { htmlFromText } from './mail-html.js';

const body = (html: string) => /<body>\n([\s\S]*)\n<\/body>/.exec(html)![1];

describe('htmlFromText', () => {
  it('escapes every character HTML gives a meaning to', () => {
    expect(escapeHtml(`<script>alert("x" & 'y')</script>`)).toBe(
      '&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;',
    );
    const html = body(htmlFromText('<img src=x onerror=alert(1)> & "quotes"'));
    expect(html).toBe('<p>&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot;</p>');
    expect(html).not.toMatch(/<img|<script/);
  });

  it('makes links clickable, escaped inside and out, without the punctuation after them', () => {
    expect(body(htmlFromText('Open https://site.test/reset?token=a_b&x=1. Then sign in.'))).toBe(
      '<p>Open <a href="https://site.test/reset?token=a_b&amp;x=1">' +
        'https://site.test/reset?token=a_b&amp;x=1</a>. Then sign in.</p>',
    );
    // A quote or angle bracket ends a link, so no attribute can be smuggled into the href.
    expect(body(htmlFromText('http://x.test/"onmouseover="alert(1)'))).toBe(
      '<p><a href="http://x.test/">http://x.test/</a>&quot;onmouseover=&quot;alert(1)</p>',
    );
    expect(body(htmlFromText('javascript:alert(1) ftp://x.test'))).not.toContain('<a');
  });

  it('turns blank lines into paragraphs and keeps single line breaks', () => {
    expect(body(htmlFromText('One\r\nline two\n\n\n\nThree\n'))).toBe(
      '<p>One<br>\nline two</p>\n<p>Three</p>',
    );
  });

  it('stays linear on hostile input', () => {
    const text = `${'http://'.repeat(20_000)}${'<&>\n'.repeat(20_000)}`;
    const html = htmlFromText(text);
    expect(html).not.toContain('<&>');
    expect(html.length).toBeLessThan(text.length * 8);
  });
});
