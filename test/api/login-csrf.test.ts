import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, SUPERUSER, type TestServer } from '../support/server.js';

/** The multipart form an attacker's page auto-submits to sign the browser in to the attacker's account. */
function signInForm(): FormData {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: `mutation { signIn(identifier: "${SUPERUSER.username}", password: "${SUPERUSER.password}") { csrfToken } }` }));
  form.append('map', '{}');
  return form;
}

describe('login CSRF', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(() => s.close());

  const post = (headers: Record<string, string>) => fetch(`${s.url}/graphql`, { method: 'POST', headers, body: signInForm() });

  it('refuses a sign-in posted from another site\'s page, and sets no cookie', async () => {
    // What Chromium sends with a cross-site form post, then what older browsers send (Origin alone,
    // or a sandboxed page's "null"), then Fetch metadata alone.
    for (const headers of [
      { origin: 'https://attacker.example', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' },
      { origin: 'https://attacker.example' },
      { origin: 'null' },
      { 'sec-fetch-site': 'same-site' },
    ]) {
      const res = await post(headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe('FORBIDDEN');
    }
  });

  it('signs in from the server\'s own pages and from clients that are not browsers', async () => {
    for (const headers of [{ origin: s.url, 'sec-fetch-site': 'same-origin' }, { origin: s.url }, {}]) {
      const res = await post(headers);
      expect(res.status, JSON.stringify(headers)).toBe(200);
      expect(res.headers.getSetCookie().some((c) => c.startsWith('archaive_session='))).toBe(true);
    }
  });

  it('lets a bearer client post from anywhere: a cross-site page cannot send that header without CORS', async () => {
    const token = await s.signIn(SUPERUSER.username, SUPERUSER.password);
    const res = await fetch(`${s.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, origin: 'https://app.example', 'sec-fetch-site': 'cross-site' },
      body: JSON.stringify({ query: '{ me { username } }' }),
    });
    expect(await res.json()).toEqual({ data: { me: { username: SUPERUSER.username } } });
  });
});

describe('GraphiQL page headers', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(() => s.close());

  it('sends a content security policy that forbids framing and scripts from elsewhere', async () => {
    for (const page of ['/graphiql', '/graphiql/page.js', '/graphiql/assets/graphiql.js']) {
      const res = await fetch(`${s.url}${page}`);
      expect(res.status, page).toBe(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, page).toContain("frame-ancestors 'none'");
      expect(csp, page).toContain("script-src 'self'");
      expect(csp, page).not.toMatch(/script-src[^;]*unsafe/);
      expect(csp, page).toContain(`connect-src 'self' ws://${new URL(s.url).host}`);
      expect(res.headers.get('x-frame-options'), page).toBe('DENY');
      await res.body?.cancel();
    }
    // The page loads nothing inline that the policy would block: its one script is a file.
    const html = await (await fetch(`${s.url}/graphiql`)).text();
    expect(html).not.toMatch(/<script>(?!<\/script>)/);
  });
});
