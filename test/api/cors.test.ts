import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, SUPERUSER, type TestServer } from '../support/server.js';

const LISTED = 'https://app.example';
const UNLISTED = 'https://elsewhere.example';
const ME = '{ me { username } }';
const SIGN_IN = 'mutation($i: String!, $p: String!) { signIn(identifier: $i, password: $p) { token csrfToken } }';

/** What a browser's fetch from a page of `origin` on another site sends, beside its own headers. */
const fromPage = (origin: string, headers: Record<string, string> = {}) => ({ origin, 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors', ...headers });

describe('CORS and the origins allowed to use credentials (CORS_ORIGINS)', () => {
  let s: TestServer;
  let token: string;
  beforeAll(async () => {
    s = await startServer({ CORS_ORIGINS: `${LISTED}, https://other.example:8443` });
    token = await s.signIn(SUPERUSER.username, SUPERUSER.password);
  });
  afterAll(() => s.close());

  const post = (query: string, headers: Record<string, string>, variables: Record<string, unknown> = {}) =>
    fetch(`${s.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });

  const preflight = (origin: string) =>
    fetch(`${s.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, x-csrf-token' },
    });

  it('answers a preflight from a listed origin with credentials and the headers the API needs', async () => {
    const res = await preflight(LISTED);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(LISTED);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')?.split(/,\s*/)).toEqual(expect.arrayContaining(['authorization', 'content-type', 'x-csrf-token']));
  });

  it('gives a preflight from an unlisted origin no CORS headers at all', async () => {
    const res = await preflight(UNLISTED);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('bearer path: a listed page may read the answer, an unlisted one may not', async () => {
    const listed = await post(ME, fromPage(LISTED, { authorization: `Bearer ${token}` }));
    expect(listed.headers.get('access-control-allow-origin')).toBe(LISTED);
    expect(listed.headers.get('access-control-allow-credentials')).toBe('true');
    expect(await listed.json()).toEqual({ data: { me: { username: SUPERUSER.username } } });

    const unlisted = await post(ME, fromPage(UNLISTED, { authorization: `Bearer ${token}` }));
    expect(unlisted.headers.get('access-control-allow-origin')).toBeNull();
    expect(unlisted.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('cookie path: a listed page signs in and posts with its CSRF token; an unlisted page is refused', async () => {
    const signIn = await post(SIGN_IN, fromPage(LISTED), { i: SUPERUSER.username, p: SUPERUSER.password });
    expect(signIn.status).toBe(200);
    expect(signIn.headers.get('access-control-allow-origin')).toBe(LISTED);
    expect(signIn.headers.get('access-control-allow-credentials')).toBe('true');
    const { data } = (await signIn.json()) as { data: { signIn: { csrfToken: string } } };
    const cookie = signIn.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');

    const listed = await post(ME, fromPage(LISTED, { cookie, 'x-csrf-token': data.signIn.csrfToken }));
    expect(listed.headers.get('access-control-allow-origin')).toBe(LISTED);
    expect(await listed.json()).toEqual({ data: { me: { username: SUPERUSER.username } } });

    const unlisted = await post(ME, fromPage(UNLISTED, { cookie, 'x-csrf-token': data.signIn.csrfToken }));
    expect(unlisted.status).toBe(403);
    expect(unlisted.headers.get('access-control-allow-origin')).toBeNull();
    const unlistedSignIn = await post(SIGN_IN, fromPage(UNLISTED), { i: SUPERUSER.username, p: SUPERUSER.password });
    expect(unlistedSignIn.status).toBe(403);
    expect(unlistedSignIn.headers.getSetCookie()).toEqual([]);
  });

  /** The first answer to connection_init on a graphql-transport-ws socket: its type, or how it closed. */
  const connect = async (headers: Record<string, string>, payload: Record<string, unknown>): Promise<string> => {
    const ws = new WebSocket(`${s.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', { headers });
    const first = new Promise<string>((resolve) => {
      ws.once('message', (m) => resolve((JSON.parse(String(m)) as { type: string }).type));
      ws.once('close', (code) => resolve(`closed ${code}`));
    });
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'connection_init', payload }));
    const answer = await first;
    ws.close();
    return answer;
  };

  it('WebSockets: a page of an unlisted origin is refused (4403) even with a token; a listed one connects', async () => {
    expect(await connect({ origin: UNLISTED }, { authorization: `Bearer ${token}` })).toBe('closed 4403');
    expect(await connect({ origin: LISTED }, { authorization: `Bearer ${token}` })).toBe('connection_ack');
    expect(await connect({ origin: 'https://other.example:8443' }, { authorization: `Bearer ${token}` })).toBe('connection_ack');
    // Not a browser: no Origin, and the token decides.
    expect(await connect({}, { authorization: `Bearer ${token}` })).toBe('connection_ack');

    const signIn = await post(SIGN_IN, fromPage(LISTED), { i: SUPERUSER.username, p: SUPERUSER.password });
    const cookie = signIn.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    expect(await connect({ cookie, origin: LISTED }, {})).toBe('connection_ack');
    expect(await connect({ cookie, origin: UNLISTED }, {})).toBe('closed 4403');
  });
});

describe('CORS_ORIGINS', () => {
  it('is validated: an origin with a path is refused at boot', { timeout: 60_000 }, async () => {
    await expect(startServer({ CORS_ORIGINS: 'https://app.example/path' })).rejects.toThrow(/CORS_ORIGINS: expected comma-separated origins/);
  });

  it('defaults to none: no origin gets CORS headers', { timeout: 60_000 }, async () => {
    const s = await startServer();
    try {
      const res = await fetch(`${s.url}/graphql`, { method: 'OPTIONS', headers: { origin: LISTED, 'access-control-request-method': 'POST' } });
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await s.close();
    }
  });
});
