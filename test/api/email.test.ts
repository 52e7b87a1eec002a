import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailParts, startSmtp } from '../support/smtp.js';
import { startServer, SUPERUSER, type TestServer } from '../support/server.js';

/** The plain-text part of a mail. */
const text = (raw: string) => mailParts(raw)['text/plain'] ?? '';

describe('account emails over SMTP', () => {
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let s: TestServer;
  let admin: string;
  beforeAll(async () => {
    smtp = await startSmtp();
    s = await startServer({ SMTP_URL: smtp.url, SMTP_FROM: 'ArchAIve <archive@example.org>', SIGNIN_ALERTS: 'true' });
    admin = await s.signIn(SUPERUSER.username, SUPERUSER.password);
  });
  afterAll(async () => {
    await s.close();
    await smtp.close();
  });

  it('emails the one-time password of a new account instead of returning it, and it works', async () => {
    const r = await s.gql<{ createUser: { delivery: string; oneTimePassword: string | null } }>(
      'mutation { createUser(input: { username: "mailee", email: "mailee@example.org", role: ARCHIVIST }) { delivery oneTimePassword } }',
      {},
      admin,
    );
    expect(r.body.data?.createUser).toEqual({ delivery: 'EMAILED', oneTimePassword: null });
    const mail = await smtp.mailTo('mailee@example.org', /Your new account/);
    const password = /One-time password: (\S+)/.exec(text(mail.raw))?.[1];
    expect(password).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(await s.signIn('mailee', password as string)).toBeTypeOf('string');
  });

  it('sends HTML with a plain-text part from one template, every value escaped in the HTML', async () => {
    await s.gql('mutation { createUser(input: { username: "marked", email: "marked@example.org", role: VIEWER }) { delivery } }', {}, admin);
    const parts = mailParts((await smtp.mailTo('marked@example.org', /Your new account/)).raw);
    expect(Object.keys(parts).sort()).toEqual(['text/html', 'text/plain']);
    const password = /One-time password: (\S+)/.exec(parts['text/plain'] ?? '')?.[1] as string;
    expect(parts['text/plain']).toContain('歡迎 Welcome to ArchAIve, marked.');
    expect(parts['text/html']).toContain(`One-time password: <strong>${password}</strong>`);
    expect(parts['text/html']).toContain(`<a href="${s.config.publicUrl}/graphiql">`);

    // A client chooses its own User-Agent, which the sign-in alert repeats.
    const agent = '<script>alert("owned")</script> & co';
    const signIn = await s.gql('mutation($p: String!) { signIn(identifier: "marked", password: $p) { token } }', { p: password }, undefined, { 'user-agent': agent });
    expect(signIn.body.errors).toBeUndefined();
    const alert = mailParts((await smtp.mailTo('marked@example.org', /Subject: New sign-in/)).raw);
    expect(alert['text/plain']).toContain(`(${agent})`);
    expect(alert['text/html']).not.toContain('<script>');
    expect(alert['text/html']).toContain('<strong>&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt; &amp; co</strong>');
  });

  it('emails a reset password, a password-changed notice and sign-in alerts', async () => {
    const created = await s.gql<{ createUser: { user: { id: string } } }>(
      'mutation { createUser(input: { username: "resetee", email: "resetee@example.org", role: VIEWER }) { user { id } } }',
      {},
      admin,
    );
    const id = created.body.data?.createUser.user.id;
    await s.gql('mutation($id: ID!) { resetUserPassword(userId: $id) { delivery } }', { id }, admin);
    const reset = await smtp.mailTo('resetee@example.org', /Your password was reset/);
    expect(reset.raw).toContain('Subject: Your password was reset | ArchAIve');
    const password = /One-time password: (\S+)/.exec(text(reset.raw))?.[1] as string;
    const token = await s.signIn('resetee', password);
    const changed = await s.gql('mutation($c: String!) { changePassword(currentPassword: $c, newPassword: "my own long passphrase") { username } }', { c: password }, token);
    expect(changed.body.errors).toBeUndefined();
    expect((await smtp.mailTo('resetee@example.org', /Subject: New sign-in \| ArchAIve/)).raw).toMatch(/resetee/);
    expect((await smtp.mailTo('resetee@example.org', /Subject: Password changed \| ArchAIve/)).raw).toMatch(/resetee/);
  });
});

describe('without SMTP', () => {
  it('returns the one-time password once to the superuser', async () => {
    const s = await startServer();
    try {
      const admin = await s.signIn(SUPERUSER.username, SUPERUSER.password);
      const r = await s.gql<{ createUser: { delivery: string; oneTimePassword: string } }>(
        'mutation { createUser(input: { username: "nomail", email: "nomail@example.org", role: VIEWER }) { delivery oneTimePassword } }',
        {},
        admin,
      );
      expect(r.body.data?.createUser.delivery).toBe('SHOWN_ONCE');
      expect(await s.signIn('nomail', r.body.data?.createUser.oneTimePassword ?? '')).toBeTypeOf('string');
    } finally {
      await s.close();
    }
  });
});
