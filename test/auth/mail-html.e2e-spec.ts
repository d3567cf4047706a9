/**
 * Mail goes out as text and HTML; the HTML is the text escaped, so nothing in a mail (here a
 * site name full of markup) can become markup in the reader's mail client.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { JobQueue } from '../../src/common/jobs/job-queue.service.js';
import { MailService } from '../../src/common/mail/mail.service.js';
import { BROWSER_HEADERS, RELAXED_AUTH_ENV, registerUser } from '../support/auth.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const SITE_NAME = `<img src=x onerror="alert('x')">&Co`;

describe('mail as text and HTML', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { ...RELAXED_AUTH_ENV, SITE_NAME } });
  }, 30_000);

  afterAll(async () => {
    await t?.close();
  });

  it('sends the reset mail with an HTML part: every character escaped, the link clickable', async () => {
    const { email } = await registerUser(t);
    await t.http.post('/api/auth/forgot-password').set(BROWSER_HEADERS).send({ email }).expect(202);
    await t.app.get(JobQueue).runDue();
    const sent = t.app
      .get(MailService)
      .outbox.filter((mail) => mail.to === email && /reset your password/.test(mail.subject));
    expect(sent).toHaveLength(1);
    const [{ text, html }] = sent;

    expect(text).toContain(`your ${SITE_NAME} account`);
    expect(html).toContain(
      'your &lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;Co account',
    );
    expect(html).not.toContain('<img');
    const link = /http:\/\/frontend\.test\/reset-password\?token=[A-Za-z0-9_-]+/.exec(text)![0];
    expect(html).toContain(`<a href="${link}">${link}</a>`);
    // One paragraph per paragraph of the text.
    expect(html.match(/<p>/g)).toHaveLength(text.split('\n\n').length);
  });
});
