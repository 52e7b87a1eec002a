import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchOf } from '../support/batches.js';
import { SAMPLES_DIR } from '../support/samples.js';
import { startServer, SUPERUSER, type TestServer } from '../support/server.js';

const SUBSCRIPTION = 'subscription { catalogueChanged { entity id change } }';

/** A graphql-ws connection as `token`, with how it closed once it has. */
function connect(s: TestServer, token: string): { client: Client; closed: Promise<{ code: number; reason: string }> } {
  let onClosed: (e: { code: number; reason: string }) => void = () => undefined;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (onClosed = resolve));
  const client = createClient({
    url: `${s.url.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    on: { closed: (e) => onClosed(e as { code: number; reason: string }) },
  });
  return { client, closed };
}

/** The first thing a subscription delivers: an event, or its error (GraphQL errors or a close). */
const firstOf = (client: Client, query: string, variables: Record<string, unknown> = {}) =>
  new Promise<{ data?: unknown; error?: unknown }>((resolve) => {
    const stop = client.subscribe(
      { query, variables },
      {
        next: (value) => {
          resolve({ data: value });
          stop();
        },
        error: (error) => resolve({ error }),
        complete: () => resolve({}),
      },
    );
  });

/** `promise`'s value, or 'still open' when it has not settled within a few seconds. */
const within = <T>(promise: Promise<T>, ms = 5000): Promise<T | 'still open'> =>
  Promise.race([promise, new Promise<'still open'>((r) => setTimeout(() => r('still open'), ms))]);

describe('subscriptions', () => {
  let s: TestServer;
  let token: string;
  beforeAll(async () => {
    s = await startServer();
    token = await s.signIn(SUPERUSER.username, SUPERUSER.password);
  });
  afterAll(() => s.close());

  const wsUrl = () => `${s.url.replace('http', 'ws')}/graphql`;

  it('streams catalogue changes over graphql-transport-ws, authenticated in connection_init', async () => {
    const client = createClient({ url: wsUrl(), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0 });
    try {
      const received = new Promise<unknown>((resolve, reject) => {
        const stop = client.subscribe(
          { query: SUBSCRIPTION },
          {
            next: (value) => {
              resolve(value);
              stop();
            },
            error: reject,
            complete: () => undefined,
          },
        );
      });
      // Give the subscription a moment to register before the change happens.
      await new Promise((r) => setTimeout(r, 200));
      const created = await s.gql<{ createBook: { id: string } }>('mutation { createBook(input: { title: "Live" }) { id } }', {}, token);
      expect(await received).toEqual({ data: { catalogueChanged: { entity: 'Book', id: created.body.data?.createBook.id, change: 'CREATED' } } });
    } finally {
      await client.dispose();
    }
  });

  it('refuses a connection whose connection_init does not authenticate with 4403 Forbidden, as graphql-ws asks', async () => {
    for (const payload of [{ authorization: 'Bearer not-a-real-token-at-all-xxxxxxxx' }, {}]) {
      const ws = new WebSocket(wsUrl(), 'graphql-transport-ws');
      const messages: { type: string }[] = [];
      ws.on('message', (m) => messages.push(JSON.parse(String(m)) as { type: string }));
      await new Promise((r) => ws.once('open', r));
      ws.send(JSON.stringify({ type: 'connection_init', payload }));
      const [code, reason] = await new Promise<[number, string]>((resolve) => ws.once('close', (c, r) => resolve([c, String(r)])));
      expect(messages).toEqual([]);
      expect([code, reason]).toEqual([4403, 'Forbidden']);
    }
    // The official client reports the refusal, not a protocol error.
    let closed: { code: number; reason: string } | undefined;
    const client = createClient({ url: wsUrl(), webSocketImpl: WebSocket, connectionParams: {}, retryAttempts: 0, on: { closed: (e) => (closed = e as typeof closed) } });
    const failure = await new Promise<unknown>((resolve) => client.subscribe({ query: SUBSCRIPTION }, { next: () => undefined, error: resolve, complete: () => resolve(undefined) }));
    expect(failure).toMatchObject({ code: 4403, reason: 'Forbidden' });
    expect(closed).toMatchObject({ code: 4403, reason: 'Forbidden' });
    await client.dispose();
  });

  it('authenticates a browser by its session cookie only from a page of its own origin', async () => {
    const res = await fetch(`${s.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'mutation($i: String!, $p: String!) { signIn(identifier: $i, password: $p) { token } }', variables: { i: SUPERUSER.username, p: SUPERUSER.password } }),
    });
    const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const connect = async (origin: string) => {
      const ws = new WebSocket(wsUrl(), 'graphql-transport-ws', { headers: { cookie, origin } });
      const first = new Promise<string>((resolve) => {
        ws.once('message', (m) => resolve((JSON.parse(String(m)) as { type: string }).type));
        ws.once('close', (code) => resolve(`closed ${code}`));
      });
      await new Promise((r) => ws.once('open', r));
      ws.send(JSON.stringify({ type: 'connection_init', payload: {} }));
      const answer = await first;
      ws.close();
      return answer;
    };
    expect(await connect(s.url)).toBe('connection_ack');
    expect(await connect('https://elsewhere.example')).toBe('closed 4403');
  });

  it('speaks the legacy subscriptions-transport-ws protocol too', async () => {
    const ws = new WebSocket(wsUrl(), 'graphql-ws');
    const messages: { type: string; payload?: unknown }[] = [];
    ws.on('message', (m) => messages.push(JSON.parse(String(m)) as { type: string }));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'connection_init', payload: { token } }));
    const waitFor = async (type: string) => {
      for (let i = 0; i < 100 && !messages.some((m) => m.type === type); i++) await new Promise((r) => setTimeout(r, 50));
      return messages.find((m) => m.type === type);
    };
    expect(await waitFor('connection_ack')).toBeDefined();
    ws.send(JSON.stringify({ id: '1', type: 'start', payload: { query: SUBSCRIPTION } }));
    await new Promise((r) => setTimeout(r, 200));
    await s.gql('mutation { createCategory(input: { name: "Legacy live" }) { id } }', {}, token);
    const data = (await waitFor('data')) as { payload: { data: { catalogueChanged: { entity: string; change: string } } } } | undefined;
    expect(data?.payload.data.catalogueChanged).toMatchObject({ entity: 'Category', change: 'CREATED' });
    ws.close();
  });

  describe('pass the same checks as every operation', () => {
    let viewer: string;
    let batchId: string;
    beforeAll(async () => {
      const archivist = await s.userWithRole('ARCHIVIST', 'sub_archivist');
      viewer = (await s.userWithRole('VIEWER', 'sub_viewer')).token;
      ({ batchId } = await batchOf(s, archivist.token, 'Limits', readFileSync(path.join(SAMPLES_DIR, 'minutes-page.jpg')), 'MM'));
    });

    // batch { artefacts { nodes { batch … } } } repeated: every level multiplies the work of each event.
    const nested = (levels: number, page: string) =>
      `batchProgress(batchId: $b) { seq ${'batch { artefacts(first: PAGE) { nodes { '.repeat(levels)}id${' } } }'.repeat(levels)} }`.replaceAll('PAGE', page);

    it('refuses a subscription past the depth limit (batchProgress nested four levels deep)', async () => {
      const { client } = connect(s, viewer);
      const query = `subscription($b: ID!) { ${nested(4, '100')} }`;
      const first = await firstOf(client, query, { b: batchId });
      expect(first.error).toEqual([expect.objectContaining({ message: 'The query is 14 levels deep; the limit is 12', extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })]);
      await client.dispose();
    });

    it('refuses a subscription past the cost limit, counting page sizes given in variables', async () => {
      const { client } = connect(s, viewer);
      const first = await firstOf(client, `subscription($b: ID!, $n: Int) { ${nested(3, '$n')} }`, { b: batchId, n: 100 });
      expect(first.error).toEqual([expect.objectContaining({ message: expect.stringMatching(/too complex/), extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })]);
      // The same shape with small pages passes and delivers the batch's snapshot.
      const small = await firstOf(client, `subscription($b: ID!, $n: Int) { ${nested(3, '$n')} }`, { b: batchId, n: 2 });
      expect(small.data).toMatchObject({ data: { batchProgress: { seq: expect.any(Number) } } });
      await client.dispose();
    });

    it('refuses a subscription that is not valid against the schema', async () => {
      const { client } = connect(s, viewer);
      const first = await firstOf(client, 'subscription { catalogueChanged { entity nosuchfield } }');
      expect(first.error).toEqual([expect.objectContaining({ message: expect.stringMatching(/nosuchfield/), extensions: { code: 'BAD_USER_INPUT' } })]);
      await client.dispose();
    });
  });

  describe('of revoked sessions', () => {
    /** A viewer's socket streaming catalogueChanged, proven live by one event. */
    async function liveSocket(username: string) {
      const user = await s.userWithRole('VIEWER', username);
      const { client, closed } = connect(s, user.token);
      const events: unknown[] = [];
      client.subscribe({ query: SUBSCRIPTION }, { next: (v) => events.push(v), error: () => undefined, complete: () => undefined });
      for (let i = 0; i < 50 && events.length === 0; i++) {
        await s.gql('mutation($t: String!) { createBook(input: { title: $t }) { id } }', { t: `${username} ${i}` }, token);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(events.length).toBeGreaterThan(0);
      return { user, client, closed };
    }

    const ways: [string, (user: { id: string; token: string; password: string }, username: string) => Promise<unknown>][] = [
      ['signOut', (u) => s.gql('mutation { signOut }', {}, u.token)],
      ['revokeUserSessions', (u) => s.gql('mutation($id: ID!) { revokeUserSessions(userId: $id) }', { id: u.id }, token)],
      ['a role change', (u) => s.gql('mutation($id: ID!) { updateUser(userId: $id, input: { role: ARCHIVIST }) { role } }', { id: u.id }, token)],
      ['resetUserPassword', (u) => s.gql('mutation($id: ID!) { resetUserPassword(userId: $id) { delivery } }', { id: u.id }, token)],
      ['deleteUser', (u) => s.gql('mutation($id: ID!) { deleteUser(userId: $id) }', { id: u.id }, token)],
      [
        'changePassword on another device',
        async (u, username) => {
          const other = await s.signIn(username, u.password);
          const change = 'mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { id } }';
          return s.gql(change, { c: u.password, n: 'Vq7#mountain-lantern-orbit' }, other);
        },
      ],
    ];

    it.each(ways)('closes the sockets of a session ended by %s at once, with 4401', async (way, end) => {
      const username = `ws_${way.replace(/\W/g, '').slice(0, 20)}`;
      const { user, client, closed } = await liveSocket(username);
      await end(user, username);
      expect(await within(closed)).toMatchObject({ code: 4401 });
      await client.dispose();
    });

    it('closes the socket when its session reaches its absolute expiry', async () => {
      const user = await s.userWithRole('VIEWER', 'ws_expiring');
      const session = s.core.services.auth.authenticate(user.token, 'bearer')?.session;
      s.core.store.db.query('UPDATE sessions SET expires_at = ? WHERE id = ?').run(new Date(Date.now() + 1500).toISOString(), session?.id);
      const { client, closed } = connect(s, user.token);
      const first = firstOf(client, SUBSCRIPTION);
      expect(await within(closed)).toMatchObject({ code: 4401 });
      expect(await first).toMatchObject({ error: { code: 4401 } });
    });

    it('checks the session again before every new subscription', async () => {
      const { user, client, closed } = await liveSocket('ws_recheck');
      // Ended behind the edge's back (as another instance would): no notice reaches this socket.
      const session = s.core.services.auth.authenticate(user.token, 'bearer')?.session;
      s.core.store.sessions.revoke(session?.id ?? '');
      const next = await firstOf(client, SUBSCRIPTION);
      expect(next.error).toMatchObject({ code: 4401, reason: 'Unauthorized' });
      expect(await within(closed)).toMatchObject({ code: 4401 });
    });
  });
});
